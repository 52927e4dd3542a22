"""Routes of ``/sitemap.xml`` (public pages only), its parts and ``/robots.txt``."""

from __future__ import annotations

from flask import Blueprint, Flask, abort
from werkzeug.wrappers import Response

from .. import seo

bp = Blueprint("seo", __name__)


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    return seo.sitemap()


@bp.route("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    """Part 0: the site's pages; part n: the n-th block of public REX (index mode only)."""
    return seo.sitemap_part(number) or abort(404)


@bp.route("/robots.txt")
def robots() -> Response:
    return Response(seo.robots(), mimetype="text/plain")  # Werkzeug adds charset=utf-8


def init_app(app: Flask) -> None:
    """Register the sitemap and robots.txt."""
    app.register_blueprint(bp)
