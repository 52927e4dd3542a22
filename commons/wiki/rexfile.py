"""Reading one REX file of the archive format (Markdown + YAML front matter): ``content/rex``,
another instance's export or a backup. Validation only, no database writes; the importer
(:mod:`.importer`) writes what this reads."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .. import errors
from ..collectivites import vocab as collectivite_vocab
from ..frontmatter import FrontMatterError, split_front_matter
from ..licensing import registry
from ..text import single_line
from . import provenance, services, vocab
from .models import Status

MAX_FILE_BYTES = 1024 * 1024
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class RexImportError(errors.Refused):
    """A refused import; ``errors`` holds every French message (each names its file)."""

    def __init__(self, errors: str | list[str]) -> None:
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        head = "Import refusé, rien n'a été importé :\n- " if len(self.errors) > 1 else ""
        super().__init__(head + "\n- ".join(self.errors))


@dataclass(frozen=True)
class RexDocument:
    """One validated REX file: ``attribution`` is ``{mode, credited}``, each collectivité
    ``{name, type, departement}``; ``name`` is the file name used in messages; ``credits`` the
    credited names, ``origin`` what an export says of its provenance (:mod:`.provenance`)."""

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
    credits: list[dict[str, str]] = field(default_factory=list)
    origin: dict[str, Any] | None = None


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
    except FrontMatterError as exc:
        raise RexImportError(f"{name} : en-tête YAML refusé : {exc}.") from exc
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
        elif not isinstance(item.get("description") or "", str):
            bad(key, "« description » attendue sous forme de texte")
        else:
            ref = {"name": single_line(name), "type": item["type"], "departement": dep}
            if note := str(item.get("description") or "").strip()[:2000]:
                ref["description"] = note  # editorial notes: never in the name
            refs.append(ref)
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
    credit = {k: text_of(f"attribution.{k}", n) for k, n in (("mode", 40), ("credited", 1000))}
    names = provenance.credits(meta, credit["mode"], credit["credited"], bad)
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
    if not body.strip() and "digest" not in meta:  # an export may hold a REX with no text yet
        problems.append("corps du REX : texte vide après l'en-tête")
    refs, sources = _collectivites(meta.get("collectivites") or [], bad), texts("sources")
    origin = provenance.origin(meta, body, bad)
    if problems:
        raise RexImportError(f"{name} : " + " ; ".join(problems) + ".")
    assert isinstance(created, date)  # else ``bad`` recorded a problem above
    return RexDocument(
        uuid, title, slug, summary, licence, credit, refs, themes, status,
        "" if period == "unknown" else period, sources, created, body, name, names, origin,
    )  # fmt: skip
