"""REX services: create, save with no lost edit, restore, rename, move, licence, derivation.

Services flush and never commit. Every text save names the revision it was based on: if someone
saved in between, the two edits are merged three-way; if they overlap, :class:`EditConflict`
carries both texts so the caller can show them and lose nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..collectivites.models import Collectivite
from ..integrity.hunks import blocks
from ..integrity.merge import merge_fields
from ..integrity.names import NameTaken
from ..licensing import compat, registry
from ..text import single_line
from . import description, links, policy, slugs, superseded, vocab
from .merge import merge
from .models import Derivation, Revision, Rex, SlugRedirect, Space, Status
from .rendering import refresh_referrers
from .revisions import (
    MAX_BODY_BYTES,
    MAX_TITLE,
    EditConflict,
    RexError,
    add_event,
    add_revision,
    by_slug,
    check_body,
    check_title,
    contributors,
    meanwhile,
    require,
    revision,
    sources_of,
)

#: The low-level pieces (:mod:`.revisions`) are part of the services' interface too.
__all__ = [
    "MAX_BODY_BYTES",
    "MAX_TITLE",
    "EditConflict",
    "RexError",
    "SaveResult",
    "add_derivation",
    "add_event",
    "add_revision",
    "by_slug",
    "check_body",
    "check_title",
    "contributors",
    "create_rex",
    "rename",
    "require",
    "restore",
    "revision",
    "save",
    "sources_of",
]


@dataclass
class SaveResult:
    """What a save did: ``created``, ``saved``, ``merged`` (with a concurrent edit) or ``noop``."""

    outcome: str
    revision: Revision | None


def _check_meta(licence_id: str, status: str, themes: list[str]) -> None:
    registry.get(licence_id)  # raises UnknownLicence (a ValueError) with a French message
    if status not in {s.value for s in Status}:
        raise RexError("Statut de projet inconnu.")
    unknown = [t for t in themes if t not in vocab.themes()]
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
    origin: int | None = None,
) -> SaveResult:
    """Save a new text edited from revision ``base`` (and the title edited from
    ``base_title``, by default that revision's; the description fields ``described``, if
    given, edited from ``base_described``); merges with concurrent edits: a field changed only
    by someone else keeps their value, a field changed by both differently or overlapping
    text changes raise :class:`EditConflict` and nothing is saved. ``origin``: the revision
    the edit first started from, before a conflict page (people whose change made since then
    is removed by this save are told: :mod:`.superseded`)."""
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
    head, start = revision(rex, rex.head), revision(rex, base)
    outcome, merged, text_conflicts = "saved", body, 0
    if base != rex.head:
        result = merge(start.source, head.source, body)
        merged, text_conflicts, outcome = result.text, result.conflicts, "merged"
    if base_title is None:
        base_title = start.title
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
            base=base,
            origin=min(base, origin or base),
            meanwhile=meanwhile(rex, base, rex.head),
            blocks=blocks(start.source, head.source, body),
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
    saved = add_revision(rex, actor, rex.title, body, comment)
    superseded.notify(actor, rex, min(base, origin or base), saved)
    return SaveResult(outcome, saved)


def _checked_description(rex: Rex, posted: dict[str, Any]) -> dict[str, Any]:
    """Posted description values, normalised; a new theme or a status must be known (themes
    the REX already has are kept even if the vocabulary dropped them)."""
    wanted = description.normalise(posted)
    if wanted["status"] not in {s.value for s in Status}:
        raise RexError("Statut de projet inconnu.")
    unknown = [t for t in wanted["themes"] if t not in vocab.themes() and t not in rex.themes]
    if unknown:
        raise RexError(f"Thème inconnu : {', '.join(unknown)}.")
    return wanted


def restore(actor: User, rex: Rex, number: int) -> Revision | None:
    """Restore an old text as a new revision (history is never rewritten)."""
    old = revision(rex, number)
    try:
        result = save(
            actor,
            rex,
            base=rex.head,
            body=old.source,
            title=old.title,
            comment=f"Restauration de la version {number}",
            base_title=rex.title,
        )
    except EditConflict:
        raise
    except RexError as exc:
        raise RexError(f"La version {number} n'a pas été restaurée : {exc}") from None
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
