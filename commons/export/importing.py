"""Import another instance's export archive (zip or folder): safety limits
(:mod:`.archive_safety`), structure against ``datapackage.json`` (every file described, sizes
and SHA-256 hashes, ``rex.csv`` columns and rows), licences, provenance; then the one REX
importer (:func:`commons.wiki.importer.import_documents`), all or nothing. Services flush
only: callers commit, or roll back on :class:`RexImportError`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from .. import audit, db
from ..accounts.models import User
from ..wiki.importer import ImportReport, RexDocument, RexImportError, import_documents
from ..wiki.importer import parse_rex_file as parse_rex
from ..wiki.models import Rex
from . import archive, archive_files
from .archive_docs import CSV_FIELDS
from .archive_safety import MAX_ERRORS, FolderSource, Limits, ZipSource, check_name

Source = ZipSource | FolderSource

REQUIRED_COLUMNS = ("uuid", "slug", "licence", "path")

audit.register_action("commons.import", "Import de communs d'une autre instance")


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"{name} : le fichier n'est pas en UTF-8 valide (octet invalide n° {exc.start})."
        raise RexImportError(message) from exc


def _package(source: Source) -> dict[str, dict[str, Any]]:
    """The resources of ``datapackage.json`` by path, checked against the archive's files."""
    names = set(source.names())
    if "datapackage.json" not in names:
        raise RexImportError("datapackage.json : fichier manquant (ce n'est pas un export).")
    try:
        package = json.loads(_text("datapackage.json", source.read("datapackage.json")))
    except json.JSONDecodeError as exc:
        raise RexImportError(f"datapackage.json : JSON illisible (ligne {exc.lineno}).") from exc
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list):
        raise RexImportError("datapackage.json : liste « resources » manquante.")
    by_path: dict[str, dict[str, Any]] = {}
    errors = []
    for n, res in enumerate(resources, 1):
        path = res.get("path") if isinstance(res, dict) else None
        if not isinstance(path, str) or check_name(path) is not None:
            errors.append(f"datapackage.json : ressource n° {n} : chemin invalide « {path} ».")
        elif path not in names:
            errors.append(f"datapackage.json : {path} est décrit mais absent de l'archive.")
        else:
            by_path[path] = res
    missing = sorted(names - set(by_path) - {"datapackage.json"})
    errors += [f"{name} : fichier absent de datapackage.json." for name in missing]
    if "rex.csv" not in by_path and "rex.csv" not in missing:
        errors.append("rex.csv : index des REX manquant.")
    if errors:
        raise RexImportError(errors[:MAX_ERRORS])
    return by_path


def _verified(source: Source, name: str, resource: dict[str, Any]) -> bytes:
    """The file's bytes, checked against the size and SHA-256 its resource declares."""
    data = source.read(name)
    declared = resource.get("hash")
    if declared is not None:
        if not isinstance(declared, str) or not declared.startswith("sha256:"):
            raise RexImportError(f"{name} : empreinte « hash » attendue au format sha256:….")
        if declared != "sha256:" + hashlib.sha256(data).hexdigest():
            raise RexImportError(f"{name} : l'empreinte ne correspond pas (fichier modifié).")
    if resource.get("bytes") not in (None, len(data)):
        raise RexImportError(f"{name} : la taille ne correspond pas à datapackage.json.")
    return data


def _index(source: Source, resource: dict[str, Any]) -> dict[str, dict[str, str]]:
    """``rex.csv`` rows by path, with the columns its schema declares."""
    fields = [f.get("name") for f in (resource.get("schema") or {}).get("fields", [])]
    text = _text("rex.csv", _verified(source, "rex.csv", resource))
    rows = list(csv.reader(text.splitlines()))
    header = rows[0] if rows else []
    if header != fields or not set(REQUIRED_COLUMNS) <= set(header):
        expected = ", ".join(CSV_FIELDS)
        raise RexImportError(
            f"rex.csv : colonnes différentes du schéma de datapackage.json (attendu : {expected})."
        )
    found: dict[str, dict[str, str]] = {}
    for n, row in enumerate(rows[1:], 2):
        data = dict(zip(header, row, strict=False))
        if len(row) != len(header) or data["path"] in found:
            raise RexImportError(f"rex.csv : ligne {n} incomplète ou en double.")
        found[data["path"]] = data
    return found


def read_archive(path: Path, limits: Limits | None = None) -> list[RexDocument]:
    """Every REX of an export archive (zip file or folder), validated; nothing is written.
    :class:`RexImportError` lists every problem found."""
    limits = limits or Limits()
    path = Path(path)
    if path.is_dir():
        source: Source = FolderSource(path, limits)
    elif path.is_file():
        source = ZipSource(path, limits)
    else:
        raise RexImportError(f"{path} : ni fichier zip ni dossier.")
    resources = _package(source)
    index = _index(source, resources["rex.csv"])
    docs, errors, names = [], [], set(source.names())
    for name in sorted(n for n in names if n.startswith("rex/")):
        row = index.get(name)
        try:
            if row is None:
                raise RexImportError(f"{name} : absent de rex.csv.")
            doc = parse_rex(_verified(source, name, resources[name]), name=name)
        except RexImportError as exc:
            errors.extend(exc.errors)
            continue
        if (doc.uuid, doc.slug, doc.licence) != (row["uuid"], row["slug"], row["licence"]):
            errors.append(f"{name} : uuid, slug ou licence différents de rex.csv.")
        if name != f"rex/{doc.slug}.md":
            errors.append(f"{name} : le nom du fichier doit être rex/{doc.slug}.md.")
        if doc.origin is None:
            errors.append(f"{name} : provenance manquante (source_instance, provenance, "
                          "canonical_url).")  # fmt: skip
        if f"LICENSES/{doc.licence}.txt" not in names:
            errors.append(f"{name} : texte de licence LICENSES/{doc.licence}.txt manquant.")
        docs.append(doc)
    errors += [f"rex.csv : {p} n'existe pas dans l'archive." for p in sorted(set(index) - names)]
    if errors:
        raise RexImportError(errors[:MAX_ERRORS])
    return docs


def _own(docs: list[RexDocument]) -> tuple[list[RexDocument], int]:
    """This instance's own export: REX it already holds are left alone (it is their source);
    the others are restored without this instance at the end of their provenance chain."""
    here = archive.Instance.current().url
    own = {d.uuid for d in docs if ((d.origin or {}).get("source") or {}).get("url") == here}
    held = {u for chunk in _chunks(sorted(own))
            for u in db.session.scalars(select(Rex.uuid).where(Rex.uuid.in_(chunk)))}  # fmt: skip
    kept = []
    for doc in docs:
        if doc.uuid in held:
            continue
        if doc.uuid in own and doc.origin is not None:
            chain = doc.origin["chain"][:-1]
            origin = {**doc.origin, "chain": chain, "source": chain[-1] if chain else None}
            doc = replace(doc, origin=origin if chain else None)
        kept.append(doc)
    return kept, len(held)


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def import_archive(actor: User | None, path: Path, limits: Limits | None = None) -> ImportReport:
    """Import an export archive, all or nothing (flush only; audit entry with the counts)."""
    docs, held = _own(read_archive(path, limits))
    report = import_documents(docs)
    report.unchanged += held
    path, limits = Path(path), limits or Limits()  # attachments, once their REX exist
    source: Source = FolderSource(path, limits) if path.is_dir() else ZipSource(path, limits)
    uuids = {d.uuid for d in docs}
    files_added = archive_files.import_files(source, _package(source), uuids)
    sources = sorted({((d.origin or {}).get("source") or {}).get("instance", "") for d in docs})
    audit.record(
        actor,
        "commons.import",
        target_type="archive",
        target_id=None,
        target_label=Path(path).name,
        detail={
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "files": files_added,
            "sources": ", ".join(sources)[:300],
        },
    )
    return report


def import_upload(actor: User, upload: FileStorage, limits: Limits) -> ImportReport:
    """Import an archive sent through the admin page (saved to a temporary folder first), all
    or nothing like :func:`import_archive`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "archive.zip"
        upload.save(path)
        return import_archive(actor, path, limits)


def summary(report: ImportReport) -> str:
    """« Import réussi : … » with the counts, for the admin page and the command line."""
    return (
        f"Import réussi : {report.created} REX créé(s), {report.updated} mis à jour, "
        f"{report.unchanged} inchangé(s)."
    )
