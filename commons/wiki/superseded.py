"""Telling people that their change was replaced: when a save removes lines that someone else
added (or brings back lines they removed) in a revision saved while the saver was writing —
the saver resolved a conflict by keeping their own version, or saved over the other one — each
such author gets a notification (``rex.superseded``, and an e-mail per their preferences)
naming who replaced their change on which REX, with a link to the differences in history.

Nobody is told when their change survives in the saved text, nor about their own save; the
author must be active and still able to read the REX (checked again when the notification is
shown or e-mailed). Nothing of the text is copied into the notification. It replaces the
« modifié » notice a follower at « Tout » got for the same revision: one save, one notice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher

from sqlalchemy import delete, select

from .. import db
from ..accounts.models import User
from ..actor import Actor
from ..notifications.models import Notification
from ..notifications.services import Entry, path_for
from . import following, policy
from .models import Revision, Rex

TARGET = "rex.superseded"
#: At most this many revisions saved meanwhile are examined (a bound on the work of one save).
MAX_MEANWHILE = 50


def _changes(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    """The non-blank lines one revision added and removed."""
    added: list[str] = []
    removed: list[str] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed.extend(line for line in before[i1:i2] if line.strip())
            added.extend(line for line in after[j1:j2] if line.strip())
    return added, removed


def superseded_authors(sources: Sequence[tuple[int | None, str]], saved: str) -> set[int]:
    """The authors of the revisions ``sources[1:]`` (author id, text; ``sources[0]`` is the
    text they started from and the last one the text the saver replaced) whose change the text
    ``saved`` drops: a line they added, still there before the save, is gone, or a line they
    removed, still gone before the save, is back."""
    if len(sources) < 2:
        return set()
    head = Counter(sources[-1][1].splitlines())
    kept = Counter(saved.splitlines())
    found: set[int] = set()
    for (_, before), (author, after) in zip(sources, sources[1:], strict=False):
        if author is None or author in found:
            continue
        added, removed = _changes(before.splitlines(), after.splitlines())
        dropped = any(head[line] and kept[line] < head[line] for line in added)
        restored = any(kept[line] > head[line] for line in removed)
        if dropped or restored:
            found.add(author)
    return found


def notify(actor: User, rex: Rex, start: int, saved: Revision) -> list[int]:
    """After ``actor`` saved ``saved`` on an edit started from revision ``start``: notify the
    authors of the revisions between them whose change the save removed. Returns who."""
    start = max(start, 1, saved.number - 1 - MAX_MEANWHILE)
    if start >= saved.number - 1:
        return []
    rows = db.session.execute(
        select(Revision.author_id, Revision.source)
        .where(
            Revision.rex_id == rex.id,
            Revision.number >= start,
            Revision.number < saved.number,
        )
        .order_by(Revision.number)
    ).all()
    authors = superseded_authors([(a, s) for a, s in rows], saved.source) - {actor.id}
    users = db.session.scalars(select(User).where(User.id.in_(authors))).all() if authors else []
    told = [u.id for u in users if u.is_active and policy.can_view_rex(u, rex)]
    for user_id in sorted(told):
        db.session.add(
            Notification(
                user_id=user_id,
                kind=TARGET,
                actor_id=actor.id,
                target_type=TARGET,
                target_id=saved.id,
            )
        )
    if told:
        db.session.execute(  # the follow notice of this revision says less: one notice a save
            delete(Notification).where(
                Notification.target_type == following.REVISION,
                Notification.target_id == saved.id,
                Notification.user_id.in_(told),
            )
        )
        db.session.flush()
    return told


def _entry(note: Notification, rev: Revision, rex: Rex, actor: str) -> Entry:
    return Entry(
        note=note,
        visible=True,
        sentence=f"{actor} a remplacé votre modification dans",
        title=rex.title,
        path=path_for("wiki.diff", slug=rex.slug, de=rev.number - 1, a=rev.number),
        body=(
            f"En enregistrant la version {rev.number}, {actor} a résolu un conflit de "
            "modification sans garder tout ce que vous aviez écrit. Votre texte reste "
            "dans l'historique : comparez les versions, et rétablissez ce qui doit "
            "l'être."
        ),
        reason=(
            "Vous recevez ce courriel parce que vous aviez modifié ce REX pendant "
            "qu'une autre personne l'écrivait."
        ),
    )


def describe(user: Actor, notes: list[Notification]) -> list[Entry]:
    """Entries for « your change was replaced », re-checking that the reader may see the REX."""
    return following.described(user, notes, Revision, _entry)
