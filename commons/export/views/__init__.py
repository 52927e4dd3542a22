"""The routes of the public commons, one module per blueprint: ``/communs/`` pages and citation
downloads (:mod:`.communs`), Atom feeds (:mod:`.feeds`), the JSON API (:mod:`.api`), sitemap
and robots.txt (:mod:`.seo`), the export archive and its import page (:mod:`.archive`)."""

from __future__ import annotations

from flask import Flask

from . import api, archive, communs, feeds, seo


def init_app(app: Flask) -> None:
    """Register every blueprint of the public commons."""
    for module in (communs, feeds, api, seo, archive):
        module.init_app(app)
