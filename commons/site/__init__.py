"""The site room: home page, Markdown pages, site map, health check and error pages. It sits
above every feature (it reads them); no feature imports it."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages and the error handlers (imported here: the factory's part)."""
    from . import errorpages, views

    app.register_blueprint(views.bp)
    errorpages.init_app(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
