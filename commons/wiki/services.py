"""REX services: create, save with no lost edit, restore, rename, move, licence, derivation.

Services flush and never commit. Every text save names the revision it was based on: if someone
saved in between, the two edits are merged three-way; if they overlap, :class:`EditConflict`
carries both texts so the caller can show them and lose nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from .. import db, errors
from ..accounts.models import User
from ..collectivites.models import Collectivite
from ..integrity.merge import FieldConflict, merge_fields
from ..integrity.names import NameTaken
from ..licensing import compat, registry
from ..markup import clean_text, layout_refusal
from ..text import single_line
from . import description, links, policy, slugs
from .merge import merge
from .models import Derivation, Event, Revision, Rex, SlugRedirect, Space, Status
from .rendering import refresh_referrers, render

MAX_TITLE = 200
MAX_BODY_BYTES = 200 * 1024


class RexError(errors.Refused):
    """A refused REX operation, with a French message."""


class Forbidden(RexError):
    """The actor may not do this."""


@dataclass
class EditConflict(RexError):
    """Two overlapping edits: nothing is saved; both texts are kept for the user."""

    mine: str
    theirs: str
    merged: str
    head: int
    conflicts: int = field(default=1)
    #: Form fields (the title) changed by both sides differently.
    fields: list[FieldConflict] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            "Quelqu'un a modifié ce REX pendant que vous écriviez, au même endroit que vous. "
            "Votre texte est conservé ci-dessous : reportez vos changements puis enregistrez."
        )


@dataclass
class SaveResult:
    """What a save did: ``created``, ``saved``, ``merged`` (with a concurrent edit) or ``noop``."""

    outcome: str
    revision: Revision | None


def require(allowed: bool) -> None:
    """Raise :class:`Forbidden` unless ``allowed``."""
    if not allowed:
        raise Forbidden("Vous n'avez pas l'autorisation d'effectuer cette action sur ce REX.")


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


def _check_meta(licence_id: str, status: str, themes: list[str]) -> None:
    registry.get(licence_id)  # raises UnknownLicence (a ValueError) with a French message
    if status not in {s.value for s in Status}:
        raise RexError("Statut de projet inconnu.")
    from .vocab import themes as theme_vocab

    unknown = [t for t in themes if t not in theme_vocab()]
    if unknown:
        raise RexError(f"Thème inconnu : {', '.join(unknown)}.")


def create_rex(
    actor: User | None,
    *,
    title: str,
    body: str,
    space: str = Space.NETWORK.value,
    group_id: int | None = None,
    summary: str = "",
    licence_id: str | None = None,
    themes: list[str] | None = None,
    status: str = Status.ONGOING.value,
    period: str = "",
    budget: str = "",
    team_size: int | None = None,
    collectivite_ids: list[int] | None = None,
    comment: str = "Création",
    uuid: str | None = None,
    slug: str | None = None,
    author_name: str = "",
) -> Rex:
    """Create a REX and its first revision. ``actor`` ``None`` is the content importer."""
    if actor is not None:
        require(policy.can_create_rex(actor, space, group_id))
    if space not in {s.value for s in Space} or (space == Space.GROUP.value) != (
        group_id is not None
    ):
        raise RexError("Espace de publication invalide.")
    title, body = check_title(title), check_body(body)
    licence_id = licence_id or registry.default_licence().id
    _check_meta(licence_id, status, themes or [])
    rex = Rex(
        title=title,
        summary=single_line(summary)[:1000],
        space=space,
        group_id=group_id,
        licence_id=licence_id,
        themes=list(themes or []),
        status=status,
        period=single_line(period)[:100],
        budget=single_line(budget)[:100],
        team_size=team_size,
        created_by_id=actor.id if actor else None,
    )
    if uuid:
        rex.uuid = uuid
    if collectivite_ids:
        rex.collectivites = list(
            db.session.scalars(select(Collectivite).where(Collectivite.id.in_(collectivite_ids)))
        )

    def write(free: str) -> Rex:
        slugs.take(free, rex)
        db.session.add(rex)
        db.session.flush()
        return rex

    try:
        slugs.allocate(slug or title, actor, private=space == Space.GROUP.value, write=write)
    except NameTaken as exc:
        raise RexError(str(exc)) from None
    add_revision(rex, actor, title, body, comment, author_name)
    refresh_referrers(rex)  # links written before it existed now lead to it
    return rex


def save(
    actor: User,
    rex: Rex,
    *,
    base: int,
    body: str,
    title: str | None = None,
    comment: str = "",
    base_title: str | None = None,
    described: dict[str, Any] | None = None,
    base_described: dict[str, Any] | None = None,
) -> SaveResult:
    """Save a new text edited from revision ``base`` (and the title edited from
    ``base_title``, by default that revision's; the description fields ``described``, if
    given, edited from ``base_described``); merges with concurrent edits: a field changed only
    by someone else keeps their value, a field changed by both differently or overlapping
    text changes raise :class:`EditConflict` and nothing is saved."""
    require(policy.can_edit_rex(actor, rex))
    rex = db.session.execute(
        select(Rex)
        .where(Rex.id == rex.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    body = check_body(body)
    new_title = check_title(title) if title is not None else rex.title
    if not 1 <= base <= rex.head:
        raise RexError("La version de départ de cette modification est inconnue.")
    head = revision(rex, rex.head)
    outcome, merged, text_conflicts = "saved", body, 0
    if base != rex.head:
        result = merge(revision(rex, base).source, head.source, body)
        merged, text_conflicts, outcome = result.text, result.conflicts, "merged"
    if base_title is None:
        base_title = revision(rex, base).title
    mine, theirs, started = {"title": new_title}, {"title": rex.title}, {"title": base_title}
    if described is not None:
        if base_described is None:
            raise RexError("La version de départ de cette modification est inconnue.")
        mine |= _checked_description(rex, described)
        theirs |= description.values(rex)
        started |= base_described
    fields = merge_fields(started, theirs, mine)
    if text_conflicts or fields.conflicts:
        raise EditConflict(
            mine=body,
            theirs=head.source,
            merged=merged,
            head=rex.head,
            conflicts=text_conflicts + len(fields.conflicts),
            fields=fields.conflicts,
        )
    body, new_title = merged, fields.values["title"]
    if fields.merged:
        outcome = "merged"
    changed = description.apply(actor, rex, fields.values) if described is not None else []
    if new_title != rex.title:
        rename(actor, rex, new_title)
    if body == head.source:
        if changed:
            return SaveResult("merged" if fields.merged else "described", None)
        return SaveResult("noop" if new_title == head.title else "renamed", None)
    return SaveResult(outcome, add_revision(rex, actor, rex.title, body, comment))


def _checked_description(rex: Rex, posted: dict[str, Any]) -> dict[str, Any]:
    """Posted description values, normalised; a new theme or a status must be known (themes
    the REX already has are kept even if the vocabulary dropped them)."""
    wanted = description.normalise(posted)
    if wanted["status"] not in {s.value for s in Status}:
        raise RexError("Statut de projet inconnu.")
    from .vocab import themes as theme_vocab

    unknown = [t for t in wanted["themes"] if t not in theme_vocab() and t not in rex.themes]
    if unknown:
        raise RexError(f"Thème inconnu : {', '.join(unknown)}.")
    return wanted


def revision(rex: Rex, number: int) -> Revision:
    """One revision of a REX (or :class:`RexError`)."""
    found = db.session.scalar(
        select(Revision).where(Revision.rex_id == rex.id, Revision.number == number)
    )
    if found is None:
        raise RexError(f"La version {number} de ce REX n'existe pas.")
    return found


def restore(actor: User, rex: Rex, number: int) -> Revision | None:
    """Restore an old text as a new revision (history is never rewritten)."""
    old = revision(rex, number)
    result = save(
        actor,
        rex,
        base=rex.head,
        body=old.source,
        title=old.title,
        comment=f"Restauration de la version {number}",
        base_title=rex.title,
    )
    return result.revision


def rename(actor: User, rex: Rex, title: str) -> None:
    """Change the title and slug; the old slug keeps redirecting."""
    require(policy.can_edit_rex(actor, rex))
    title = check_title(title)
    if title == rex.title:
        return
    old_title, old_slug = rex.title, rex.slug
    before = links.keys_of_rex(rex)

    def write(free: str) -> None:
        if free != old_slug:
            slugs.take(free, rex)
            if db.session.get(SlugRedirect, old_slug) is None:
                db.session.add(SlugRedirect(slug=old_slug, rex_id=rex.id))
        db.session.flush()

    try:
        slugs.allocate(
            title, actor, private=rex.space == Space.GROUP.value, write=write, rex_id=rex.id
        )
    except NameTaken as exc:
        raise RexError(str(exc)) from None
    rex.title = title
    add_event(rex, actor, "rename", before=old_title, after=title)
    db.session.flush()
    refresh_referrers(rex, before)


def sources_of(rex: Rex) -> list[Rex]:
    """The REX this one is derived from."""
    return list(
        db.session.scalars(
            select(Rex)
            .join(Derivation, Derivation.source_id == Rex.id)
            .where(Derivation.rex_id == rex.id)
        )
    )


def add_derivation(actor: User, rex: Rex, source: Rex) -> None:
    """Record that ``rex`` adapts ``source``; the licences must be compatible."""
    require(policy.can_edit_rex(actor, rex) and policy.can_view_rex(actor, source))
    if source.id == rex.id:
        raise RexError("Un REX ne peut pas dériver de lui-même.")
    try:
        compat.check_derivative(source.licence_id, rex.licence_id)
    except registry.LicenceError as exc:
        raise RexError(str(exc)) from exc
    if db.session.get(Derivation, (rex.id, source.id)) is None:
        db.session.add(Derivation(rex_id=rex.id, source_id=source.id))
        add_event(rex, actor, "derivation", source=source.uuid)
        db.session.flush()


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
