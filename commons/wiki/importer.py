"""REX import from the archive format (Markdown + YAML front matter): ``content/rex``, another
instance's export or a backup. Files are validated (:mod:`.rexfile`) before anything is written;
imports are idempotent by uuid and flush only (callers commit, or roll back on
:class:`RexImportError`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .. import db
from ..collectivites import services as collectivites
from ..collectivites.models import Collectivite
from ..licensing import compat, registry
from . import rendering, services
from .merge import merge
from .models import Revision, Rex, SlugRedirect, Space
from .rexfile import MAX_FILE_BYTES, RexDocument, RexImportError, parse_rex_file

__all__ = [
    "MAX_FILE_BYTES",
    "ImportReport",
    "RexDocument",
    "RexImportError",
    "import_documents",
    "import_folder",
    "import_rex",
    "parse_rex_file",
]
UPDATE_COMMENT = "Mise à jour depuis content/"


@dataclass
class ImportReport:
    """How many REX a folder import created, updated or left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _conflicts(doc: RexDocument) -> list[str]:
    """Why ``doc`` cannot be written over what the database holds (empty when it can)."""
    problems = []
    owner = db.session.scalar(select(Rex.uuid).where(Rex.slug == doc.slug))
    if owner is None and (redirect := db.session.get(SlugRedirect, doc.slug)) is not None:
        owner = db.session.scalar(select(Rex.uuid).where(Rex.id == redirect.rex_id))
    if owner is not None and owner != doc.uuid:
        problems.append(f"champ « slug » : « {doc.slug} » est déjà pris par un autre REX ({owner})")
    rex = db.session.scalar(select(Rex).where(Rex.uuid == doc.uuid))
    if rex is not None and rex.space != Space.PUBLIC.value:
        problems.append("champ « uuid » : un REX non public porte déjà cet identifiant")
    elif rex is not None:
        problems.extend(_overwrite_refusals(rex, doc))
    return [f"{doc.name} : " + " ; ".join(problems) + "."] if problems else []


def _root(origin: dict[str, Any] | None) -> str | None:
    """Where a REX was first written: the first step of its provenance chain (its address
    there), else its canonical address; ``None`` for a REX with no recorded origin."""
    if not origin:
        return None
    chain = origin.get("chain") or []
    first = chain[0] if chain and isinstance(chain[0], dict) else {}
    return str(first.get("url") or origin.get("canonical_url") or "") or None


#: Attribution modes from the most to the least protective of people's names.
_NAMES_SHOWN = {"group": 0, "chatham": 0, "named": 1}


def _overwrite_refusals(rex: Rex, doc: RexDocument) -> list[str]:
    """Why a file may not update the public REX ``rex`` that bears its uuid (empty: it may).

    Imports add, they never overwrite local work: a file updates only a REX that came from the
    same origin (the first step of the recorded provenance chain, or, for ``content/``, a REX
    shipped with no origin and no local author), never a frozen copy published by consent, never
    towards a more permissive licence, never towards showing names that were withheld."""
    if rex.frozen:
        return [
            "ce REX est une copie publiée ici avec l'accord de ses contributeur·rices : son texte, "
            "sa licence et ses crédits sont figés, aucune archive ne peut les modifier"
        ]
    here, there = _root(rex.origin), _root(doc.origin)
    if here is None and (rex.created_by_id is not None or there is not None):
        return [
            "un REX écrit sur cette instance porte déjà cet identifiant : une archive ne peut "
            "pas le remplacer (importez-le sous un autre uuid et un autre slug)"
        ]
    if here != there:
        return [
            f"ce REX vient d'une autre origine ({here or 'cette instance'}) que le fichier "
            f"({there or 'sans provenance'}) : seule sa propre origine peut le mettre à jour"
        ]
    problems = []
    if doc.licence != rex.licence_id:
        try:
            ok = compat.can_relicense(rex.licence_id, doc.licence, other_contributors=True)
        except registry.UnknownLicence:
            ok = False
        if not ok:
            problems.append(
                f"champ « licence » : le REX est sous {rex.licence_id} ici ; passer à "
                f"{doc.licence} reprendrait des droits déjà accordés (licence plus permissive)"
            )
    mode = doc.attribution["mode"] or "named"
    if _NAMES_SHOWN.get(mode, 1) > _NAMES_SHOWN.get(rex.attribution_mode, 1):
        problems.append(
            "champ « attribution » : les noms des contributeur·rices ne sont pas publiés ici ; "
            "une archive ne peut pas les faire apparaître"
        )
    return problems


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
            credited = doc.attribution["credited"][:200]
            services.add_revision(rex, None, rex.title, body, UPDATE_COMMENT, credited)
            changed = True
    if {c.id for c in rex.collectivites} != {c.id for c in collectivites_}:
        rex.collectivites, changed = collectivites_, True
    attrs = ["summary", "themes", "status", "period", "licence_id"]
    if rex.created_by_id is None:  # imported: credits and provenance follow the file
        attrs += ["credits", "origin", "attribution_mode", "provenance"]
    if doc.title != imported.title and rex.title == imported.title:  # not renamed locally
        attrs.append("title")
    for attr in attrs:
        if getattr(rex, attr) != (value := _value(doc, attr)):
            setattr(rex, attr, value)
            changed = True
    if rex.created_at.date() != doc.created:
        rex.created_at, changed = datetime.combine(doc.created, time(), tzinfo=UTC), True
    if changed:
        rex.updated_at = db.utcnow()
    return changed


def _value(doc: RexDocument, attr: str) -> Any:
    """The value of a ``Rex`` attribute according to ``doc``."""
    if attr == "attribution_mode":
        return doc.attribution["mode"] or "named"
    if attr == "provenance":
        return ((doc.origin or {}).get("source") or {}).get("instance", "")[:300]
    return getattr(doc, attr.removesuffix("_id"))


def _older(rex: Rex, doc: RexDocument) -> bool:
    """Whether ``doc`` comes from an export older than the one ``rex`` was imported from."""
    before, now = rex.origin or {}, doc.origin or {}
    if not before.get("updated") or not now.get("updated"):
        return False
    key = ("updated", "revision")
    return tuple(now.get(k) or 0 for k in key) < tuple(before.get(k) or 0 for k in key)


def _import(doc: RexDocument, provenance: str, checked: bool = False) -> tuple[Rex, str]:
    """Create or update one REX: ``created``, ``updated`` or ``unchanged`` (an older export of
    an imported REX changes nothing). ``checked``: :func:`_conflicts` already said yes."""
    if not checked and (errors := _conflicts(doc)):
        raise RexImportError(errors)
    found = []
    for ref in doc.collectivites:
        name, kind, dep = str(ref["name"]), str(ref["type"]), ref["departement"]
        note = str(ref.get("description") or "")
        same = collectivites.find_same(name, kind, dep)
        if same is not None and note and not same.description:
            same.description = note  # a description already written here is kept
        found.append(
            same
            or collectivites.create(name=name, kind=kind, departement_code=dep, description=note)
        )
    found = list(dict.fromkeys(found))  # the same collectivité named twice
    rex = db.session.scalar(select(Rex).where(Rex.uuid == doc.uuid))
    if rex is not None:
        if _older(rex, doc):
            return rex, "unchanged"
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
        author_name=doc.attribution["credited"][:200],
        comment="Import",
    )
    rex.created_at = datetime.combine(doc.created, time(), tzinfo=UTC)
    rex.credits, rex.origin = doc.credits, doc.origin
    rex.attribution_mode = _value(doc, "attribution_mode")
    rex.provenance = _value(doc, "provenance") or provenance[:300]
    return rex, "created"


def import_rex(doc: RexDocument, *, provenance: str = "") -> tuple[Rex, bool]:
    """Create or update the REX of ``doc`` (idempotent by uuid: a changed text adds one revision,
    metadata follows the file, an identical file changes nothing); whether it was created."""
    rex, outcome = _import(doc, provenance)
    db.session.flush()
    return rex, outcome == "created"


def import_folder(path: Path, *, provenance: str = "") -> ImportReport:
    """Import every ``*.md`` REX of ``path`` but ``README.md``, all or nothing (see
    :func:`import_documents`)."""
    docs, errors = [], []
    for file in sorted(f for f in Path(path).glob("*.md") if f.name != "README.md"):
        try:
            docs.append(parse_rex_file(file))
        except RexImportError as exc:
            errors.extend(exc.errors)
    return import_documents(docs, provenance=provenance, errors=errors)


def import_documents(
    docs: list[RexDocument], *, provenance: str = "", errors: list[str] | None = None
) -> ImportReport:
    """Import parsed REX files, all or nothing: every document is checked first (one
    :class:`RexImportError` lists all problems with ``errors`` found by the caller, nothing
    written), then imported and rendered again once all exist, so wikilinks between them
    resolve. The one import path of ``content/``, archives and folders. Flushes only."""
    errors = list(errors or [])
    seen: dict[tuple[str, str], str] = {}
    for doc in docs:
        for key in ("uuid", "slug"):
            if (where := seen.setdefault((key, getattr(doc, key)), doc.name)) != doc.name:
                errors.append(f"{doc.name} : champ « {key} » : déjà utilisé par {where}.")
        errors.extend(_conflicts(doc))
    if errors:
        raise RexImportError(errors)
    report = ImportReport()
    imported = [_import(doc, provenance, checked=True) for doc in docs]
    for doc, (rex, outcome) in zip(docs, imported, strict=True):
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "created" and "[[" not in doc.body:
            continue  # no wikilink: the HTML rendered at creation is final
        head = services.revision(rex, rex.head)  # wikilinks to REX imported after this one
        html = rendering.render(rex, head.source)
        for target in (head, rex):
            if target.html != html:
                target.html = html
    db.session.flush()
    return report
