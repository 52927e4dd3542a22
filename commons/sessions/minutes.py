"""Minutes (« compte rendu ») of a session, written together like a REX: immutable revisions,
an edit carries its base revision and is merged three-way with concurrent edits
(:func:`commons.wiki.merge.merge`); overlapping edits are refused with both texts kept.
Private to the group, under the Chatham House rule by default: what was said, not who said
it — :func:`named_members` finds members' names in the text so the editor can warn.
Decisions and « à faire » items are tracked on the group's space. Flush only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from .. import dates, db, errors
from ..accounts.models import User
from ..actor import Actor
from ..groups.models import Membership
from ..markup import clean_text, render_markdown
from ..wiki.merge import merge
from . import policy, program, timing
from .models import ActionItem, ActionKind, GroupSession, Minutes, MinutesRevision
from .services import SessionError

MAX_BODY = 100_000


@dataclass
class MinutesConflict(SessionError):
    """Two overlapping edits: nothing saved; the merged text with markers is offered."""

    mine: str
    merged: str
    head: int
    conflicts: int

    def __str__(self) -> str:
        return (
            "Quelqu'un a modifié le compte rendu pendant que vous écriviez, au même endroit. "
            "Rien n'est perdu : votre texte est ci-dessous, avec les deux versions des passages "
            "en conflit entre <<<<<<< et >>>>>>>. Choisissez, retirez les marques et enregistrez."
        )


def minutes_of(session: GroupSession) -> Minutes | None:
    """The session's minutes, if started."""
    return db.session.scalar(select(Minutes).where(Minutes.session_id == session.id))


def written(session_ids: list[int]) -> set[int]:
    """Ids of the given sessions whose minutes have at least one revision (one query)."""
    if not session_ids:
        return set()
    return set(
        db.session.scalars(
            select(Minutes.session_id).where(
                Minutes.session_id.in_(session_ids), Minutes.current_number > 0
            )
        )
    )


def revision_or_none(minutes: Minutes, number: int) -> MinutesRevision | None:
    """One revision of the minutes, if it exists."""
    return db.session.scalar(
        select(MinutesRevision).where(
            MinutesRevision.minutes_id == minutes.id, MinutesRevision.number == number
        )
    )


def revision(minutes: Minutes, number: int) -> MinutesRevision:
    """One revision of the minutes (or :class:`SessionError`)."""
    found = revision_or_none(minutes, number)
    if found is None:
        raise SessionError(f"La version {number} de ce compte rendu n'existe pas.")
    return found


def revisions(minutes: Minutes) -> list[MinutesRevision]:
    """Every revision, newest first."""
    return list(
        db.session.scalars(
            select(MinutesRevision)
            .where(MinutesRevision.minutes_id == minutes.id)
            .order_by(MinutesRevision.number.desc())
        )
    )


def prefill(session: GroupSession) -> str:
    """The first text: the agenda as headings, then decisions and « à faire »."""
    lines = [
        f"Séance « {session.title} » du {dates.long_when(session.starts_at)}.",
        "",
        "> Règle de Chatham House : on rapporte ce qui a été dit, pas qui l'a dit.",
        "",
        "## Ordre du jour",
        "",
    ]
    for number, item in enumerate(program.items_of(session), start=1):
        lines += [f"### {number}. {item.title}", "", ""]
    lines += ["## Décisions", "", "## À faire", ""]
    return "\n".join(lines)


def save(
    actor: Actor, session: GroupSession, *, base: int, body: str, summary: str = ""
) -> tuple[str, MinutesRevision | None]:
    """Save a text edited from revision ``base`` (0 for the first); returns the outcome
    (``saved``, ``merged``, ``noop``) and the new revision."""
    if not policy.can_edit_minutes(actor, session):
        raise errors.Forbidden(
            "Seuls les membres du groupe écrivent le compte rendu, après la séance."
        )
    body = clean_text(body or "").strip() + "\n"
    if len(body) > MAX_BODY:
        raise SessionError("Le compte rendu compte 100 000 caractères au plus.")
    if not body.strip():
        raise SessionError("Le compte rendu est vide.")
    minutes = db.session.scalar(
        select(Minutes)
        .where(Minutes.session_id == session.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if minutes is None:
        minutes = Minutes(session_id=session.id, current_number=0)
        db.session.add(minutes)
        db.session.flush()
    if not 0 <= base <= minutes.current_number:
        raise SessionError("La version de départ de cette modification est inconnue.")
    head_text = revision(minutes, minutes.current_number).body if minutes.current_number else ""
    outcome = "saved"
    if base != minutes.current_number:
        # version 0 is the prefilled text every first writer started from
        base_text = revision(minutes, base).body if base else prefill(session).strip() + "\n"
        result = merge(base_text, head_text, body)
        if result.conflicts:
            raise MinutesConflict(
                mine=body,
                merged=result.text,
                head=minutes.current_number,
                conflicts=result.conflicts,
            )
        body, outcome = result.text, "merged"
    if body == head_text:
        return "noop", None
    minutes.current_number += 1
    minutes.updated_at = db.utcnow()
    new = MinutesRevision(
        minutes_id=minutes.id,
        number=minutes.current_number,
        body=body,
        html=str(render_markdown(body)),
        summary=clean_text(summary or "").strip()[:300],
        author_id=actor.id,
    )
    db.session.add(new)
    db.session.flush()
    return outcome, new


def named_members(session: GroupSession, text: str) -> list[str]:
    """Names of the group's members that appear in the text (Chatham House warning)."""
    names = db.session.scalars(
        select(User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == session.group_id)
    )
    folded = text.casefold()
    found = []
    for name in names:
        parts = [name] + [p for p in name.split() if len(p) >= 4]
        for part in parts:
            if re.search(rf"(?<!\w){re.escape(part.casefold())}(?!\w)", folded):
                found.append(name)
                break
    return sorted(set(found))


def add_action(
    actor: Actor,
    session: GroupSession,
    *,
    kind: str,
    text: str,
    owner_id: int | None = None,
    due_on: date | None = None,
) -> ActionItem:
    """Record a decision or an « à faire » item (its owner must be a member)."""
    if not policy.can_manage_actions(actor, session):
        raise errors.Forbidden(
            "Seuls les membres du groupe notent décisions et tâches, après la séance."
        )
    if kind not in {k.value for k in ActionKind}:
        raise SessionError("Type inconnu : décision ou à faire.")
    text = " ".join(clean_text(text or "").split())
    if not 3 <= len(text) <= 500:
        raise SessionError("L'intitulé compte entre 3 et 500 caractères.")
    if owner_id is not None:
        member = db.session.scalar(
            select(Membership.id).where(
                Membership.group_id == session.group_id, Membership.user_id == owner_id
            )
        )
        if member is None:
            raise SessionError("La personne responsable doit être membre du groupe.")
    if due_on is not None and due_on < timing.local(db.utcnow()).date():
        raise SessionError("L'échéance est déjà passée.")
    item = ActionItem(
        session_id=session.id,
        group_id=session.group_id,
        kind=kind,
        text=text,
        owner_id=owner_id if kind == ActionKind.TODO.value else None,
        due_on=due_on if kind == ActionKind.TODO.value else None,
        created_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    return item


def toggle_done(actor: Actor, item: ActionItem) -> bool:
    """Tick (or untick) an « à faire » item; returns whether it is now done."""
    if not policy.can_view_action(actor, item):
        raise errors.Forbidden("Seuls les membres du groupe suivent ses tâches.")
    if item.kind != ActionKind.TODO.value:
        raise SessionError("Une décision ne se coche pas.")
    item.done_at = None if item.done_at else db.utcnow()
    db.session.flush()
    return item.done_at is not None


def actions_of(session: GroupSession) -> list[ActionItem]:
    """The session's decisions and tasks, decisions first."""
    return list(
        db.session.scalars(
            select(ActionItem)
            .where(ActionItem.session_id == session.id)
            .order_by(ActionItem.kind, ActionItem.id)
        )
    )


def open_todos(group_id: int, limit: int = 20) -> list[ActionItem]:
    """The group's open « à faire » items, nearest due date first."""
    return list(
        db.session.scalars(
            select(ActionItem)
            .where(
                ActionItem.group_id == group_id,
                ActionItem.kind == ActionKind.TODO.value,
                ActionItem.done_at.is_(None),
            )
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
            .limit(limit)
        )
    )


def save_or_conflict(
    actor: Actor, session: GroupSession, *, base: int, body: str, summary: str = ""
) -> tuple[str, MinutesRevision | None] | MinutesConflict:
    """:func:`save`, but a conflict is returned (nothing saved) instead of raised, so the
    page can offer the merged text."""
    try:
        with db.session.begin_nested():
            return save(actor, session, base=base, body=body, summary=summary)
    except MinutesConflict as exc:
        return exc
