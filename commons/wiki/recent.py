"""« Dernières modifications »: the recent revisions and events of every REX the reader may see
(MediaWiki's recent changes), filterable by space, group and theme, paginated.

Visibility is the policy's SQL filter (:func:`.policy.visible_rex`) inside the query, so a
group REX's edits never appear, nor count, for anyone outside the group; hidden REX are left
out for everyone (their history is for moderators, on the REX's own page).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import Select, func, literal, select, union_all

from .. import db
from ..accounts.models import User
from ..groups import policy as groups_policy
from ..groups.models import Group
from . import policy, queries
from .history import _event_entry, local_time
from .models import SPACE_LABELS, Event, Revision, Rex, Space
from .views import bp
from .vocab import themes as theme_vocab

PER_PAGE = 50
MAX_PAGE = 200


@dataclass
class Change:
    """One line: a revision (``number``) or an event (``text``) of a visible REX."""

    when: datetime
    who: str
    rex: Rex
    text: str
    number: int | None = None


def _scope(stmt: Select[Any], args: dict[str, Any]) -> Select[Any]:
    stmt = stmt.where(policy.visible_rex(current_user), Rex.hidden.is_(False))
    if args["espace"]:
        stmt = stmt.where(Rex.space == args["espace"])
    if args["groupe"]:
        stmt = stmt.where(Rex.group_id == args["groupe"])
    if args["theme"]:
        stmt = queries.with_theme(stmt, args["theme"])
    return stmt


def _args() -> dict[str, Any]:
    """Filters from the query string; unknown values are ignored, never an error."""
    space = request.args.get("espace", "")
    theme = request.args.get("theme", "")[:60]
    group = request.args.get("groupe", 0, type=int) or 0
    return {
        "espace": space if space in {s.value for s in Space} else "",
        "theme": theme if theme in theme_vocab() else "",
        "groupe": group if group in groups_policy.group_ids_of(current_user) else 0,
    }


def changes(args: dict[str, Any], page: int) -> tuple[list[Change], int]:
    """One page of changes, newest first, and the number of pages (four queries)."""
    revs = _scope(
        select(
            literal("r").label("kind"), Revision.id.label("id"), Revision.created_at.label("at")
        ).join(Rex, Rex.id == Revision.rex_id),
        args,
    )
    events = _scope(
        select(literal("e").label("kind"), Event.id.label("id"), Event.created_at.label("at")).join(
            Rex, Rex.id == Event.rex_id
        ),
        args,
    )
    both = union_all(revs, events).subquery()
    total = int(db.session.scalar(select(func.count()).select_from(both)) or 0)
    pages = max(1, math.ceil(total / PER_PAGE))
    rows = db.session.execute(
        select(both.c.kind, both.c.id)
        .order_by(both.c.at.desc(), both.c.id.desc())
        .limit(PER_PAGE)
        .offset((min(page, pages) - 1) * PER_PAGE)
    ).all()
    rev_ids = [i for k, i in rows if k == "r"]
    ev_ids = [i for k, i in rows if k == "e"]
    found: dict[tuple[str, int], Change] = {}
    for rev, rex, name in db.session.execute(
        select(Revision, Rex, User.display_name)
        .join(Rex, Rex.id == Revision.rex_id)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.id.in_(rev_ids))
    ):
        text = rev.comment or ("Création" if rev.number == 1 else "Modification du texte")
        who = name or rev.author_name or "Anonyme"
        found["r", rev.id] = Change(rev.created_at, who, rex, text, rev.number)
    for ev, rex, name in db.session.execute(
        select(Event, Rex, User.display_name)
        .join(Rex, Rex.id == Event.rex_id)
        .outerjoin(User, User.id == Event.actor_id)
        .where(Event.id.in_(ev_ids))
    ):
        text = _event_entry(ev, name or "Anonyme", {}).text
        if ev.kind == "derivation":
            text = "Source indiquée (« dérivé de »)"
        found["e", ev.id] = Change(ev.created_at, name or "Anonyme", rex, text)
    return [found[k, i] for k, i in rows if (k, i) in found], pages


@bp.route("/dernieres-modifications")
def recent_changes() -> str:
    args = _args()
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    items, pages = changes(args, page)
    ids = groups_policy.group_ids_of(current_user)
    my_groups = (
        db.session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.name)).all()
        if ids
        else []
    )
    return render_template(
        "wiki/recent.html",
        items=items,
        page=min(page, pages),
        pages=pages,
        args=args,
        link_args={k: v for k, v in args.items() if v},
        spaces=[(s.value, SPACE_LABELS[s]) for s in Space],
        themes=sorted(theme_vocab().items(), key=lambda kv: kv[1]),
        my_groups=my_groups,
        local_time=local_time,
    )
