"""Files of a REX or a forum post: the upload page, removal, and the only way to read a file.

A file is served by :func:`serve` after the policy of what it is attached to
(:mod:`.holders`), never as a static file: a file the reader may not see is a 404, like its REX
or its post. Responses carry ``Content-Disposition`` (``attachment`` except for raster
images), ``nosniff``, a CSP with ``sandbox``, and ``Cache-Control`` that keeps private files out
of every shared cache. These views are not marked ``for_visitors``: the page cache never stores
them.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from ..lifecycle import REFUSED, attempt, require
from ..wiki import rendering
from ..wiki.views import add_rex_section
from . import editor, holders, links, sections, services
from .forms import UploadForm
from .holders import Holder
from .intake import BY_MEDIA_TYPE, human_size
from .models import Attachment
from .storage import get_storage

bp = Blueprint("files", __name__, template_folder="templates")

INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
#: Text files are sent in the UTF-8 they were checked to be in.
TEXT = frozenset({"text/plain", "text/csv"})
FILE_CSP = "default-src 'none'; img-src 'self'; sandbox"


def _send(key: str, att: Attachment, public: bool, media_type: str) -> Response:
    """The stored blob ``key`` of ``att`` with the headers of the module docstring."""
    try:
        stream = get_storage().open(key)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        stream,
        mimetype=media_type,
        as_attachment=media_type not in INLINE,
        download_name=att.name,
        etag=key,
        conditional=True,
        max_age=None,
    )
    response.headers["Cache-Control"] = "public, no-cache" if public else "private, no-store"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@bp.route("/fichiers/<token>")
def serve(token: str) -> Response:
    att, holder = holders.of_token(token, current_user)
    media_type = f"{att.media_type}; charset=utf-8" if att.media_type in TEXT else att.media_type
    return _send(att.sha256, att, holder.public, media_type)


@bp.route("/fichiers/<token>/miniature")
def thumbnail(token: str) -> Response:
    att, holder = holders.of_token(token, current_user)
    if not att.thumb_key:
        abort(404)
    return _send(att.thumb_key, att, holder.public, att.media_type)


@bp.route("/rex/<slug>/fichiers", methods=["GET", "POST"])
def manage(slug: str) -> tuple[str, int] | Response:
    return _manage(holders.of_rex(slug, current_user))


@bp.route("/forum/message/<int:post_id>/fichiers", methods=["GET", "POST"])
def post_manage(post_id: int) -> tuple[str, int] | Response:
    return _manage(holders.of_post(post_id, current_user))


def _manage(holder: Holder) -> tuple[str, int] | Response:
    """List the files of a REX or a post; who may attach one does it here (a plain file
    input, no JavaScript needed)."""
    can_attach = holder.can_attach(current_user)
    require(can_attach or request.method != "POST", "Vous ne pouvez pas joindre de fichier ici.")
    form = UploadForm() if can_attach else None
    if form is not None and form.validate_on_submit():
        upload, alt = form.file.data, form.alt.data or ""
        att = attempt(
            form.file, holder.attach, current_user, upload.stream, upload.filename or "", alt
        )
        if att is not REFUSED:
            flash(f"Fichier « {att.name} » joint {holder.to_place}.", "success")
            return redirect(holder.url)
    limit = human_size(current_app.config["FILES_MAX_BYTES"])
    page = render_template(
        "files/manage.html", holder=holder, form=form, files=holder.files(), limit=limit,
        labels=BY_MEDIA_TYPE, human_size=human_size,
    )  # fmt: skip
    return page, 400 if form is not None and form.errors else 200


@bp.route("/fichiers/<token>/supprimer", methods=["POST"])
def remove(token: str) -> Response:
    att, holder = holders.of_token(token, current_user)
    require(holder.can_remove(current_user), "Vous ne pouvez pas retirer ce fichier.")
    name = att.name
    holder.remove(current_user, att)
    flash(f"Fichier « {name} » retiré {holder.from_place}.", "success")
    return redirect(holder.url)


def _upload_limit() -> None:
    """The upload page takes bigger requests than the rest of the site (set before the CSRF
    check reads the form): a bigger request is refused on its announced length, unread."""
    if request.endpoint in ("files.manage", "files.post_manage"):
        request.max_content_length = current_app.config["FILES_MAX_BYTES"] + 256 * 1024
    elif request.endpoint in editor.ENDPOINTS:  # several files and the text
        request.max_content_length = current_app.config["FILES_MAX_PER_REX_BYTES"] + 1024 * 1024


def init_app(app: Flask) -> None:
    """Register the routes, the REX page and thread sections and the ``fichier:`` links."""
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks[:0] = [_upload_limit]  # first: before the CSRF check reads the body
    app.register_blueprint(bp)
    app.jinja_env.globals["post_files"] = sections.post_section
    add_rex_section(app, sections.rex_section)
    editor.init_app(app)
    rendering.add_link_resolver(links.resolver)
    # Search reads this registry (it imports no feature): the files' text joins the REX's.
    app.extensions.setdefault("commons.search.rex_extra_text", []).append(services.search_text)
