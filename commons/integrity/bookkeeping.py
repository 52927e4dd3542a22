"""Best-effort bookkeeping on reading pages: reading never needs a write to succeed.

A GET may want to write something beside the page (a read marker, a notification marked
read). That write runs in its own short transaction, *after* the page is built; if it fails
(full or read-only disk, database locked, a refusing trigger) it is rolled back, logged, and
the page is served all the same. Only writes degrade, never reading.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from .. import db


def best_effort(what: str, work: Callable[[], object]) -> bool:
    """Run ``work`` (which flushes) in its own write transaction and commit it; on failure
    roll back, log a warning naming ``what`` and return ``False``."""
    try:
        with db.writing():
            work()
            db.session.commit()
    except Exception:  # noqa: BLE001 - any failure of bookkeeping must leave the page served
        db.session.rollback()
        current_app.logger.warning("%s : écriture annexe abandonnée", what, exc_info=True)
        return False
    return True
