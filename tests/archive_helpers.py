"""Helpers for the export archive tests: REX factories, archive reading and rewriting."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import yaml

from commons import db
from commons.frontmatter import split_front_matter
from commons.wiki import services
from commons.wiki.models import Rex


def make_rex(author: Any, title: str, body: str = "", **kw: Any) -> Rex:
    """A REX written by ``author`` (public unless ``space`` says otherwise), committed."""
    kw.setdefault("space", "public")
    kw.setdefault("themes", ["mobilite"])
    kw.setdefault("summary", f"Résumé de {title}")
    rex = services.create_rex(author, title=title, body=body or f"Texte de {title}.\n", **kw)
    db.session.commit()
    return rex


def unzip(data: bytes) -> dict[str, bytes]:
    """Every entry of a zip archive, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rex_files(entries: dict[str, bytes]) -> dict[str, tuple[dict[str, Any], str]]:
    """``rex/<slug>.md`` entries as (front matter, body), by uuid."""
    found = {}
    for name, data in entries.items():
        if name.startswith("rex/"):
            meta, body = split_front_matter(data.decode("utf-8"))
            found[str(meta["uuid"])] = (meta, body)
    return found


def write_zip(path: Path, entries: dict[str, bytes], **attrs: Any) -> Path:
    """A zip with these entries (``attrs`` maps a name to ZipInfo attributes to set)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            for key, value in attrs.get(name, {}).items():
                setattr(info, key, value)
            zf.writestr(info, data)
    for name, changes in attrs.items():
        if "flag_bits" in changes:  # zipfile rewrites the flags: patch the central directory
            _patch_flags(path, name, changes["flag_bits"])
    return path


def _patch_flags(path: Path, name: str, bits: int) -> None:
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        size = int.from_bytes(raw[at + 28 : at + 30], "little")
        if raw[at + 46 : at + 46 + size] == name.encode():
            flags = int.from_bytes(raw[at + 8 : at + 10], "little") | bits
            raw[at + 8 : at + 10] = flags.to_bytes(2, "little")
        at = raw.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(raw))


def dump_rex(meta: dict[str, Any], body: str) -> bytes:
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100_000)
    return f"---\n{head}---\n\n{body}".encode()


def repack(entries: dict[str, bytes]) -> dict[str, bytes]:
    """Entries with ``datapackage.json`` sizes and hashes updated to the files' new bytes (so a
    test reaches the check it aims at, past the integrity check)."""
    import hashlib
    import json

    package = json.loads(entries["datapackage.json"])
    for resource in package["resources"]:
        data = entries.get(resource["path"])
        if data is not None:
            resource["bytes"] = len(data)
            resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    return {**entries, "datapackage.json": json.dumps(package).encode()}


def wipe_rex() -> None:
    """Delete every REX: the database becomes an empty instance B (accounts are kept)."""
    from sqlalchemy import delete

    db.session.execute(delete(Rex))
    db.session.commit()
