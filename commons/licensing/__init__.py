"""Licences of the commons: the registry of ``content/licences`` and the compatibility rules.

``registry`` reads one Markdown file per licence (SPDX id, names, URLs, conditions, a French
summary rendered once); ``compat`` decides which licence a REX may move to, which licence an
adapted REX may carry, and writes the French attribution (TASL) line. Pure functions, no database:
the wiki calls them when a REX is published, relicensed or adapted.
"""

from __future__ import annotations

from flask import Flask

from .compat import (
    allowed_for_derivative,
    allowed_for_derivative_many,
    attribution_text,
    can_relicense,
    check_derivative,
    check_derivative_many,
    check_relicense,
)
from .registry import (
    Licence,
    LicenceError,
    RegistryError,
    UnknownLicence,
    choices,
    default_licence,
    get,
    licences,
    load_licences,
    open_licences,
)

__all__ = [
    "Licence",
    "LicenceError",
    "RegistryError",
    "UnknownLicence",
    "allowed_for_derivative",
    "allowed_for_derivative_many",
    "attribution_text",
    "can_relicense",
    "check_derivative",
    "check_derivative_many",
    "check_relicense",
    "choices",
    "default_licence",
    "get",
    "licences",
    "load_licences",
    "open_licences",
]


def init_app(app: Flask) -> None:
    """Register the licence pages (imported here: the factory's part)."""
    from . import views

    views.init_app(app)
