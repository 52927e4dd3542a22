"""The public commons: public pages, feeds, API, sitemap, export archive and import.

Routes live in the :mod:`.views` package; the other modules build what they answer
(:mod:`.api`, :mod:`.feeds`, :mod:`.seo`, :mod:`.citation`, :mod:`.archive`…) over the one
public filter (:mod:`.public`) and the room's SQL (:mod:`.queries`).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the routes, template globals and commands of the public commons."""
    from . import cli, views

    views.init_app(app)
    cli.init_app(app)
