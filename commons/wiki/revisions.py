"""The low-level writes and reads of REX revisions and history events that every wiki service
uses: checks of a title and a text, a REX by slug, a revision by number, a new revision or
event, the credited contributors; and the wiki's refusal (:class:`RexError`) and edit conflict
(:class:`EditConflict`).

Nothing here checks a permission (the services in :mod:`.services`, :mod:`.audience` and
:mod:`.agreements` do) and nothing commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from .. import db, errors
from ..accounts.models import User
from ..integrity.hunks import Block
from ..integrity.merge import FieldConflict, Meanwhile
from ..markup import clean_text, layout_refusal
from ..text import single_line
from .models import Derivation, Event, Revision, Rex, SlugRedirect
from .rendering import render

MAX_TITLE = 200
MAX_BODY_BYTES = 200 * 1024


class RexError(errors.Refused):
    """A refused REX operation, with a French message."""


class DetailedRefusal(RexError):
    """A refusal that carries data (a dataclass, which keeps no ``args``): its French message
    is its ``__str__``."""

    @property
    def message(self) -> str:
        """The French message shown to the person."""
        return str(self)


@dataclass
class EditConflict(DetailedRefusal):
    """Two overlapping edits: nothing is saved; both texts are kept for the user, with what
    the conflict page needs to resolve it passage by passage (:mod:`.conflicts`)."""

    mine: str
    theirs: str
    merged: str
    head: int
    conflicts: int = field(default=1)
    #: Form fields (the title) changed by both sides differently.
    fields: list[FieldConflict] = field(default_factory=list)
    #: The revision the edit started from, and the revisions saved since (oldest first);
    #: ``origin``: the one it first started from, before earlier conflict pages.
    base: int = 0
    origin: int = 0
    meanwhile: list[Meanwhile] = field(default_factory=list)
    #: The passages of the merge (:func:`commons.integrity.hunks.blocks`).
    blocks: list[Block] = field(default_factory=list)
    #: After « Composer » (:func:`.conflicts.compose`): the composed text, or why not.
    composed: str | None = None
    error: str = ""

    @property
    def passages(self) -> list[Block]:
        """The conflicting passages, to choose between."""
        return [block for block in self.blocks if block.conflict]

    def __str__(self) -> str:
        return (
            "Quelqu'un a modifié ce REX pendant que vous écriviez, au même endroit que vous. "
            "Votre texte est conservé ci-dessous : reportez vos changements puis enregistrez."
        )


def require(allowed: bool) -> None:
    """Raise :class:`errors.Forbidden` unless ``allowed``."""
    if not allowed:
        raise errors.Forbidden(
            "Vous n'avez pas l'autorisation d'effectuer cette action sur ce REX."
        )


def check_title(title: str) -> str:
    """A clean one-line title, or :class:`RexError`."""
    title = single_line(title)
    if not title:
        raise RexError("Le titre est obligatoire.")
    if len(title) > MAX_TITLE:
        raise RexError(f"Le titre ne doit pas dépasser {MAX_TITLE} caractères.")
    return title


def check_body(body: str) -> str:
    """Normalised Markdown source within the size limit and the layout limits that bound its
    rendering (:func:`~commons.markup.layout_refusal`), or :class:`RexError`."""
    body = clean_text(body)
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise RexError(
            f"Le texte dépasse la taille maximale ({MAX_BODY_BYTES // 1024} Ko). "
            "Découpez-le en plusieurs REX ou allégez-le : rien n'a été enregistré."
        )
    if refusal := layout_refusal(body):
        raise RexError(refusal)
    return body.rstrip() + "\n" if body.strip() else ""


def by_slug(slug: str) -> tuple[Rex | None, bool]:
    """The REX for a slug, and whether the slug is an old one (redirect)."""
    if not slug or len(slug) > 120 or "\x00" in slug:  # PostgreSQL refuses NUL in text
        return None, False
    rex = db.session.scalar(select(Rex).where(Rex.slug == slug))
    if rex is not None:
        return rex, False
    redirect = db.session.get(SlugRedirect, slug)
    return (db.session.get(Rex, redirect.rex_id), True) if redirect else (None, False)


def add_event(rex: Rex, actor: User | None, kind: str, **detail: str) -> None:
    """Add a non-text change to the REX's history."""
    db.session.add(
        Event(rex_id=rex.id, kind=kind, actor_id=actor.id if actor else None, detail=detail)
    )


def add_revision(
    rex: Rex, actor: User | None, title: str, source: str, comment: str, author_name: str = ""
) -> Revision:
    """Append a revision and make it the head (no permission check: callers check; the
    content importer credits ``author_name`` with no actor)."""
    rex.head += 1
    revision = Revision(
        rex_id=rex.id,
        number=rex.head,
        title=title,
        source=source,
        html=render(rex, source),
        author_id=actor.id if actor else None,
        author_name=author_name,
        comment=single_line(comment)[:500],
    )
    rex.html = revision.html
    rex.updated_at = db.utcnow()
    db.session.add(revision)
    db.session.flush()
    return revision


def revision(rex: Rex, number: int) -> Revision:
    """One revision of a REX (or :class:`RexError`)."""
    found = db.session.scalar(
        select(Revision).where(Revision.rex_id == rex.id, Revision.number == number)
    )
    if found is None:
        raise RexError(f"La version {number} de ce REX n'existe pas.")
    return found


def sources_of(rex: Rex) -> list[Rex]:
    """The REX this one is derived from."""
    return list(
        db.session.scalars(
            select(Rex)
            .join(Derivation, Derivation.source_id == Rex.id)
            .where(Derivation.rex_id == rex.id)
        )
    )


def meanwhile(rex: Rex, after: int, upto: int) -> list[Meanwhile]:
    """The revisions numbered ``after`` + 1 to ``upto`` with their authors (one query)."""
    rows = db.session.execute(
        select(Revision, User.display_name)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.rex_id == rex.id, Revision.number > after, Revision.number <= upto)
        .order_by(Revision.number)
    ).all()
    return [
        Meanwhile(rev.number, name or rev.author_name or "Anonyme", rev.created_at, rev.comment)
        for rev, name in rows
    ]


def contributors(rex: Rex) -> list[tuple[str, int]]:
    """Credited names with their number of revisions, most active first (one query)."""
    rows = db.session.execute(
        select(User.display_name, Revision.author_name, func.count(Revision.id))
        .select_from(Revision)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.rex_id == rex.id)
        .group_by(User.display_name, Revision.author_name)
    ).all()
    named = [(name or author_name or "Anonyme", int(count)) for name, author_name, count in rows]
    return sorted(named, key=lambda nc: (-nc[1], nc[0]))  # most active first, then by name
