"""Attach and remove files. Services flush only; the view commits once.

An upload is spooled to a temporary file while counting (refused past the per-file limit),
recognised on its bytes (``intake.py``), re-encoded if it is an image (``images.py``), checked
by the antivirus when one is configured, measured against the per-REX and per-person limits,
then stored under its SHA-256 and recorded. Whatever is refused leaves no temporary file and no
row; a stored blob whose transaction rolls back is collected by ``commons files gc``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import db, errors
from ..accounts.models import User
from ..wiki import rendering
from ..wiki.models import Revision, Rex
from . import antivirus, images, intake, policy
from .extract import extract_text
from .intake import FileRefused, human_size
from .models import Attachment
from .names import clean_name, unique_name
from .storage import get_storage


def files_of(rex: Rex) -> list[Attachment]:
    """The files of a REX, by name (the caller has checked :func:`policy.can_view_file`)."""
    stmt = select(Attachment).where(Attachment.rex_id == rex.id).order_by(Attachment.name)
    return list(db.session.scalars(stmt))


def by_token(token: str) -> Attachment | None:
    """The attachment of a URL token (the caller checks the policy on its REX)."""
    if not token or len(token) > 40:
        return None
    return db.session.scalar(select(Attachment).where(Attachment.token == token))


#: Search text added to a REX by its files, at most (UTF-8 bytes).
MAX_SEARCH_BYTES = 200 * 1024


def search_text(session: Session, rex: Rex) -> str:
    """The files' names and extracted text for the REX's search document, each file's text
    announced by its name so a snippet says which file matched; bounded."""
    rows = session.execute(
        select(Attachment.name, Attachment.alt, Attachment.text)
        .where(Attachment.rex_id == rex.id)
        .order_by(Attachment.name)
    )
    parts, size = [], 0
    for name, alt, text in rows:
        part = f"Fichier joint « {name} » {alt} : {text}".strip()
        parts.append(part)
        size += len(part.encode("utf-8"))
        if size > MAX_SEARCH_BYTES:
            break
    joined = "\n\n".join(parts).encode("utf-8")[:MAX_SEARCH_BYTES]
    return joined.decode("utf-8", errors="ignore")


def _check_quotas(rex: Rex, actor: User | None, size: int) -> None:
    cfg = current_app.config
    count, used = db.session.execute(
        select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.rex_id == rex.id
        )
    ).one()
    if count >= cfg["FILES_MAX_PER_REX"]:
        raise FileRefused(f"Ce REX a déjà {count} fichiers joints : c'est le maximum.")
    if used + size > cfg["FILES_MAX_PER_REX_BYTES"]:
        raise FileRefused(
            f"Les fichiers de ce REX dépasseraient {human_size(cfg['FILES_MAX_PER_REX_BYTES'])}."
        )
    check_person_quota(actor, size)


def check_person_quota(actor: User | None, size: int) -> None:
    """Refuse a file that would take ``actor`` past their quota (every file they sent)."""
    cfg = current_app.config
    if actor is not None:
        mine = db.session.scalar(
            select(func.coalesce(func.sum(Attachment.size), 0)).where(
                Attachment.author_id == actor.id
            )
        )
        if int(mine or 0) + size > cfg["FILES_MAX_PER_PERSON_BYTES"]:
            raise FileRefused(
                "Vous avez atteint votre quota de fichiers "
                f"({human_size(cfg['FILES_MAX_PER_PERSON_BYTES'])}) : retirez-en d'abord."
            )


def build(
    source: IO[bytes],
    filename: str,
    *,
    alt: str,
    actor: User | None,
    taken: list[str],
    check_quotas: Callable[[int], None],
    author_name: str = "",
) -> Attachment:
    """Every check of an upload, then the blob, and the row (not yet added nor attached to
    anything): the name is made unique among ``taken``; ``check_quotas`` gets the size."""
    cfg = current_app.config
    alt = " ".join((alt or "").split())[:300]
    tmp_dir = Path(cfg["FILES_TMP_DIR"])
    path, _size = intake.spool(source, cfg["FILES_MAX_BYTES"], tmp_dir)
    try:
        kind = intake.sniff(path, filename)
        width = height = None
        if kind.is_image:
            if not alt:
                raise FileRefused(
                    "Décrivez l'image en quelques mots (texte alternatif) : c'est obligatoire."
                )
            width, height = images.reencode(
                path, kind, max_pixels=cfg["FILES_MAX_PIXELS"], max_side=cfg["FILES_MAX_SIDE"]
            )
        antivirus.scan(path, cfg.get("FILES_CLAMD") or "")
        size = path.stat().st_size
        check_quotas(size)
        name = unique_name(clean_name(filename, kind.extension), taken)
        text = extract_text(path, kind.media_type)
        storage = get_storage()
        with path.open("rb") as fh:
            key = storage.put(fh)
        att = Attachment(
            name=name,
            media_type=kind.media_type,
            size=size,
            sha256=key,
            alt=alt,
            width=width,
            height=height,
            text=text,
            author_id=actor.id if actor is not None else None,
            author_name=author_name,
        )
        if kind.is_image:
            thumb, att.thumb_width, att.thumb_height = images.thumbnail(
                path.read_bytes(), kind.media_type
            )
            att.thumb_key = storage.put(io.BytesIO(thumb))
    finally:
        path.unlink(missing_ok=True)
    return att


def store_checked(
    rex: Rex,
    source: IO[bytes],
    filename: str,
    *,
    alt: str,
    actor: User | None,
    author_name: str = "",
) -> Attachment:
    """Every check of an upload, then the blob and the row (for uploads and imports)."""
    att = build(
        source,
        filename,
        alt=alt,
        actor=actor,
        taken=[a.name for a in files_of(rex)],
        check_quotas=lambda size: _check_quotas(rex, actor, size),
        author_name=author_name,
    )
    att.rex_id = rex.id
    db.session.add(att)
    _touch(rex)
    return att


def attach(actor: User, rex: Rex, source: IO[bytes], filename: str, *, alt: str = "") -> Attachment:
    """Attach an uploaded file to ``rex`` (``FileRefused`` with the reason, in French)."""
    if not policy.can_attach(actor, rex):
        raise errors.Forbidden("Vous ne pouvez pas joindre de fichier à ce REX.")
    return store_checked(rex, source, filename, alt=alt, actor=actor)


def remove(actor: User, att: Attachment) -> None:
    """Remove a file from its REX (its blob is collected later by ``commons files gc``)."""
    rex = db.session.get(Rex, att.rex_id)
    if rex is None or not policy.can_remove(actor, rex):
        raise errors.Forbidden("Vous ne pouvez pas retirer ce fichier.")
    db.session.delete(att)
    _touch(rex)


def _touch(rex: Rex) -> None:
    """The REX changed: new date (so search reindexes it with the files' text), and its current
    text re-rendered so ``fichier:`` links point at what is attached now."""
    db.session.flush()
    rex.updated_at = db.utcnow()
    head = db.session.scalar(
        select(Revision).where(Revision.rex_id == rex.id, Revision.number == rex.head)
    )
    if head is not None:  # older versions keep the links they had (a long history is costly)
        head.html = rex.html = rendering.render(rex, head.source)
    db.session.flush()


def collect_garbage(min_age: float = 3600.0) -> int:
    """Delete stored blobs that no attachment references and that are older than ``min_age``
    seconds (run from the CLI, not a request)."""
    storage = get_storage()
    keys = getattr(storage, "keys", None)
    if keys is None:
        return 0
    used = set(db.session.scalars(select(Attachment.sha256)))
    used |= set(
        db.session.scalars(select(Attachment.thumb_key).where(Attachment.thumb_key.isnot(None)))
    )
    removed = 0
    for key in keys(min_age):
        if key not in used:
            storage.delete(key)
            removed += 1
    return removed
