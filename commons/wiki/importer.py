"""REX import from the archive format (Markdown + YAML front matter): ``content/rex``, another
instance's export or a backup. Files are validated before anything is written; imports are
idempotent by uuid and flush only (callers commit, or roll back on :class:`RexImportError`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from .. import db
from ..collectivites import services as collectivites
from ..collectivites import vocab as collectivite_vocab
from ..collectivites.models import Collectivite
from ..licensing import registry
from ..pages import split_front_matter
from ..text import single_line
from . import rendering, services, vocab
from .merge import merge
from .models import Revision, Rex, SlugRedirect, Space, Status

MAX_FILE_BYTES = 1024 * 1024
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UPDATE_COMMENT = "Mise à jour depuis content/"


class RexImportError(ValueError):
    """A refused import; ``errors`` holds every French message (each names its file)."""

    def __init__(self, errors: str | list[str]) -> None:
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        head = "Import refusé, rien n'a été importé :\n- " if len(self.errors) > 1 else ""
        super().__init__(head + "\n- ".join(self.errors))


@dataclass(frozen=True)
class RexDocument:
    """One validated REX file: ``attribution`` is ``{mode, credited}``, each collectivité
    ``{name, type, departement}``; ``name`` is the file name used in messages."""

    uuid: str
    title: str
    slug: str
    summary: str
    licence: str
    attribution: dict[str, str]
    collectivites: list[dict[str, str | None]]
    themes: list[str]
    status: str
    period: str
    sources: list[str]
    created: date
    body: str
    name: str = ""


@dataclass
class ImportReport:
    """How many REX a folder import created, updated or left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _load(source: Path | str | bytes, name: str | None) -> tuple[dict[str, Any], str, str]:
    """Front matter, body and name of a path (a ``str`` without line break), bytes or text."""
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source):
        name = name or Path(source).name
        try:
            with Path(source).open("rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise RexImportError(f"{name} : fichier illisible ({exc.strerror}).") from exc
    else:
        name = name or "texte importé"
        raw = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_FILE_BYTES:
        raise RexImportError(f"{name} : le fichier dépasse la taille maximale (1 Mo).")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        message = f"{name} : le fichier n'est pas en UTF-8 valide (octet invalide n° {exc.start})."
        raise RexImportError(message) from exc
    try:
        meta, body = split_front_matter(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 2})" if mark is not None else ""
        raise RexImportError(f"{name} : en-tête YAML illisible{where}.") from exc
    if not meta:
        fix = "le fichier doit commencer par « --- », les champs du REX, puis « --- »"
        raise RexImportError(f"{name} : en-tête YAML manquant : {fix}.")
    return meta, body, name


def _collectivites(items: object, bad: Callable[[str, str], None]) -> list[dict[str, str | None]]:
    refs: list[dict[str, str | None]] = []
    for n, item in enumerate(items if isinstance(items, list) else [None], 1):
        key = f"collectivites, n° {n}"
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not 0 < len(single_line(name)) <= 200:
            bad(key, "« name » (200 caractères au plus), « type » et « departement » attendus")
            continue
        dep = item.get("departement")
        dep = f"{dep:02d}" if isinstance(dep, int) else (str(dep or "").strip().upper() or None)
        if item.get("type") not in collectivite_vocab.kinds():
            bad(key, f"type de collectivité inconnu « {item.get('type')} »")
        elif dep is not None and dep not in collectivite_vocab.departements():
            bad(key, f"département inconnu « {dep} »")
        else:
            refs.append({"name": single_line(name), "type": item["type"], "departement": dep})
    return refs


def parse_rex_file(source: Path | str | bytes, *, name: str | None = None) -> RexDocument:
    """Read and validate one REX file (a path, or its text or bytes); :class:`RexImportError`."""
    meta, body, name = _load(source, name)
    problems: list[str] = []

    def bad(key: str, message: str) -> None:
        problems.append(f"champ « {key} » : {message}")

    def text_of(key: str, limit: int, required: bool = True) -> str:
        parent, _, leaf = key.rpartition(".")  # "attribution.credited"
        data = meta.get(parent) if parent else meta
        raw = data.get(leaf) if isinstance(data, dict) else None
        value = single_line(str(raw)) if isinstance(raw, str | int | float) else ""
        if (required and not value) or len(value) > limit:
            bad(key, f"texte {'obligatoire ' if required else ''}de {limit} caractères au plus")
        return value

    def texts(key: str) -> list[str]:
        value = meta.get(key, [])
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return [single_line(v) for v in value]
        bad(key, "liste de textes attendue")
        return []

    uuid = str(meta.get("uuid", "")).lower()
    if not UUID_RE.fullmatch(uuid):
        bad("uuid", f"identifiant UUID invalide « {meta.get('uuid')} »")
    slug = str(meta.get("slug", ""))
    if not SLUG_RE.fullmatch(slug) or len(slug) > 100:
        bad("slug", f"« {slug} » n'est pas en minuscules ASCII séparées par des tirets")
    title, summary = text_of("title", services.MAX_TITLE), text_of("summary", 1000, False)
    credit = {k: text_of(f"attribution.{k}", n) for k, n in (("mode", 40), ("credited", 200))}
    licence = str(meta.get("licence"))
    if licence not in registry.licences():
        bad("licence", f"licence inconnue « {licence} »")
    elif not registry.get(licence).open:
        bad("licence", f"« {licence} » n'est pas une licence ouverte")
    themes = texts("themes")
    if unknown := [theme for theme in themes if theme not in vocab.themes()]:
        bad("themes", f"thème inconnu « {', '.join(unknown)} »")
    status, period = str(meta.get("status")), text_of("period", 100, False)
    if status not in {s.value for s in Status}:
        bad("status", f"statut inconnu « {status} »")
    created = meta.get("created")
    created = created.date() if isinstance(created, datetime) else created
    if not isinstance(created, date):
        bad("created", "date AAAA-MM-JJ attendue (sans guillemets)")
    try:
        body = services.check_body(body)
    except services.RexError as exc:
        problems.append(f"corps du REX : {exc}")
    if not body.strip():
        problems.append("corps du REX : texte vide après l'en-tête")
    refs, sources = _collectivites(meta.get("collectivites") or [], bad), texts("sources")
    if problems:
        raise RexImportError(f"{name} : " + " ; ".join(problems) + ".")
    return RexDocument(
        uuid, title, slug, summary, licence, credit, refs, themes, status,
        "" if period == "unknown" else period, sources, created, body, name,
    )  # fmt: skip


def _conflicts(doc: RexDocument) -> list[str]:
    """Why ``doc`` cannot be written over what the database holds (empty when it can)."""
    problems = []
    owner = db.session.scalar(select(Rex.uuid).where(Rex.slug == doc.slug))
    if owner is None and (redirect := db.session.get(SlugRedirect, doc.slug)) is not None:
        owner = db.session.scalar(select(Rex.uuid).where(Rex.id == redirect.rex_id))
    if owner is not None and owner != doc.uuid:
        problems.append(f"champ « slug » : « {doc.slug} » est déjà pris par un autre REX ({owner})")
    space = db.session.scalar(select(Rex.space).where(Rex.uuid == doc.uuid))
    if space not in (None, Space.PUBLIC.value):
        problems.append("champ « uuid » : un REX non public porte déjà cet identifiant")
    return [f"{doc.name} : " + " ; ".join(problems) + "."] if problems else []


def _last_imported(rex: Rex) -> Revision:
    """The newest revision written by an import (no local account)."""
    found = db.session.scalar(
        select(Revision)
        .where(Revision.rex_id == rex.id, Revision.author_id.is_(None))
        .order_by(Revision.number.desc())
        .limit(1)
    )
    return found or services.revision(rex, 1)


def _update(rex: Rex, doc: RexDocument, collectivites_: list[Collectivite]) -> bool:
    """Bring an existing REX in line with its file; whether anything changed.

    Local edits are never lost: the file is compared with the last *imported* text, and a new
    file text is merged three-way with the local head (an overlapping change keeps the local text).
    """
    imported, head = _last_imported(rex), services.revision(rex, rex.head)
    changed = False
    if doc.body != imported.source:
        body = doc.body
        if head.number != imported.number:
            result = merge(imported.source, head.source, doc.body)
            body = head.source if result.conflicts else result.text
        if body != head.source:
            credited = doc.attribution["credited"]
            services.add_revision(rex, None, rex.title, body, UPDATE_COMMENT, credited)
            changed = True
    if {c.id for c in rex.collectivites} != {c.id for c in collectivites_}:
        rex.collectivites, changed = collectivites_, True
    attrs = ["summary", "themes", "status", "period", "licence_id"]
    if doc.title != imported.title and rex.title == imported.title:  # not renamed locally
        attrs.append("title")
    for attr in attrs:
        if getattr(rex, attr) != (value := getattr(doc, attr.removesuffix("_id"))):
            setattr(rex, attr, value)
            changed = True
    if rex.created_at.date() != doc.created:
        rex.created_at, changed = datetime.combine(doc.created, time(), tzinfo=UTC), True
    if changed:
        rex.updated_at = db.utcnow()
    return changed


def _import(doc: RexDocument, provenance: str) -> tuple[Rex, str]:
    """Create or update one REX: ``created``, ``updated`` or ``unchanged``."""
    if errors := _conflicts(doc):
        raise RexImportError(errors)
    found = []
    for ref in doc.collectivites:
        name, kind, dep = str(ref["name"]), str(ref["type"]), ref["departement"]
        same = collectivites.find_same(name, kind, dep)
        found.append(same or collectivites.create(name=name, kind=kind, departement_code=dep))
    found = list(dict.fromkeys(found))  # the same collectivité named twice
    rex = db.session.scalar(select(Rex).where(Rex.uuid == doc.uuid))
    if rex is not None:
        return rex, "updated" if _update(rex, doc, found) else "unchanged"
    rex = services.create_rex(
        None,
        title=doc.title,
        body=doc.body,
        space=Space.PUBLIC.value,
        licence_id=doc.licence,
        themes=doc.themes,
        status=doc.status,
        period=doc.period,
        summary=doc.summary,
        collectivite_ids=[c.id for c in found],
        uuid=doc.uuid,
        slug=doc.slug,
        author_name=doc.attribution["credited"],
        comment="Import",
    )
    rex.created_at = datetime.combine(doc.created, time(), tzinfo=UTC)
    rex.provenance = provenance[:300]
    return rex, "created"


def import_rex(doc: RexDocument, *, provenance: str = "") -> tuple[Rex, bool]:
    """Create or update the REX of ``doc`` (idempotent by uuid: a changed text adds one revision,
    metadata follows the file, an identical file changes nothing); whether it was created."""
    rex, outcome = _import(doc, provenance)
    db.session.flush()
    return rex, outcome == "created"


def import_folder(path: Path, *, provenance: str = "") -> ImportReport:
    """Import every ``*.md`` REX of ``path`` but ``README.md``, all or nothing: every file is
    checked first (one :class:`RexImportError` lists all problems, nothing written), then imported
    and rendered again once all exist, so wikilinks between them resolve. Flushes only."""
    docs, errors, seen = [], [], {}
    for file in sorted(f for f in Path(path).glob("*.md") if f.name != "README.md"):
        try:
            docs.append(parse_rex_file(file))
        except RexImportError as exc:
            errors.extend(exc.errors)
    for doc in docs:
        for key in ("uuid", "slug"):
            if (where := seen.setdefault((key, getattr(doc, key)), doc.name)) != doc.name:
                errors.append(f"{doc.name} : champ « {key} » : déjà utilisé par {where}.")
        errors.extend(_conflicts(doc))
    if errors:
        raise RexImportError(errors)
    report = ImportReport()
    imported = [_import(doc, provenance) for doc in docs]
    for rex, outcome in imported:
        setattr(report, outcome, getattr(report, outcome) + 1)
        head = services.revision(rex, rex.head)  # wikilinks to REX imported after this one
        html = rendering.render(rex, head.source)
        for target in (head, rex):
            if target.html != html:
                target.html = html
    db.session.flush()
    return report
