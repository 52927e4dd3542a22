"""Files that travel with a REX published to the commons by consent.

What the consent covers (:func:`manifest`: each file's name, type, size, SHA-256 and
alternative text, so adding, removing or replacing a file after someone agreed asks them
again), who must agree for the files (:func:`author_ids`), and the public copy's own rows
(:func:`carry`). The copy's rows point at the same stored bytes (the store is addressed by
SHA-256: nothing is copied) under **new** random tokens, so the group file's URL never becomes
public; the group REX's files keep their group audience.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import db
from ..wiki import rendering
from ..wiki.models import Rex
from .intake import BY_MEDIA_TYPE, human_size
from .models import Attachment


@dataclass(frozen=True)
class CarriedFile:
    """A file as the consent preview shows it and its digest covers it."""

    name: str
    media_type: str
    size: int
    sha256: str
    alt: str

    @property
    def label(self) -> str:
        kind = BY_MEDIA_TYPE.get(self.media_type)
        return kind.label if kind is not None else self.media_type

    @property
    def human_size(self) -> str:
        return human_size(self.size)

    def key(self) -> list[str]:
        """What the digest covers for this file."""
        return [self.name, self.sha256, self.alt]


def _rows(rex: Rex) -> list[Attachment]:
    stmt = select(Attachment).where(Attachment.rex_id == rex.id).order_by(Attachment.name)
    return list(db.session.scalars(stmt))


def manifest(rex: Rex) -> list[CarriedFile]:
    """The files a publication of ``rex`` carries, by name."""
    return [CarriedFile(a.name, a.media_type, a.size, a.sha256, a.alt or "") for a in _rows(rex)]


def author_ids(rex: Rex) -> list[int]:
    """Accounts that attached a file to ``rex``, by first file: their consent is asked too."""
    stmt = (
        select(Attachment.author_id)
        .where(Attachment.rex_id == rex.id, Attachment.author_id.isnot(None))
        .order_by(Attachment.created_at, Attachment.id)
    )
    return list(dict.fromkeys(db.session.scalars(stmt)))


def carry(source: Rex, target: Rex, expected: list[CarriedFile]) -> list[Attachment]:
    """Give ``target`` (the public copy, flushed) its own rows for the files of ``source``,
    exactly those of ``expected`` (what was consented), then re-render its text so its
    ``fichier:`` links resolve to the copy's files. No author is recorded on the copy: its
    credits are the publication's (the attribution mode decides who is named). Flush only."""
    if manifest(source) != expected:
        raise ValueError("files changed since the consent")
    copies = []
    for att in _rows(source):
        copy = Attachment(
            rex_id=target.id,
            name=att.name,
            media_type=att.media_type,
            size=att.size,
            sha256=att.sha256,
            alt=att.alt,
            width=att.width,
            height=att.height,
            thumb_key=att.thumb_key,
            thumb_width=att.thumb_width,
            thumb_height=att.thumb_height,
            text=att.text,
            author_id=None,
            author_name="",
        )
        db.session.add(copy)
        copies.append(copy)
    if copies:
        db.session.flush()
        rendering.rerender(target)
    return copies
