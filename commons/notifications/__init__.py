"""Notifications: in-app notices, e-mail (immediate or digest) and following."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the room's pages, commands and hooks (imported here: the factory's part)."""
    from . import emails, views

    views.init_app(app)
    emails.init_app(app)
