"""Attachments: a file belongs to a REX or to a forum post and has its audience, derived at
read time.

Nothing about who may read a file is stored on the file: its REX's space, group and moderation
state decide, through :mod:`commons.wiki.policy` (a post's thread: :mod:`commons.forum.policy`),
at every request. So when the REX moves, is
hidden or is deleted (the rows go with it, ``ON DELETE CASCADE``), the file follows at the same
commit. The bytes are in the configured store under their SHA-256 (see ``storage.py``).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, UTCDateTime, utcnow


def new_token() -> str:
    """An unguessable, meaningless URL token (192 random bits)."""
    return secrets.token_urlsafe(24)


class Attachment(Base):
    """A file attached to a REX or (``post_id``) to a forum post — exactly one of the two:
    cleaned name (unique in the REX or post), type found in the bytes, size and SHA-256 of the
    stored bytes, alternative text (images), thumbnail, searchable text."""

    __tablename__ = "attachment"
    __table_args__ = (
        UniqueConstraint("rex_id", "name"),
        UniqueConstraint("post_id", "name"),
        Index("ix_attachment_author", "author_id", "size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True, default=new_token)
    rex_id: Mapped[int | None] = mapped_column(ForeignKey("rex.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_post.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: Alternative text (required for images, RGAA); optional description otherwise.
    alt: Mapped[str] = mapped_column(String(300), default="")
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    #: Key of the thumbnail blob (images only) and its size.
    thumb_key: Mapped[str | None] = mapped_column(String(64))
    thumb_width: Mapped[int | None] = mapped_column()
    thumb_height: Mapped[int | None] = mapped_column()
    #: Text extracted for search (bounded, see ``extract.py``).
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: Credited name when there is no local author (imported files).
    author_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship(lazy="selectin")

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    def __repr__(self) -> str:
        return f"<Attachment {self.name} of rex {self.rex_id}>"
