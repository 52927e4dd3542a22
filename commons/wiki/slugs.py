"""REX slugs: allocated under concurrency, and never an oracle for private titles.

The rule (also in the README):

- a REX written in a group's private space gets ``<title>-<6 random characters>``: it never
  takes a plain slug, so a title used privately never shows in anyone else's slug;
- a network or public REX gets the plain slug ``<title>``, or ``<title>-2``, ``-3``… only when
  the plain one is held by something its author can see or could once see (a network or
  public REX, hidden or not, or an old slug of one). An old slug of a private REX that the
  author cannot see is taken over (that REX keeps its current address); a current plain slug
  of a private REX (written before this rule) is skipped with a random suffix, never ``-2``.

Each candidate is written inside a savepoint (:func:`commons.integrity.names.insert_unique`):
two requests racing for the same slug never fail, the second one takes the next candidate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from sqlalchemy import select

from .. import db
from ..actor import Actor
from ..integrity.names import insert_unique, random_suffix
from ..text import slugify
from . import policy
from .models import Rex, SlugRedirect, Space

T = TypeVar("T")
MAX_TRIES = 50
MESSAGE = (
    "Trop de REX portent un titre proche au même moment : l'adresse n'a pas pu être attribuée. "
    "Votre texte est conservé : réessayez dans un instant."
)


def base_of(title: str) -> str:
    """The plain slug of a title."""
    return slugify(title, max_length=100) or "rex"


def _blocks(actor: Actor | None, holder: Rex | None) -> bool:
    """Whether a slug held by ``holder`` may be named to ``actor`` as taken: it is, or was,
    visible to them (content importer: ``actor`` ``None`` sees everything)."""
    if holder is None:
        return False
    return actor is None or holder.space != Space.GROUP.value or policy.can_view_rex(actor, holder)


def candidates(
    title: str, actor: Actor | None, *, private: bool, rex_id: int | None = None
) -> Iterator[str]:
    """Slugs to try, best first (lazy: each is checked against the database when asked for)."""
    base = base_of(title)
    if private:
        current = db.session.get(Rex, rex_id) if rex_id else None
        if current is not None and re.fullmatch(re.escape(base) + r"-[a-z0-9]{6}", current.slug):
            yield current.slug
        for _ in range(MAX_TRIES):
            yield f"{base}-{random_suffix()}"
        return
    n = 1
    for _ in range(MAX_TRIES):
        slug = base if n == 1 else f"{base}-{n}"
        owner = db.session.scalar(select(Rex).where(Rex.slug == slug))
        redirect = db.session.get(SlugRedirect, slug)
        old = db.session.get(Rex, redirect.rex_id) if redirect else None
        if owner is not None and owner.id != rex_id and not _blocks(actor, owner):
            yield f"{base}-{random_suffix()}"  # a private plain slug from before the rule
        elif (owner is None or owner.id == rex_id) and (
            old is None or old.id == rex_id or not _blocks(actor, old)
        ):
            yield slug
        n += 1


def take(slug: str, rex: Rex) -> None:
    """Give ``slug`` to ``rex``: an old slug of another (unseen) REX there is taken over."""
    redirect = db.session.get(SlugRedirect, slug)
    if redirect is not None:
        db.session.delete(redirect)
        db.session.flush()
    rex.slug = slug


def allocate(
    title: str,
    actor: Actor | None,
    *,
    private: bool,
    write: Callable[[str], T],
    rex_id: int | None = None,
) -> T:
    """Run ``write(slug)`` (which assigns the slug with :func:`take` and flushes) with the
    first candidate the database accepts; :class:`~commons.integrity.names.NameTaken` (a
    French message) when none is."""
    return insert_unique(
        candidates(title, actor, private=private, rex_id=rex_id),
        write,
        constraint="uq_rex_slug",
        message=MESSAGE,
    )
