"""History, diff and restore routes (registered on the wiki blueprint).

Every page first loads the REX with :func:`load_rex` (404 when the reader may not see it, so a
private group's REX leaks nothing, not even its title). Old revisions are shown from their stored
HTML, never re-rendered. The history page runs a fixed number of queries whatever the number of
revisions: one for a page of revisions (with their authors), one for the events in that period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Response

from .. import db, params
from ..accounts.models import User
from . import policy, services
from .diff import line_diff, word_diff
from .models import SPACE_LABELS, Event, Revision, Rex, Space
from .views import bp, load_rex  # 404 unless visible: a hidden REX's history is for moderators

PER_PAGE = 50
MAX_EVENTS = 500

try:
    PARIS: ZoneInfo | None = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # pragma: no cover - system without time zone data
    PARIS = None


def local_time(moment: datetime, fmt: str = "%d/%m/%Y à %H:%M") -> str:
    """A stored UTC time as French readers expect it (Paris time)."""
    return moment.astimezone(PARIS or UTC).strftime(fmt)


def _fail(error: type[BadRequest] | type[NotFound], message: str) -> NoReturn:
    exc = error()
    exc.french = message  # type: ignore[attr-defined]  # shown by the French error page
    raise exc


@dataclass
class Entry:
    """One line of the history: a revision, or an event (rename, move, licence…)."""

    when: datetime
    who: str
    text: str
    number: int | None = None
    link_url: str = ""
    link_label: str = ""


def _space(value: str) -> str:
    return SPACE_LABELS.get(Space(value), value) if value in set(Space) else value


def _event_entry(event: Event, actor: str, sources: dict[str, tuple[str, str]]) -> Entry:
    """An event in French words."""
    d = event.detail or {}
    entry = Entry(when=event.created_at, who=actor, text="")
    if event.kind == "rename":
        entry.text = f"Titre changé de « {d.get('before', '')} » en « {d.get('after', '')} »"
    elif event.kind == "licence":
        entry.text = f"Licence changée : {d.get('before', '')} → {d.get('after', '')}"
    elif event.kind == "move":
        entry.text = f"Déplacé : {_space(d.get('before', ''))} → {_space(d.get('after', ''))}"
    elif event.kind == "description":
        entry.text = f"Description du projet modifiée : {d.get('fields', '')}"
    elif event.kind == "derivation":
        source = sources.get(d.get("source", ""))
        if source:
            entry.text = "Dérivé de"
            entry.link_url = url_for("wiki.show", slug=source[0])
            entry.link_label = source[1]
        else:
            entry.text = "Dérivé d'un autre REX (non visible avec votre compte)"
    else:
        entry.text = f"Modification : {event.kind}"
    return entry


def _events(rex: Rex, after: datetime | None, before: datetime | None) -> list[Entry]:
    """Events of the period covered by a page of revisions (two queries at most)."""
    stmt = (
        select(Event, User.display_name)
        .outerjoin(User, User.id == Event.actor_id)
        .where(Event.rex_id == rex.id)
    )
    if after is not None:
        stmt = stmt.where(Event.created_at >= after)
    if before is not None:
        stmt = stmt.where(Event.created_at < before)
    rows = db.session.execute(stmt.order_by(Event.created_at.desc()).limit(MAX_EVENTS)).all()
    uuids = {e.detail.get("source", "") for e, _ in rows if e.kind == "derivation" and e.detail}
    sources: dict[str, tuple[str, str]] = {}
    if uuids:
        visible = select(Rex.uuid, Rex.slug, Rex.title).where(
            Rex.uuid.in_(uuids), policy.visible_rex(current_user)
        )
        sources = {u: (s, t) for u, s, t in db.session.execute(visible)}
    return [_event_entry(e, name or "Anonyme", sources) for e, name in rows]


def _canonical(rex: Rex, slug: str) -> Response | None:
    """A permanent redirect when the page was reached through an old slug."""
    if rex.slug == slug:
        return None
    args = {**(request.view_args or {}), **request.args.to_dict(), "slug": rex.slug}
    return redirect(url_for(str(request.endpoint), **args), code=301)


@bp.route("/<slug>/historique")
def history(slug: str) -> str | Response:
    """Revisions (newest first, 50 a page) and events of the same period, in time order."""
    rex = load_rex(slug)
    if (moved := _canonical(rex, slug)) is not None:
        return moved
    pages = max(1, math.ceil(rex.head / PER_PAGE))
    page = min(params.page(request.args), pages)
    high = rex.head - (page - 1) * PER_PAGE
    low = max(1, high - PER_PAGE + 1)
    rows = db.session.execute(
        select(
            Revision.number,
            Revision.created_at,
            Revision.comment,
            Revision.author_name,
            User.display_name,
        )
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.rex_id == rex.id, Revision.number.between(low, high + 1))
        .order_by(Revision.number.desc())
    ).all()
    newer = rows[0].created_at if rows and rows[0].number == high + 1 else None
    revisions = [r for r in rows if r.number <= high]
    oldest = revisions[-1].created_at if revisions and low > 1 else None
    entries = [
        Entry(
            when=r.created_at,
            who=r.display_name or r.author_name or "Anonyme",
            text=r.comment,
            number=r.number,
        )
        for r in revisions
    ]
    entries += _events(rex, oldest, newer)
    entries.sort(key=lambda e: (e.when, e.number is not None), reverse=True)
    return render_template(
        "wiki/history.html",
        view="history",
        rex=rex,
        entries=entries,
        page=page,
        pages=pages,
        can_edit=policy.can_edit_rex(current_user, rex),
        local_time=local_time,
    )


def _version(raw: str) -> int:
    """A version number from the query string: :class:`ValueError` (a 400) for what is not an
    integer, ``0`` (a 404) for an integer no revision can have (negative or huge)."""
    if not raw.strip().removeprefix("-").isascii() or not raw.strip().removeprefix("-").isdigit():
        raise ValueError(raw[:20])
    return params.optional_number(raw) or 0


def _number(value: int | None, rex: Rex) -> int:
    """A revision number of this REX, or a French 404."""
    if value is None or not 1 <= value <= rex.head:
        _fail(NotFound, f"Ce REX n'a pas de version {value}." if value else "Version inconnue.")
    return value


@bp.route("/<slug>/version/<int:number>")
def revision(slug: str, number: int) -> str | Response:
    """One revision as it was stored (its HTML is never re-rendered)."""
    rex = load_rex(slug)
    if (moved := _canonical(rex, slug)) is not None:
        return moved
    number = _number(number, rex)
    row = db.session.execute(
        select(Revision, User.display_name)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.rex_id == rex.id, Revision.number == number)
    ).first()
    if row is None:
        _fail(NotFound, f"Ce REX n'a pas de version {number}.")
    rev, name = row
    return render_template(  # one template for the history and the old versions it links to
        "wiki/history.html",
        view="version",
        rex=rex,
        rev=rev,
        author=name or rev.author_name or "Anonyme",
        local_time=local_time,
    )


def _pair(rex: Rex, first: int, second: int) -> dict[int, tuple[Revision, str]]:
    """Two revisions (or one) with their authors' names, in one query."""
    rows = db.session.execute(
        select(Revision, User.display_name)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.rex_id == rex.id, Revision.number.in_({first, second}))
    ).all()
    found = {rev.number: (rev, name or rev.author_name or "Anonyme") for rev, name in rows}
    for number in (first, second):
        if number not in found:
            _fail(NotFound, f"Ce REX n'a pas de version {number}.")
    return found


@bp.route("/<slug>/diff")
def diff(slug: str) -> str | Response:
    """Differences between two revisions, older to newer whatever the order asked."""
    rex = load_rex(slug)
    if (moved := _canonical(rex, slug)) is not None:
        return moved
    de, a = request.args.get("de", type=_version), request.args.get("a", type=_version)
    if de is None or a is None:
        _fail(BadRequest, "Indiquez les numéros des deux versions à comparer (de=… et a=…).")
    old_no, new_no = sorted((_number(de, rex), _number(a, rex)))
    found = _pair(rex, old_no, new_no)
    (old, old_author), (new, new_author) = found[old_no], found[new_no]
    return render_template(
        "wiki/diff.html",
        rex=rex,
        old=old,
        new=new,
        old_author=old_author,
        new_author=new_author,
        title=word_diff(old.title, new.title) if old.title != new.title else None,
        changes=line_diff(old.source, new.source),
        local_time=local_time,
    )


@bp.route("/<slug>/restaurer/<int:number>", methods=["POST"])
@login_required
def restore(slug: str, number: int) -> Response:
    """Make an old text current again, as a new revision (identical text: nothing changes)."""
    rex = load_rex(slug)
    if not policy.can_edit_rex(current_user, rex):
        abort(403)
    number = _number(number, rex)
    try:
        created = services.restore(current_user, rex, number)
    except services.Forbidden:
        db.session.rollback()
        abort(403)
    except services.RexError as exc:
        db.session.rollback()
        flash(f"La version {number} n'a pas été restaurée : {exc}", "error")
        return redirect(url_for("wiki.history", slug=rex.slug))
    db.session.commit()
    if created is None:
        flash(
            f"Aucun changement : la version {number} a le même texte que la version actuelle.",
            "info",
        )
    else:
        flash(
            f"La version {number} est restaurée : elle devient la version {created.number}. "
            "L'historique est conservé.",
            "success",
        )
    return redirect(url_for("wiki.show", slug=rex.slug))
