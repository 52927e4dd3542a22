"""What files are attached to: a REX or a forum post, seen through one shape (:class:`Holder`)
so that the upload page, its template, the removal and the serving view are written once.

Loading a holder checks that the current reader may see its files: a file or a page the reader
may not see is "not found" (404), like its REX or its post, never "forbidden".
"""

from __future__ import annotations

from typing import IO, Protocol

from flask import url_for

from .. import errors
from ..accounts.models import User
from ..actor import Actor
from ..forum.models import Post, Thread
from ..wiki import services as wiki
from ..wiki.models import Rex
from . import policy, posts, queries, services
from .models import Attachment


class Holder(Protocol):
    """A REX or a post, as the files pages see it."""

    #: Page title, heading, the link back and its label, the page's explanation.
    title: str
    heading: str
    back_url: str
    back_label: str
    hint: str
    #: « au REX », « du REX »: where a file is joined to and removed from.
    to_place: str
    from_place: str
    #: Whether the page shows how to link a file from the text (REX only).
    show_markdown: bool

    @property
    def url(self) -> str:
        """The files page of the holder."""

    @property
    def public(self) -> bool:
        """Whether its files may be kept in shared caches (a public REX)."""

    def can_view(self, actor: Actor) -> bool:
        """Whether ``actor`` reads its files."""

    def can_attach(self, actor: Actor) -> bool:
        """Whether ``actor`` may attach a file."""

    def can_remove(self, actor: Actor) -> bool:
        """Whether ``actor`` may remove a file."""

    def files(self) -> list[Attachment]:
        """Its files, by name."""

    def attach(self, actor: User, source: IO[bytes], filename: str, alt: str) -> Attachment:
        """Attach an uploaded file (``FileRefused`` with the reason, in French)."""

    def remove(self, actor: User, att: Attachment) -> None:
        """Remove one of its files."""


class RexFiles:
    """The files of a REX: same audience as its text, edited by whoever edits it."""

    to_place, from_place, show_markdown = "au REX", "du REX", True
    hint = (
        "Les fichiers ont le même public que le REX : s'il change d'espace, ils le suivent. "
        "Ils sont diffusés sous la licence du REX."
    )

    def __init__(self, rex: Rex) -> None:
        self.rex = rex
        self.title = self.heading = f"Fichiers de « {rex.title} »"
        self.back_url, self.back_label = url_for("wiki.show", slug=rex.slug), rex.title

    @property
    def url(self) -> str:
        """``/rex/<slug>/fichiers``."""
        return url_for("files.manage", slug=self.rex.slug)

    @property
    def public(self) -> bool:
        """A public REX that is not hidden."""
        return self.rex.space == "public" and not self.rex.hidden

    def can_view(self, actor: Actor) -> bool:
        """:func:`policy.can_view_file`."""
        return policy.can_view_file(actor, self.rex)

    def can_attach(self, actor: Actor) -> bool:
        """:func:`policy.can_attach`."""
        return policy.can_attach(actor, self.rex)

    def can_remove(self, actor: Actor) -> bool:
        """:func:`policy.can_remove`."""
        return policy.can_remove(actor, self.rex)

    def files(self) -> list[Attachment]:
        """:func:`services.files_of`."""
        return services.files_of(self.rex)

    def attach(self, actor: User, source: IO[bytes], filename: str, alt: str) -> Attachment:
        """:func:`services.attach`."""
        return services.attach(actor, self.rex, source, filename, alt=alt)

    def remove(self, actor: User, att: Attachment) -> None:
        """:func:`services.remove`."""
        services.remove(actor, att)


class PostFiles:
    """The files of a forum post: its thread's audience, attached by the post's author."""

    to_place, from_place, show_markdown, public = "au message", "du message", False, False
    hint = (
        "Les fichiers ont le même public que la discussion : seules les personnes qui peuvent "
        "lire ce message peuvent les ouvrir."
    )

    def __init__(self, post: Post, thread: Thread) -> None:
        self.post, self.thread = post, thread
        self.title = f"Fichiers du message {post.number} de « {thread.title} »"
        self.heading = f"Fichiers du message {post.number}"
        self.back_url = url_for("forum.permalink", thread_id=thread.id, number=post.number)
        self.back_label = f"Message {post.number} de « {thread.title} »"

    @property
    def url(self) -> str:
        """``/forum/message/<id>/fichiers``."""
        return url_for("files.post_manage", post_id=self.post.id)

    def can_view(self, actor: Actor) -> bool:
        """:func:`posts.can_view_post_file`."""
        return posts.can_view_post_file(actor, self.post, self.thread)

    def can_attach(self, actor: Actor) -> bool:
        """:func:`posts.can_attach_to_post`."""
        return posts.can_attach_to_post(actor, self.post, self.thread)

    can_remove = can_attach

    def files(self) -> list[Attachment]:
        """:func:`posts.files_of_post`."""
        return posts.files_of_post(self.post)

    def attach(self, actor: User, source: IO[bytes], filename: str, alt: str) -> Attachment:
        """:func:`posts.attach_to_post`."""
        return posts.attach_to_post(actor, self.post, self.thread, source, filename, alt=alt)

    def remove(self, actor: User, att: Attachment) -> None:
        """:func:`posts.remove_from_post`."""
        posts.remove_from_post(actor, att, self.post, self.thread)


def _visible(holder: Holder | None, actor: Actor) -> Holder:
    if holder is None or not holder.can_view(actor):
        raise errors.NotFound()
    return holder


def of_rex(slug: str, actor: Actor) -> Holder:
    """The files of the REX of ``slug`` (old slugs too) if ``actor`` sees them, else 404."""
    rex, _old = wiki.by_slug(slug)
    return _visible(RexFiles(rex) if rex is not None else None, actor)


def of_post(post_id: int | None, actor: Actor) -> Holder:
    """The files of a post if ``actor`` sees them, else 404."""
    found = queries.post_and_thread(post_id)
    return _visible(PostFiles(*found) if found is not None else None, actor)


def of_token(token: str, actor: Actor) -> tuple[Attachment, Holder]:
    """The file of a URL token and its holder if ``actor`` may read it, else 404."""
    att = services.by_token(token)
    if att is None:
        raise errors.NotFound()
    if att.post_id is not None:
        return att, of_post(att.post_id, actor)
    rex = queries.rex_of(att)
    return att, _visible(RexFiles(rex) if rex is not None else None, actor)
