"""Group agenda ("Sujets proposés"): members propose topics and support them; the group's
facilitators give them a status and link them to a thread or a REX.

Flush only. The ``votes`` counter of a topic is changed with a SQL expression
(``votes = votes + 1``) in the same transaction as the vote row, so concurrent votes never
lose an update; the primary key of :class:`TopicVote` makes a second vote impossible.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from .. import db, errors
from ..actor import Actor
from ..groups import policy as groups
from ..groups.models import Group
from ..markup import clean_text
from ..wiki import policy as wiki_policy
from ..wiki.models import Rex, Space
from . import policy as forum_policy
from .models import Thread, Topic, TopicStatus, TopicVote

TITLE_MIN, TITLE_MAX = 3, 200
DESCRIPTION_MAX = 2000


class AgendaError(errors.Refused):
    """A refused agenda operation, with a French message."""


def can_propose(actor: Actor, group: Group) -> bool:
    """Any member of the group may propose a topic."""
    return groups.is_member(actor, group)


def can_vote(actor: Actor, group: Group) -> bool:
    """Any member of the group may support (and stop supporting) a topic, once."""
    return groups.is_member(actor, group)


def can_set_status(actor: Actor, group: Group) -> bool:
    """The group's own facilitators set a topic's status and its links."""
    return groups.is_group_facilitator(actor, group)


def _group_of(topic: Topic) -> Group:
    group = db.session.get(Group, topic.group_id)
    if group is None:  # pragma: no cover - the foreign key forbids it
        raise AgendaError("Ce groupe n'existe plus.")
    return group


def propose(actor: Actor, group: Group, title: str, description: str = "") -> Topic:
    """Add a topic to the group's agenda, with status "Proposé" and no support yet."""
    if not can_propose(actor, group):
        raise errors.Forbidden("Seuls les membres du groupe peuvent proposer un sujet.")
    title = " ".join(clean_text(title or "").split())
    description = clean_text(description or "").strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise AgendaError(f"Le titre doit compter entre {TITLE_MIN} et {TITLE_MAX} caractères.")
    if len(description) > DESCRIPTION_MAX:
        raise AgendaError(f"La description compte {DESCRIPTION_MAX} caractères au plus.")
    topic = Topic(
        group_id=group.id,
        title=title,
        description=description,
        author_id=actor.id,
        status=TopicStatus.PROPOSED.value,
        votes=0,
    )
    db.session.add(topic)
    db.session.flush()
    return topic


def _add_to_counter(topic: Topic, delta: int) -> None:
    """``votes = votes + delta`` in SQL (no lost update), then reload the value."""
    db.session.execute(
        update(Topic)
        .where(Topic.id == topic.id)
        .values(votes=Topic.votes + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(topic, ["votes"])


def has_voted(actor: Actor, topic: Topic) -> bool:
    """Whether the actor supports the topic."""
    return (
        db.session.get(TopicVote, (topic.id, actor.id)) is not None
        if getattr(actor, "id", None) is not None
        else False
    )


def vote(actor: Actor, topic: Topic) -> None:
    """Support a topic (once per member)."""
    if not can_vote(actor, _group_of(topic)):
        raise errors.Forbidden("Seuls les membres du groupe peuvent soutenir un sujet.")
    already = AgendaError("Vous soutenez déjà ce sujet.")
    if has_voted(actor, topic):
        raise already
    try:
        with db.session.begin_nested():  # a concurrent vote of the same member: key conflict
            db.session.add(TopicVote(topic_id=topic.id, user_id=actor.id))
    except IntegrityError:
        raise already from None
    _add_to_counter(topic, +1)


def unvote(actor: Actor, topic: Topic) -> None:
    """Withdraw one's support of a topic."""
    if not can_vote(actor, _group_of(topic)):
        raise errors.Forbidden("Seuls les membres du groupe peuvent soutenir un sujet.")
    result = db.session.execute(
        delete(TopicVote)
        .where(TopicVote.topic_id == topic.id, TopicVote.user_id == actor.id)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise AgendaError("Vous ne soutenez pas ce sujet.")
    _add_to_counter(topic, -1)


def toggle_vote(actor: Actor, topic: Topic) -> bool:
    """Support the topic, or withdraw the support; returns whether the actor now supports it."""
    if has_voted(actor, topic):
        unvote(actor, topic)
        return False
    vote(actor, topic)
    return True


def set_status(
    actor: Actor,
    topic: Topic,
    status: str,
    thread_id: int | None = None,
    rex_id: int | None = None,
) -> None:
    """Set the topic's status and its links (``None`` removes a link). The thread must belong
    to the same group; the REX must be visible in the group (its own space, network, public)."""
    group = _group_of(topic)
    if not can_set_status(actor, group):
        raise errors.Forbidden("Seule l'animation du groupe peut changer le statut d'un sujet.")
    if status not in {s.value for s in TopicStatus}:
        raise AgendaError("Statut inconnu.")
    if thread_id is not None:
        thread = db.session.get(Thread, thread_id)
        if thread is None or thread.group_id != topic.group_id or not thread_shown(actor, thread):
            raise AgendaError("Discussion introuvable dans ce groupe.")
    if rex_id is not None:
        rex = db.session.get(Rex, rex_id)
        visible = rex is not None and (
            rex.space in (Space.NETWORK.value, Space.PUBLIC.value)
            or (rex.space == Space.GROUP.value and rex.group_id == topic.group_id)
        )
        if rex is None or not visible or not rex_shown(actor, rex):
            raise AgendaError("REX introuvable ou non visible dans ce groupe.")
    topic.status = status
    topic.thread_id = thread_id
    topic.rex_id = rex_id
    db.session.flush()


def topics_of(group: Group, limit: int | None = None, open_only: bool = False) -> list[Topic]:
    """The group's topics, most supported first, then the oldest first."""
    query = select(Topic).where(Topic.group_id == group.id)
    if open_only:
        query = query.where(Topic.status != TopicStatus.DONE.value)
    query = query.order_by(Topic.votes.desc(), Topic.created_at, Topic.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def voted_ids(actor: Actor, topics: list[Topic]) -> set[int]:
    """Ids of the given topics the actor supports (one query)."""
    if not topics or getattr(actor, "id", None) is None:
        return set()
    return set(
        db.session.scalars(
            select(TopicVote.topic_id).where(
                TopicVote.user_id == actor.id, TopicVote.topic_id.in_([t.id for t in topics])
            )
        )
    )


def topic_in(group: Group, topic_id: int) -> Topic | None:
    """The topic if it belongs to the group (a forged id from another group gives ``None``)."""
    topic = db.session.get(Topic, topic_id)
    return topic if topic is not None and topic.group_id == group.id else None


#: What a member sees instead of the title of a linked item they may not see (now).
UNAVAILABLE = "contenu non disponible"


def thread_shown(actor: Actor, thread: Thread) -> bool:
    """Whether the agenda may show ``thread``'s title to ``actor`` now: the forum predicate,
    and not hidden by moderation (unless the actor moderates it)."""
    if not forum_policy.can_view_thread(actor, thread):
        return False
    return not thread.hidden or forum_policy.can_moderate_thread(actor, thread)


def rex_shown(actor: Actor, rex: Rex) -> bool:
    """Whether the agenda may show ``rex``'s title to ``actor`` now: the wiki predicate, and
    not hidden by moderation (unless the actor moderates it)."""
    if not wiki_policy.can_view_rex(actor, rex):
        return False
    return not rex.hidden or wiki_policy.can_moderate_rex(actor, rex)


def linked(actor: Actor, topics: list[Topic]) -> tuple[dict[int, Thread], dict[int, Rex]]:
    """The threads and REX the topics link to that ``actor`` may see now, by id (two queries);
    a link whose target is missing here shows :data:`UNAVAILABLE`, never its title. A topic
    links to what its group saw when the link was set: the item may since have moved, been
    hidden or become private to others."""
    thread_ids = {t.thread_id for t in topics if t.thread_id}
    rex_ids = {t.rex_id for t in topics if t.rex_id}
    threads = db.session.scalars(select(Thread).where(Thread.id.in_(thread_ids or {0})))
    rexes = db.session.scalars(select(Rex).where(Rex.id.in_(rex_ids or {0})))
    return (
        {t.id: t for t in threads if thread_shown(actor, t)},
        {r.id: r for r in rexes if rex_shown(actor, r)},
    )
