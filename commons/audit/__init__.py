"""Append-only audit log of moderation, membership, publication and licence actions.

Lower in the import graph than every feature (it imports only ``accounts`` and ``db``), so
``groups``, ``wiki``, ``moderation`` and ``publication`` services all call
:func:`commons.audit.services.record`. Rows can be inserted, never updated or deleted: the
ORM refuses it (``before_update``/``before_delete``/``do_orm_execute``) and the database
refuses it too (triggers created with the table, on SQLite and PostgreSQL).
"""

from __future__ import annotations

from flask import Flask

from .services import ACTIONS, record, register_action

__all__ = ["ACTIONS", "init_app", "record", "register_action"]


def init_app(app: Flask) -> None:
    """Install the ORM guards (idempotent). Views are added by the moderation package."""
    from .models import install_guards

    install_guards()
