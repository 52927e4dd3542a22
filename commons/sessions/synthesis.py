"""From minutes to the commons: a facilitator drafts a group synthesis (a REX of kind
``synthese`` in the group's space, :mod:`commons.publication.synthesis`) from one or several
sessions' minutes, linking them. When the synthesis is proposed for publication, the existing
consent workflow asks every contributor, and — through :func:`contributors_of`, registered
with :func:`commons.publication.consent.register_contributors` — every attendee recorded
present and every writer of those minutes. Flush only."""

from __future__ import annotations

from sqlalchemy import select

from .. import dates, db, errors
from ..accounts.models import User
from ..groups.models import Group, Membership
from ..notifications.services import path_for
from ..publication import policy as publication
from ..wiki import services as wiki
from ..wiki.models import Rex, Space
from . import minutes
from .models import GroupSession, Minutes, MinutesRevision, SessionAnswer, SynthesisSource
from .services import SessionError


def draft(actor: User, group: Group, sessions: list[GroupSession], *, title: str) -> Rex:
    """A synthesis draft whose text is the sessions' minutes, each followed by its link."""
    if not publication.can_write_synthesis(actor, group):
        raise errors.Forbidden("Seule l'animation du groupe rédige les synthèses du groupe.")
    if not sessions or any(s.group_id != group.id for s in sessions):
        raise SessionError("Une synthèse ne relie que des séances de ce groupe.")
    parts = []
    for session in sorted(sessions, key=lambda s: s.starts_at):
        record = minutes.minutes_of(session)
        if record is None or not record.current_number:
            raise SessionError(f"La séance « {session.title} » n'a pas encore de compte rendu.")
        text = minutes.revision(record, record.current_number).body
        link = path_for("session_minutes.show", slug=group.slug, session_id=session.id)
        parts.append(
            f"## Séance du {dates.long_when(session.starts_at)}\n\n{text.strip()}\n\n"
            f"[Compte rendu de la séance]({link})"
        )
    try:
        rex = wiki.create_rex(
            actor,
            title=title,
            body="\n\n".join(parts),
            space=Space.GROUP.value,
            group_id=group.id,
            comment="Synthèse tirée des comptes rendus",
        )
    except wiki.RexError as exc:
        raise SessionError(str(exc)) from None
    rex.kind = publication.SYNTHESIS
    for session in sessions:
        db.session.add(SynthesisSource(rex_id=rex.id, session_id=session.id))
    db.session.flush()
    return rex


def contributors_of(rex: Rex) -> list[int]:
    """Attendees and minutes writers of the sessions a synthesis was drafted from (current
    members of the group only)."""
    if rex.kind != publication.SYNTHESIS or rex.group_id is None:
        return []
    session_ids = select(SynthesisSource.session_id).where(SynthesisSource.rex_id == rex.id)
    members = select(Membership.user_id).where(Membership.group_id == rex.group_id)
    present = db.session.scalars(
        select(SessionAnswer.user_id).where(
            SessionAnswer.session_id.in_(session_ids),
            SessionAnswer.attended.is_(True),
            SessionAnswer.user_id.in_(members),
        )
    )
    writers = db.session.scalars(
        select(MinutesRevision.author_id)
        .join(Minutes, Minutes.id == MinutesRevision.minutes_id)
        .where(Minutes.session_id.in_(session_ids), MinutesRevision.author_id.in_(members))
    )
    return list(dict.fromkeys([*present, *writers]))
