"""Attachments in the export archive: the public REX's files under ``files/<slug>/``, each
described in ``datapackage.json`` (size, SHA-256, media type, licence, the REX's UUID, its
name and alternative text), and brought back on import through the same checks as an upload.

Paths are ``files/<slug>/<first 16 hex digits of the SHA-256>.<ext>``: ASCII, meaningless and
the same on every export (the archive stays deterministic); the name people gave the file is
in the resource's ``title``. A REX without files writes nothing more.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from .. import db
from ..files import services as files
from ..files.intake import BY_MEDIA_TYPE, FileRefused
from ..files.models import Attachment
from ..files.storage import get_storage
from ..licensing import registry
from ..wiki.importer import RexImportError
from ..wiki.models import Rex

PREFIX = "files/"


def _public_files(rex: Rex) -> list[Attachment]:
    """The files of a REX the export already found public (ordered by path)."""
    rows = db.session.scalars(select(Attachment).where(Attachment.rex_id == rex.id))
    return sorted(rows, key=lambda a: (a.sha256, a.name))


def path_of(slug: str, att: Attachment) -> str:
    extension = BY_MEDIA_TYPE[att.media_type].extension
    return f"{PREFIX}{slug}/{att.sha256[:16]}.{extension}"


def write(dest: Path, rex: Rex, spool: IO[str]) -> None:
    """Copy the files of a public REX into ``dest/files/<slug>/`` and spool their resources."""
    seen: set[str] = set()
    licence = registry.get(rex.licence_id)
    storage = get_storage()
    for att in _public_files(rex):
        path = path_of(rex.slug, att)
        if path in seen:  # the same bytes twice under two names: one copy
            continue
        seen.add(path)
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(att.sha256) as src, target.open("wb") as out:
            shutil.copyfileobj(src, out)
        resource = {
            "name": f"fichier-{rex.slug}-{att.sha256[:16]}",
            "path": path,
            "title": att.name,
            "format": BY_MEDIA_TYPE[att.media_type].extension,
            "mediatype": att.media_type,
            "bytes": att.size,
            "hash": f"sha256:{att.sha256}",
            "licenses": [{"name": licence.id, "path": licence.url, "title": licence.name}],
            "rex": rex.uuid,
            "alt": att.alt,
        }
        spool.write(",\n    " + json.dumps(resource, ensure_ascii=False))


def import_files(source: Any, resources: dict[str, dict[str, Any]], uuids: set[str]) -> int:
    """Attach the archive's files to their REX imported from it (``uuids``, public), flush
    only; how many were added.
    Each file is checked against its declared size and SHA-256, then goes through every check
    of an upload; a file already attached to its REX (same bytes) is left alone. Any refusal
    is a :class:`RexImportError` naming the file (the import is all or nothing)."""
    added, errors = 0, []
    for path in sorted(p for p in resources if p.startswith(PREFIX)):
        res = resources[path]
        data = source.read(path)
        if res.get("hash") != "sha256:" + hashlib.sha256(data).hexdigest() or res.get(
            "bytes"
        ) != len(data):
            errors.append(f"{path} : taille ou empreinte différente de datapackage.json.")
            continue
        uuid = str(res.get("rex", ""))
        if uuid not in uuids:
            continue  # a REX this instance already holds (its own export) keeps its files
        rex = db.session.scalar(select(Rex).where(Rex.uuid == uuid, Rex.space == "public"))
        if rex is None:
            errors.append(f"{path} : REX « {uuid} » absent de l'archive ou non public.")
            continue
        taken = db.session.scalar(
            select(Attachment.id).where(
                Attachment.rex_id == rex.id,
                Attachment.sha256 == hashlib.sha256(data).hexdigest(),
            )
        )
        if taken is not None:
            continue
        try:
            files.store_checked(
                rex,
                io.BytesIO(data),
                str(res.get("title") or path.rsplit("/", 1)[-1]),
                alt=str(res.get("alt") or res.get("title") or ""),
                actor=None,
                author_name=rex.provenance or "",
            )
        except FileRefused as exc:
            errors.append(f"{path} : {exc}")
            continue
        added += 1
    if errors:
        raise RexImportError(errors)
    return added
