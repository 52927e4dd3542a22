"""Read queries of the audit log page: filters, pages, the CSV download, redaction of what
the reader may not read."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from .. import db, params
from ..actor import Actor
from ..audit import ACTIONS
from ..audit.models import AuditEntry
from ..groups.models import Group
from ..groups.policy import group_ids_of
from . import policy

AUDIT_PER_PAGE = 50
CSV_MAX_ROWS = 50_000
#: The CSV columns (times in UTC, to the second: a file for spreadsheets and scripts).
CSV_HEADER = [
    "date (UTC)",
    "action",
    "libellé",
    "auteur·rice",
    "cible",
    "identifiant",
    "libellé de la cible",
    "groupe",
    "motif",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class AuditFilters:
    action: str = ""
    actor: str = ""
    group: int | None = None
    target_type: str = ""
    start: date | None = None
    end: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> AuditFilters:
        return cls(
            action=args.get("action", "")[:60],
            actor=args.get("acteur", "").strip()[:100],
            group=params.optional_number(args.get("groupe")),
            target_type=args.get("cible", "")[:40],
            start=params.day(args.get("du")),
            end=params.day(args.get("au")),
            page=params.page(args),
        )

    def args(self) -> dict[str, Any]:
        """The query-string form (for pagination and CSV links)."""
        values = {
            "action": self.action,
            "acteur": self.actor,
            "groupe": self.group,
            "cible": self.target_type,
            "du": self.start.isoformat() if self.start else "",
            "au": self.end.isoformat() if self.end else "",
        }
        return {k: v for k, v in values.items() if v}


def audit_query(actor: Actor, f: AuditFilters) -> Select[AuditEntry, str]:
    """Entries the actor may read matching the filters, newest first, with the group name."""
    stmt = (
        select(AuditEntry, Group.name)
        .outerjoin(Group, Group.id == AuditEntry.group_id)
        .where(policy.visible_audit(actor))
    )
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.actor:
        escaped = f.actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(AuditEntry.actor_name.ilike(f"%{escaped}%", escape="\\"))
    if f.group is not None:
        stmt = stmt.where(AuditEntry.group_id == f.group)
    if f.target_type:
        stmt = stmt.where(AuditEntry.target_type == f.target_type)
    if f.start:
        stmt = stmt.where(
            AuditEntry.created_at >= datetime.combine(f.start, datetime.min.time(), tzinfo=UTC)
        )
    if f.end:
        end = datetime.combine(f.end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        stmt = stmt.where(AuditEntry.created_at < end)
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


@dataclass
class AuditRow:
    """An entry as the reader may see it: the network's facilitators and administrators see
    every entry, but not the content labels and reasons of groups they are not members of
    (a private space never leaks, not even through the log)."""

    entry: AuditEntry
    group_name: str | None
    label: str
    reason: str


PRIVATE_LABEL = "(contenu privé du groupe)"
PRIVATE_REASON = "(réservé aux membres du groupe)"
#: Target types whose label names a person or a group, not private content.
PUBLIC_LABELS = {"user", "group"}


def audit_rows(actor: Actor, rows: Iterable[Any]) -> list[AuditRow]:
    """Wrap ``(entry, group_name)`` rows, redacting what the reader may not read."""
    mine = group_ids_of(actor)
    out = []
    for entry, group_name in rows:
        private = entry.group_id is not None and entry.group_id not in mine
        label = entry.target_label
        if private and entry.target_type not in PUBLIC_LABELS:
            label = PRIVATE_LABEL
        reason = PRIVATE_REASON if private and entry.reason else entry.reason
        out.append(AuditRow(entry, group_name, label, reason))
    return out


def audit_page(actor: Actor, f: AuditFilters) -> tuple[list[AuditRow], int]:
    """One page of entries and the number of pages (two queries)."""
    stmt = audit_query(actor, f)
    total = int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = db.session.execute(stmt.limit(AUDIT_PER_PAGE).offset((f.page - 1) * AUDIT_PER_PAGE))
    return audit_rows(actor, rows), max(1, -(-total // AUDIT_PER_PAGE))


def audit_groups(actor: Actor) -> list[Group]:
    """Groups offered in the audit page's group filter."""
    stmt = select(Group).order_by(Group.name)
    if not policy.is_global(actor):
        stmt = stmt.where(Group.id.in_(policy.facilitated_group_ids(actor)))
    return list(db.session.scalars(stmt))


def defuse(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def audit_csv(actor: Actor, f: AuditFilters) -> str:
    """The entries matching ``f`` as a CSV file for spreadsheets (``;``, BOM, CRLF, cells
    defused), redacted like the page, at most :data:`CSV_MAX_ROWS` rows."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    stmt = audit_query(actor, f).limit(CSV_MAX_ROWS)
    for row in audit_rows(actor, db.session.execute(stmt)):
        entry = row.entry
        cells = (
            entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.action,
            ACTIONS.get(entry.action, entry.action),
            entry.actor_name,
            entry.target_type,
            entry.target_id,
            row.label,
            row.group_name or "",
            row.reason,
        )
        writer.writerow(defuse(cell) for cell in cells)
    return "\ufeff" + out.getvalue()
