"""Files of a REX: the upload page, the REX page's list, and the only way to read a file.

A file is served by :func:`serve` after :func:`policy.can_view_file` on its REX, never as a
static file: a file the reader may not see is a 404, like its REX. Responses carry
``Content-Disposition`` (``attachment`` except for raster images), ``nosniff``, a CSP with
``sandbox``, and ``Cache-Control`` that keeps private files out of every shared cache. These
views are not marked ``for_visitors``: the page cache never stores them.
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
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from .. import db
from ..forum.models import Post, Thread
from ..licensing import registry
from ..wiki import rendering
from ..wiki.models import Rex
from ..wiki.views import add_rex_section, load_rex
from . import editor, links, policy, post_views, posts, services
from .forms import UploadForm
from .intake import BY_MEDIA_TYPE, FileRefused, human_size
from .models import Attachment
from .storage import get_storage

bp = Blueprint("files", __name__, template_folder="templates")

INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
FILE_CSP = "default-src 'none'; img-src 'self'; sandbox"


def _load(token: str) -> tuple[Attachment, Rex | None, bool]:
    """The file of a token, what it is attached to (its REX, ``None`` for a post) and whether
    it is public; 404 for whoever may not read it."""
    att = services.by_token(token)
    if att is not None and att.post_id is not None:
        post = db.session.get(Post, att.post_id)
        thread = db.session.get(Thread, post.thread_id) if post is not None else None
        if thread is None or not posts.can_view_post_file(current_user, post, thread):
            abort(404)
        return att, None, False  # the forum is never public: kept out of shared caches
    rex = db.session.get(Rex, att.rex_id) if att is not None else None
    if att is None or rex is None or not policy.can_view_file(current_user, rex):
        abort(404)
    return att, rex, rex.space == "public" and not rex.hidden


def _send(key: str, att: Attachment, public: bool, media_type: str) -> Response:
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
    att, _rex, public = _load(token)
    media_type = "text/plain; charset=utf-8" if att.media_type == "text/plain" else att.media_type
    if att.media_type == "text/csv":
        media_type = "text/csv; charset=utf-8"
    return _send(att.sha256, att, public, media_type)


@bp.route("/fichiers/<token>/miniature")
def thumbnail(token: str) -> Response:
    att, _rex, public = _load(token)
    if not att.thumb_key:
        abort(404)
    return _send(att.thumb_key, att, public, att.media_type)


@bp.route("/rex/<slug>/fichiers", methods=["GET", "POST"])
def manage(slug: str) -> str | Response:
    rex = load_rex(slug)
    if not policy.can_view_file(current_user, rex):
        abort(404)
    can_attach = policy.can_attach(current_user, rex)
    if request.method == "POST" and not can_attach:
        abort(403)
    form = UploadForm() if can_attach else None
    if form is not None and form.validate_on_submit():
        upload = form.file.data
        try:
            att = services.attach(
                current_user, rex, upload.stream, upload.filename or "", alt=form.alt.data or ""
            )
        except FileRefused as exc:
            db.session.rollback()
            form.file.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"Fichier « {att.name} » joint au REX.", "success")
            return redirect(url_for("files.manage", slug=rex.slug))
    status = 400 if form is not None and form.errors else 200
    return render_template(
        "files/manage.html",
        rex=rex,
        form=form,
        files=services.files_of(rex),
        labels=BY_MEDIA_TYPE,
        human_size=human_size,
        limit=human_size(current_app.config["FILES_MAX_BYTES"]),
    ), status


@bp.route("/forum/message/<int:post_id>/fichiers", methods=["GET", "POST"])
def post_manage(post_id: int) -> str | Response:
    return post_views.manage(post_id)


@bp.route("/fichiers/<token>/supprimer", methods=["POST"])
def remove(token: str) -> Response:
    att, rex, _public = _load(token)
    if rex is None:
        return post_views.remove(att)
    if not policy.can_remove(current_user, rex):
        abort(403)
    name = att.name
    services.remove(current_user, att)
    db.session.commit()
    flash(f"Fichier « {name} » retiré du REX.", "success")
    return redirect(url_for("files.manage", slug=rex.slug))


def rex_section(rex: Rex) -> Markup | None:
    """The "Fichiers joints" section of a REX page (nothing when hidden to this reader)."""
    if not policy.can_view_file(current_user, rex):
        return None
    files = services.files_of(rex)
    can_attach = policy.can_attach(current_user, rex)
    if not files and not can_attach:
        return None
    return Markup(
        render_template(
            "files/_section.html",
            rex=rex,
            files=files,
            can_attach=can_attach,
            labels=BY_MEDIA_TYPE,
            human_size=human_size,
            licence=registry.get(rex.licence_id),
        )
    )


def _upload_limit() -> None:
    """The upload page takes bigger requests than the rest of the site (set before the CSRF
    check reads the form): a bigger request is refused on its announced length, unread."""
    if request.endpoint in ("files.manage", "files.post_manage"):
        request.max_content_length = current_app.config["FILES_MAX_BYTES"] + 256 * 1024
    elif request.endpoint in editor.ENDPOINTS:  # several files and the text
        request.max_content_length = current_app.config["FILES_MAX_PER_REX_BYTES"] + 1024 * 1024


def init_app(app: Flask) -> None:
    """Register the routes, the REX page section and the ``fichier:`` link resolver."""
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)
    app.register_blueprint(bp)
    app.jinja_env.globals["post_files"] = post_views.post_section
    add_rex_section(app, rex_section)
    editor.init_app(app)
    rendering.add_link_resolver(links.resolver)
    # Search reads this registry (it imports no feature): the files' text joins the REX's.
    app.extensions.setdefault("commons.search.rex_extra_text", []).append(services.search_text)
