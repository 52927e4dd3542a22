"""Publication: a group REX made public by the consent of every contributor."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the room's pages, commands and hooks (imported here: the factory's part)."""
    from . import views

    views.init_app(app)
