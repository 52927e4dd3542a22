"""The public export archive: the public commons as Markdown files with YAML front matter, a
CSV index, a Frictionless Data Package, licences and credits (format in ``archive_docs``).

Written REX by REX from one streamed query into a folder (flat memory whatever the size), then
zipped deterministically: the same content gives the same bytes (sorted entries, fixed
timestamps, permissions and compression, no build date anywhere).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml
from sqlalchemy import and_, literal, select

from .. import db
from ..dates import machine
from ..licensing import registry
from ..publication.queries import receipt_digests
from ..wiki import attribution, provenance
from ..wiki.models import Revision, Rex
from . import archive_docs, archive_files, public

#: Version of the archive format (written in ``datapackage.json``, part of the cache key).
FORMAT_VERSION = "2"  # 2: rex.csv without database ids
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
CSV_FIELDS = archive_docs.CSV_FIELDS
BATCH = 200
#: libyaml's emitter when present (measured 10x faster than the pure Python one).
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True)
class Instance:
    """The exporting instance: its name and public address."""

    name: str
    url: str

    @classmethod
    def current(cls) -> Instance:
        return cls(public.site_name(), public.base_url())


def public_rows() -> Iterator[tuple[Rex, str]]:
    """Every public REX with its head text, in the order of their file paths (the same on
    every database), fetched in batches."""
    path = Rex.slug + literal(".md")  # order of the paths in the zip, byte by byte
    if db.session.get_bind().dialect.name == "postgresql":
        path = path.collate("C")
    stmt = (
        select(Rex, Revision.source)
        .join(Revision, and_(Revision.rex_id == Rex.id, Revision.number == Rex.head))
        .where(public.public_clause())
        .order_by(path)
        .execution_options(yield_per=BATCH)
    )
    for rex, source in db.session.execute(stmt):
        yield rex, source.lstrip("\n")  # leading blank lines mean nothing and do not survive
        db.session.expunge(rex)  # keep the identity map (and memory) flat


def front_matter(
    rex: Rex, body: str, instance: Instance, receipts: Callable[[Rex], list[str]] | None
) -> dict[str, Any]:
    """The YAML front matter of ``rex/<slug>.md`` (a superset of ``content/rex``)."""
    credits = attribution.credits(rex)
    names = [c.name for c in credits]
    credited = ", ".join(names[:-1]) + " et " + names[-1] if len(names) > 1 else "".join(names)
    local_url = public.rex_url(rex)
    origin = rex.origin or {}
    digests = list(origin.get("receipts") or [])
    if receipts is not None and getattr(rex, "frozen", True):  # only published copies have any
        digests += [d if d.startswith("sha256:") else f"sha256:{d}" for d in receipts(rex)]
    meta: dict[str, Any] = {
        "uuid": rex.uuid,
        "title": rex.title,
        "slug": rex.slug,
        "summary": rex.summary,
        "licence": rex.licence_id,
        "attribution": {
            "mode": rex.attribution_mode,
            "credited": credited or f"Contributeur·rices de {instance.name}",
            "names": [
                {"name": c.name, "role": c.role} if c.role else {"name": c.name} for c in credits
            ],
        },  # fmt: skip
        "collectivites": [
            {"name": c.name, "type": c.kind, "departement": c.departement_code}
            | ({"description": c.description} if c.description else {})
            for c in rex.collectivites
        ],
        "themes": list(rex.themes),
        "status": rex.status,
        "period": rex.period or "unknown",
        "created": rex.created_at.date(),
        "updated": machine(rex.updated_at),
        "revision": rex.head,
        "digest": provenance.digest(body),
        "canonical_url": origin.get("canonical_url") or local_url,
        "source_instance": {"name": instance.name, "url": instance.url},
        "provenance": [*origin.get("chain", []), {"instance": instance.name, "url": local_url}],
        "consent_receipts": digests,
    }
    if not meta["attribution"]["names"]:
        del meta["attribution"]["names"]
    return meta


def rex_file(meta: dict[str, Any], body: str) -> bytes:
    """One REX file: ``---``, the YAML front matter, ``---``, a blank line, the Markdown."""
    head = yaml.dump(meta, Dumper=DUMPER, allow_unicode=True, sort_keys=False, width=100_000)
    return f"---\n{head}---\n\n{body}".encode()


def csv_row(rex: Rex, path: str) -> list[str]:
    kinds = sorted({c.kind for c in rex.collectivites})
    return [
        rex.uuid, rex.slug, rex.title, rex.licence_id, ";".join(rex.themes),
        ";".join(kinds), rex.created_at.date().isoformat(), machine(rex.updated_at), str(rex.head),
        path,
    ]  # fmt: skip


def _file_resource(name: str, path: str, size: int, sha: str, **extra: str) -> str:
    data = {"name": name, "path": path, **extra, "bytes": size, "hash": f"sha256:{sha}"}
    return json.dumps(data, ensure_ascii=False)


def write_folder(dest: Path) -> int:
    """Write the archive into ``dest`` (created, must not exist or be empty); how many REX."""
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise FileExistsError(f"Le dossier {dest} n'est pas vide.")
    (dest / "rex").mkdir()
    return _write(dest, lambda path, data: (dest / path).write_bytes(data))


def _write(dest: Path, put: Callable[[str, bytes], object]) -> int:
    """Write every part but the REX files into ``dest``, and give each REX file to ``put``
    (in path order); how many REX. Streams: one REX in memory at a time; resource
    descriptions are spooled to disk."""
    instance, receipts, count, latest = Instance.current(), receipt_digests, 0, None
    licences: set[str] = set()
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as spool,
        (dest / "rex.csv").open("w", encoding="utf-8", newline="") as index,
        (dest / "CREDITS.md").open("w", encoding="utf-8") as credits_md,
    ):
        rows = csv.writer(index, lineterminator="\n")
        rows.writerow(CSV_FIELDS)
        credits_md.write(archive_docs.credits_head(instance.name))
        for rex, body in public_rows():
            path = f"rex/{rex.slug}.md"
            meta = front_matter(rex, body, instance, receipts)
            data = rex_file(meta, body)
            put(path, data)
            sha = hashlib.sha256(data).hexdigest()
            spool.write(",\n    " + _file_resource(f"rex-{rex.slug}", path, len(data), sha,
                        format="md", mediatype="text/markdown", encoding="utf-8",
                        title=rex.title))  # fmt: skip
            archive_files.write(dest, rex, spool)
            rows.writerow(csv_row(rex, path))
            credits_md.write(archive_docs.credits_line(meta, path))
            licences.add(rex.licence_id)
            latest = max(latest or rex.updated_at, rex.updated_at)
            count += 1
        index.flush()
        credits_md.flush()
        used = [registry.get(lic) for lic in sorted(licences)]
        (dest / "README.md").write_text(
            archive_docs.readme(instance.name, instance.url, count, latest, used), "utf-8"
        )
        (dest / "LICENSES").mkdir()
        for lic in used:
            (dest / "LICENSES" / f"{lic.id}.txt").write_text(
                archive_docs.licence_text(lic), "utf-8"
            )
        spool.seek(0)
        _write_datapackage(dest, instance, used, spool)
    return count


def _hash_file(path: Path) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


def _write_datapackage(
    dest: Path, instance: Instance, used: list[registry.Licence], spool: IO[str]
) -> None:
    head = archive_docs.datapackage_head(instance.name, instance.url, FORMAT_VERSION, used)
    text = json.dumps(head, ensure_ascii=False, indent=2)
    assert text.endswith('"resources": []\n}')  # resources are last: streamed in below
    before = text.removesuffix("[]\n}") + "["
    resources = [json.dumps(archive_docs.csv_resource(*_hash_file(dest / "rex.csv")),
                            ensure_ascii=False)]  # fmt: skip
    for name, path in (("readme", "README.md"), ("credits", "CREDITS.md")):
        resources.append(_file_resource(name, path, *_hash_file(dest / path), format="md",
                                        mediatype="text/markdown", encoding="utf-8"))  # fmt: skip
    for lic in used:
        path = f"LICENSES/{lic.id}.txt"
        resources.append(_file_resource(f"licence-{lic.id.lower()}", path,
                                        *_hash_file(dest / path), format="txt",
                                        mediatype="text/plain", encoding="utf-8"))  # fmt: skip
    with (dest / "datapackage.json").open("w", encoding="utf-8") as out:
        out.write(before + "\n    " + ",\n    ".join(resources))
        shutil.copyfileobj(spool, out)
        out.write("\n  ]\n}\n")


def _entry(zf: zipfile.ZipFile, name: str, src: IO[bytes], size: int) -> None:
    """One deterministic entry: fixed date, mode 0644, deflate at a fixed level, no extra."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    info._compresslevel = 6  # type: ignore[attr-defined]
    with zf.open(info, "w") as dst:
        while size > 0:
            chunk = src.read(min(size, 1 << 16))
            if not chunk:
                raise OSError(f"{name} : fichier tronqué pendant l'export.")
            dst.write(chunk)
            size -= len(chunk)


def write_zip(target: Path) -> int:
    """Write the archive as a zip file at ``target``, entries sorted by path. The REX files go
    to one spool file (sequential writes, no file per REX), the other parts to a temporary
    folder next to ``target``; the zip is renamed into place when complete."""
    with (
        tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp,
        tempfile.TemporaryFile(dir=tmp) as spool,
        tempfile.TemporaryFile("w+", dir=tmp, encoding="utf-8") as index,
    ):
        stage = Path(tmp, "archive")
        stage.mkdir()

        def put(path: str, data: bytes) -> None:
            spool.write(data)
            index.write(f"{path}\t{len(data)}\n")

        count = _write(stage, put)
        spool.seek(0)
        index.seek(0)
        partial = Path(tmp, "archive.zip")
        names = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
        assert all(name < "rex/" for name in names)  # the REX files come last, in path order
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for name in names:
                with (stage / name).open("rb") as src:
                    _entry(zf, name, src, (stage / name).stat().st_size)
            for line in index:
                name, size = line.rstrip("\n").split("\t")
                _entry(zf, name, spool, int(size))
        os.replace(partial, target)
    return count
