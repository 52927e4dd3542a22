"""« Mes données » : the download of one's data (and, below, the deletion of one's account)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from . import personal_data

bp = Blueprint("gdpr", __name__, template_folder="templates")


@bp.route("/compte/mes-donnees")
@login_required
def my_data() -> str:
    return render_template("identity/my_data.html", kinds=personal_data.DESCRIPTIONS)


@bp.route("/compte/mes-donnees.zip")
@login_required
def download() -> Response:
    user = current_user._get_current_object()
    payload = personal_data.archive(user, str(current_app.config["SITE_NAME"]))
    return Response(
        payload,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="mes-donnees-{user.handle}.zip"',
            "Cache-Control": "no-store",
        },
    )


def init_app(app: Flask) -> None:
    """Register the pages."""
    app.register_blueprint(bp)
