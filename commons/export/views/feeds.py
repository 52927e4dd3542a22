"""Routes of the Atom feeds: ``/communs/flux.atom`` and ``/communs/themes/<theme>/flux.atom``."""

from __future__ import annotations

from flask import Blueprint, Flask, abort
from werkzeug.wrappers import Response

from ...pagecache import for_visitors
from ...wiki.vocab import themes as theme_vocab
from .. import feeds

bp = Blueprint("feeds", __name__, url_prefix="/communs")


@bp.route("/flux.atom")
@for_visitors
def feed() -> Response:
    return feeds.response()


@bp.route("/themes/<theme>/flux.atom")
@for_visitors
def theme_feed(theme: str) -> Response:
    if theme not in theme_vocab():
        abort(404)
    return feeds.response(theme)


def init_app(app: Flask) -> None:
    """Register the feeds."""
    app.register_blueprint(bp)
