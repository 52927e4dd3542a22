"""The agenda (« ordre du jour ») of a session, built by the facilitator from the group's
topics (« Sujets proposés », :mod:`commons.forum.agenda`): ordered points with time boxes.
A point discussed moves its topic to « Traité »; the session keeps the link. Flush only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .. import dates, db, errors
from ..actor import Actor
from ..forum import agenda as topics
from ..forum.models import Topic, TopicStatus
from ..groups.models import Group
from ..markup import clean_text
from . import policy
from .models import AgendaItem, GroupSession
from .services import SessionError

MAX_ITEMS = 30


def items_of(session: GroupSession) -> list[AgendaItem]:
    """The agenda, in order."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.session_id == session.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def candidates(group: Group, session: GroupSession) -> list[Topic]:
    """Open topics of the group not yet on this agenda, most supported first."""
    taken = {i.topic_id for i in items_of(session) if i.topic_id}
    return [t for t in topics.topics_of(group, open_only=True) if t.id not in taken]


def _require(actor: Actor, session: GroupSession) -> None:
    if not policy.can_manage_session(actor, session):
        raise errors.Forbidden("Seule l'animation du groupe compose l'ordre du jour.")
    if session.cancelled:
        raise SessionError("Cette séance est annulée.")


def add(
    actor: Actor,
    session: GroupSession,
    *,
    topic_id: int | None = None,
    title: str = "",
    minutes: int = 20,
) -> AgendaItem:
    """Add a topic of the session's group (or a free point) at the end of the agenda."""
    _require(actor, session)
    if not 5 <= minutes <= 240:
        raise SessionError("La durée prévue d'un point va de 5 à 240 minutes.")
    items = items_of(session)
    if len(items) >= MAX_ITEMS:
        raise SessionError(f"Un ordre du jour compte {MAX_ITEMS} points au plus.")
    topic = None
    if topic_id is not None:
        topic = db.session.get(Topic, topic_id)
        if topic is None or topic.group_id != session.group_id:
            raise SessionError("Ce sujet n'appartient pas au groupe.")
        if any(i.topic_id == topic.id for i in items):
            raise SessionError("Ce sujet est déjà à l'ordre du jour.")
        title = topic.title
    title = " ".join(clean_text(title or "").split())
    if not 3 <= len(title) <= 200:
        raise SessionError("Choisissez un sujet ou nommez le point (3 à 200 caractères).")
    position = (
        db.session.scalar(
            select(func.max(AgendaItem.position)).where(AgendaItem.session_id == session.id)
        )
        or 0
    ) + 1
    item = AgendaItem(
        session_id=session.id,
        topic_id=topic.id if topic else None,
        title=title,
        position=position,
        minutes=minutes,
    )
    db.session.add(item)
    db.session.flush()
    return item


def item_in(session: GroupSession, item_id: int) -> AgendaItem | None:
    """The point if it belongs to the session (a forged id gives ``None``)."""
    item = db.session.get(AgendaItem, item_id)
    return item if item is not None and item.session_id == session.id else None


def move(actor: Actor, session: GroupSession, item: AgendaItem, delta: int) -> None:
    """Move a point up (-1) or down (+1)."""
    _require(actor, session)
    items = items_of(session)
    index = next(i for i, it in enumerate(items) if it.id == item.id)
    other = index + delta
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, it in enumerate(items, start=1):
        it.position = position
    db.session.flush()


def remove(actor: Actor, session: GroupSession, item: AgendaItem) -> None:
    """Remove a point from the agenda (the topic stays in the group's list)."""
    _require(actor, session)
    db.session.delete(item)
    db.session.flush()


def mark_discussed(actor: Actor, session: GroupSession, item: AgendaItem) -> None:
    """The point was discussed: its topic moves to « Traité » (links kept)."""
    if not policy.can_manage_session(actor, session):
        raise errors.Forbidden("Seule l'animation du groupe clôt les points de l'ordre du jour.")
    if session.cancelled or session.starts_at > db.utcnow():
        raise SessionError("Un point se clôt une fois la séance commencée.")
    item.discussed = True
    topic = db.session.get(Topic, item.topic_id) if item.topic_id else None
    if topic is not None:
        try:
            topics.set_status(actor, topic, TopicStatus.DONE.value, topic.thread_id, topic.rex_id)
        except topics.AgendaError as exc:
            raise SessionError(str(exc)) from None
    db.session.flush()


def total_minutes(items: list[AgendaItem]) -> int:
    """Sum of the time boxes."""
    return sum(i.minutes for i in items)


@dataclass
class Scheduled:
    """A session whose agenda holds a topic, and whether the point was discussed there."""

    session: GroupSession
    discussed: bool


def topic_sessions(group: Group, topic_id: int) -> list[Scheduled]:
    """The sessions of the topic's group whose agenda holds it (the « Traité » link on the
    group's topics page, which only members see)."""
    rows = db.session.execute(
        select(GroupSession, AgendaItem.discussed)
        .join(AgendaItem, AgendaItem.session_id == GroupSession.id)
        .where(AgendaItem.topic_id == topic_id, GroupSession.group_id == group.id)
        .order_by(GroupSession.starts_at)
    )
    return [Scheduled(session, discussed) for session, discussed in rows]


def sessions_of_topics(topic_ids: set[int]) -> dict[int, list[GroupSession]]:
    """For each topic, the sessions whose agenda holds it (for the « Traité » link)."""
    if not topic_ids:
        return {}
    rows = db.session.execute(
        select(AgendaItem.topic_id, GroupSession)
        .join(GroupSession, GroupSession.id == AgendaItem.session_id)
        .where(AgendaItem.topic_id.in_(topic_ids))
        .order_by(GroupSession.starts_at)
    )
    found: dict[int, list[GroupSession]] = {}
    for topic_id, session in rows:
        if topic_id is not None:
            found.setdefault(topic_id, []).append(session)
    return found


def topic_choices(group: Group, session: GroupSession) -> list[tuple[str, str]]:
    """The topic field of the « add a point » form: the candidates with their support."""
    return [("", "— choisir —")] + [
        (str(t.id), f"{t.title} ({dates.ngettext('%(num)d soutien', '%(num)d soutiens', t.votes)})")
        for t in candidates(group, session)
    ]
