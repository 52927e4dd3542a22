"""Routes of the archive: ``/communs/export.zip`` (anyone) and ``/communs/importer`` (admins)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from ... import db
from ...lifecycle import require
from ...wiki.importer import ImportReport, RexImportError
from .. import archive_cache, archive_policy, importing
from ..archive_forms import ImportForm

bp = Blueprint("export_archive", __name__)
MAX_UPLOAD = 64 * 1024 * 1024


@bp.get("/communs/export.zip")
def export_zip() -> Response:
    require(archive_policy.can_download_archive(current_user))
    return archive_cache.send(archive_cache.cached_archive())


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The import page takes archives larger than other forms (``IMPORT_MAX_UPLOAD_BYTES``).
    Set here because URL preprocessors run before ``before_request`` hooks, and the CSRF check
    (one of those) reads the body."""
    if endpoint == "export_archive.import_page":
        limit = current_app.config.get("IMPORT_MAX_UPLOAD_BYTES", MAX_UPLOAD)
        request.max_content_length = int(limit)


@bp.route("/communs/importer", methods=["GET", "POST"])
def import_page() -> str | Response:
    require(archive_policy.can_import_archive(current_user))
    form = ImportForm()
    report, refused = _import(form.archive.data) if form.validate_on_submit() else (None, [])
    if report is not None:
        flash(importing.summary(report), "success")
        return redirect(url_for(".import_page"))
    return render_template("export/archive_import.html", form=form, errors=refused)


def _import(upload: FileStorage) -> tuple[ImportReport | None, list[str]]:
    """Import the sent archive in a savepoint, all or nothing: its report, or every refusal
    (a refused archive leaves nothing behind, and the page lists why)."""
    limits = importing.Limits.from_config(current_app.config)
    try:
        with db.session.begin_nested():
            return importing.import_upload(current_user, upload, limits), []
    except RexImportError as exc:
        return None, exc.errors


def init_app(app: Flask) -> None:
    """Register the archive routes."""
    app.register_blueprint(bp)
