"""The public commons: public pages, feeds, API, sitemap, export archive and import.

``init_app`` calls the ``init_app`` of each module of this package that has one; modules are
listed here so that one engineer's module never has to edit another's.
"""

from __future__ import annotations

import importlib

from flask import Flask

#: Modules of this package that register routes, commands or hooks (missing ones are skipped).
MODULES = (
    "pages",
    "feeds",
    "api",
    "seo",
    "archive",
    "views_archive",
    "importing",
    "cli",
)


def init_app(app: Flask) -> None:
    """Register every part of the public commons that is present."""
    for name in MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        init = getattr(module, "init_app", None)
        if init is not None:
            init(app)
