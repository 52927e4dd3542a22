"""Index documents built from database objects (``None`` means: not in the index).

Visibility is decided here, once, from the same facts the ``policy`` modules use: a REX has
its space, a thread is for signed-in agents or a group (a REX talk thread follows its REX), a
group is public when listed, a collectivité is public once validated.

Threads and posts: one document per thread (its title and its live posts), not one per post.
A hit is a discussion, as in the forum lists; a busy thread cannot flood a page of results or
the "kind" facet; a thread that is hidden, moved or follows its REX into another space changes
one document, not thousands. Hidden and deleted posts are left out of the body (the queue row
of a post change rebuilds its thread). The cost: a hit links to the thread, not to the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..collectivites.models import Collectivite
from ..forum.models import Post, Thread
from ..groups.models import Group
from ..wiki.models import Revision, Rex
from .plaintext import html_to_text

#: Thread bodies are capped (UTF-8 bytes) so a huge thread cannot bloat the index.
MAX_BODY_BYTES = 200 * 1024

Document = dict[str, Any]


def _naive_utc(value: datetime | None) -> datetime | None:
    """Whoosh DATETIME fields need naive datetimes: store UTC without a zone."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _cap(text: str, limit: int = MAX_BODY_BYTES) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def _visibility(space: str, group_id: int | None) -> dict[str, Any]:
    if space == "group":
        return {"visibility": "group", "group_id": group_id}
    return {"visibility": space}


def rex_text(session: Session, rex: Rex) -> str:
    """The head revision as a reader sees it: the text of its rendered HTML (never Markdown
    source, so excerpts show no ``##``, ``**`` or ``[[slug``)."""
    html = rex.html or session.scalar(
        select(Revision.html).where(Revision.rex_id == rex.id, Revision.number == rex.head)
    )
    return html_to_text(html or "")


#: ``app.extensions`` key of the callables ``(session, rex) -> str`` whose text is added to a
#: REX's body after :func:`rex_text` (the attachments' text): features register them, search
#: imports none of them. The pieces are joined by blank lines and capped at
#: :data:`MAX_BODY_BYTES`.
REX_EXTRA_TEXT = "commons.search.rex_extra_text"


def _extra_text(session: Session, rex: Rex) -> list[str]:
    providers = current_app.extensions.get(REX_EXTRA_TEXT, []) if has_app_context() else []
    return [text for provide in providers if (text := provide(session, rex))]


def rex_document(session: Session, rex: Rex) -> Document | None:
    """A REX: its space decides who finds it; the body is :func:`rex_text` and the extra text
    of :data:`REX_EXTRA_TEXT`. A REX hidden by the facilitators is not indexed."""
    if rex.hidden:
        return None
    pieces = [rex_text(session, rex), *_extra_text(session, rex)]
    updated = _naive_utc(rex.updated_at)
    return {
        "id": f"rex:{rex.id}",
        "kind": "rex",
        "title": rex.title,
        "summary": rex.summary or None,
        "body": _cap("\n\n".join(p for p in pieces if p)),
        "themes": list(rex.themes or []),
        "kind_coll": sorted({c.kind for c in rex.collectivites}),
        "collectivite": " ".join(c.name for c in rex.collectivites) or None,
        "licence": rex.licence_id,
        "year": updated.year if updated else None,
        "updated": updated,
        "url": f"/rex/{rex.slug}",
        **_visibility(rex.space, rex.group_id),
    }


def thread_document(session: Session, thread: Thread) -> Document | None:
    """A thread and its live posts; hidden threads (and talk of a missing REX) are not indexed.

    Threads are never public: the Agora is for signed-in agents, a group thread for its members;
    a REX talk thread keeps the audience it was written for, narrowed to the REX's group when
    the REX is in one, and is not indexed while its REX is hidden.
    """
    if thread.hidden:
        return None
    space = "group" if thread.space == "group" else "network"
    group_id = thread.group_id
    if thread.rex_id is not None:  # a talk thread: its own audience within the REX's
        rex = session.get(Rex, thread.rex_id)
        if rex is None or rex.hidden:
            return None
        if space == "network" and rex.space == "group":
            space, group_id = "group", rex.group_id
    if space == "group" and group_id is None:
        return None
    rendered = session.scalars(
        select(Post.html)
        .where(Post.thread_id == thread.id, Post.deleted_at.is_(None), Post.hidden.is_(False))
        .order_by(Post.number)
    )
    sources = (html_to_text(html or "") for html in rendered)
    updated = _naive_utc(thread.last_post_at)
    return {
        "id": f"thread:{thread.id}",
        "kind": "thread",
        "title": thread.title,
        "body": _cap("\n\n".join(sources)),
        "year": updated.year if updated else None,
        "updated": updated,
        "url": f"/forum/sujet/{thread.id}",
        **_visibility(space, group_id),
    }


def group_document(session: Session, group: Group) -> Document:
    """A group's public card (name, summary, description; never its charter or its content)."""
    created = _naive_utc(group.created_at)
    return {
        "id": f"group:{group.id}",
        "kind": "group",
        "title": group.name,
        "summary": group.summary or None,
        "body": html_to_text(group.description_html or "") or group.description_md or "",
        "themes": list(group.themes or []),
        "updated": created,
        "url": f"/groupes/{group.slug}",
        **_visibility("public" if group.listed else "group", group.id),
    }


def collectivite_document(session: Session, coll: Collectivite) -> Document | None:
    """A validated collectivité of the public directory."""
    if not coll.validated:
        return None
    return {
        "id": f"collectivite:{coll.id}",
        "kind": "collectivite",
        "title": coll.name,
        "kind_coll": [coll.kind],
        "updated": _naive_utc(coll.created_at),
        "url": f"/collectivites/{coll.slug}",
        "visibility": "public",
    }


MODELS: dict[str, Any] = {
    "rex": (Rex, rex_document),
    "thread": (Thread, thread_document),
    "group": (Group, group_document),
    "collectivite": (Collectivite, collectivite_document),
}


def build(session: Session, doc_id: str) -> Document | None:
    """The current document for ``doc_id`` (``"rex:12"``), or ``None`` to remove it."""
    kind, _, raw = doc_id.partition(":")
    if kind not in MODELS or not raw.isdigit():
        raise ValueError(f"unknown search document id: {doc_id!r}")
    model, builder = MODELS[kind]
    obj = session.get(model, int(raw))
    return None if obj is None else builder(session, obj)


def all_documents(session: Session) -> Iterator[Document]:
    """Every indexable document in the database (for a full reindex), in batches."""
    for model, builder in MODELS.values():
        ids: list[int] = list(session.scalars(select(model.id).order_by(model.id)))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows: Iterable[Any] = session.scalars(select(model).where(model.id.in_(chunk)))
            for obj in rows:
                doc = builder(session, obj)
                if doc is not None:
                    yield doc
            session.expunge_all()
