"""The licence registry: one Markdown file per licence in ``content/licences``.

Each file is named after the licence's SPDX identifier (``content/licences/CC-BY-4.0.md``) and has a
YAML front matter describing the licence; its body is a short French summary, rendered once to
sanitised HTML. The registry is read once per process: licences change with a release, not at run
time. Loading is strict (missing or mistyped fields, a file name that differs from its ``id`` or
anything but exactly one default licence raise ``RegistryError``) so that a broken content folder
fails at start-up rather than on some page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markupsafe import Markup

from .. import errors
from ..frontmatter import split_front_matter
from ..markup import render_markdown

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content" / "licences"

_STRING_FIELDS = ("id", "name", "short_name", "url", "legal_code_url")
_BOOL_FIELDS = ("open", "requires_attribution", "share_alike", "default")


class LicenceError(errors.Refused):
    """A licence operation that is refused; the message is French and can be shown as is."""


class UnknownLicence(LicenceError):
    """An identifier that is not in the registry."""

    def __init__(self, licence_id: object) -> None:
        super().__init__(f"Licence inconnue : « {licence_id} ».")
        self.licence_id = licence_id


class RegistryError(ValueError):
    """The content folder does not describe a valid registry."""


@dataclass(frozen=True)
class Licence:
    """A licence a REX can be published under.

    ``open`` means open in the sense of the Open Definition (reuse, modification and
    redistribution by anyone, for any purpose). ``requires_attribution`` and ``share_alike`` are
    the two conditions the compatibility rules (``commons.licensing.compat``) reason about.
    """

    id: str
    name: str
    short_name: str
    url: str
    legal_code_url: str
    open: bool
    requires_attribution: bool
    share_alike: bool
    default: bool
    order: int
    summary_html: Markup

    @property
    def public_domain(self) -> bool:
        """Whether this is a public-domain dedication (no condition at all, like CC0)."""
        return not self.requires_attribution and not self.share_alike


def _parse(path: Path) -> Licence:
    """Read one licence file; raise ``RegistryError`` naming the file on any problem."""
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    problems: list[str] = []
    for key in _STRING_FIELDS:
        if not isinstance(meta.get(key), str) or not str(meta[key]).strip():
            problems.append(f"« {key} » doit être un texte non vide")
    for key in _BOOL_FIELDS:
        if not isinstance(meta.get(key), bool):
            problems.append(f"« {key} » doit valoir true ou false")
    order = meta.get("order")
    if not isinstance(order, int) or isinstance(order, bool):
        problems.append("« order » doit être un entier")
    if not problems and meta["id"] != path.stem:
        problems.append(f"l'identifiant « {meta['id']} » diffère du nom du fichier")
    if not problems and meta["share_alike"] and not meta["requires_attribution"]:
        problems.append("une licence de partage à l'identique doit exiger l'attribution")
    if not body.strip():
        problems.append("le résumé est vide")
    if problems:
        raise RegistryError(f"{path.name} : " + " ; ".join(problems) + ".")
    assert isinstance(order, int)
    return Licence(
        id=str(meta["id"]),
        name=str(meta["name"]),
        short_name=str(meta["short_name"]),
        url=str(meta["url"]),
        legal_code_url=str(meta["legal_code_url"]),
        open=bool(meta["open"]),
        requires_attribution=bool(meta["requires_attribution"]),
        share_alike=bool(meta["share_alike"]),
        default=bool(meta["default"]),
        order=order,
        summary_html=render_markdown(body),
    )


def load_licences(directory: Path) -> dict[str, Licence]:
    """Read every ``*.md`` licence of ``directory``, ordered by ``order`` then id.

    Uncached: ``licences()`` is the per-process view of the shipped content; this function is for
    importers and tests that read another folder.
    """
    parsed = sorted(
        (_parse(path) for path in directory.glob("*.md")), key=lambda lic: (lic.order, lic.id)
    )
    if not parsed:
        raise RegistryError(f"Aucune licence dans {directory}.")
    defaults = [lic.id for lic in parsed if lic.default]
    if len(defaults) != 1:
        raise RegistryError(
            f"Il faut exactement une licence par défaut, il y en a {len(defaults)} "
            f"({', '.join(defaults) or 'aucune'})."
        )
    default = next(lic for lic in parsed if lic.default)
    if not default.open:
        raise RegistryError(f"La licence par défaut « {default.id} » doit être ouverte.")
    return {lic.id: lic for lic in parsed}


@cache
def licences() -> dict[str, Licence]:
    """All licences of ``content/licences``, by SPDX id, in display order (read once)."""
    return load_licences(CONTENT_DIR)


def get(licence_id: str) -> Licence:
    """The licence with this SPDX id (exact spelling); ``UnknownLicence`` if there is none."""
    try:
        return licences()[licence_id]
    except (KeyError, TypeError):
        raise UnknownLicence(licence_id) from None


def default_licence() -> Licence:
    """The licence proposed for a new REX (the Licence Ouverte 2.0 in the shipped content)."""
    return next(lic for lic in licences().values() if lic.default)


def open_licences() -> list[Licence]:
    """The open licences, in display order."""
    return [lic for lic in licences().values() if lic.open]


def choices(ids: list[str] | None = None) -> list[tuple[str, str]]:
    """``(id, name)`` pairs for a select field, in display order.

    By default the open licences (Commons publishes nothing else); pass ``ids`` (e.g. the result
    of ``allowed_for_derivative``) to offer only those, still in display order.
    """
    if ids is None:
        chosen = open_licences()
    else:
        wanted = {get(licence_id).id for licence_id in ids}
        chosen = [lic for lic in licences().values() if lic.id in wanted]
    return [(lic.id, lic.name) for lic in chosen]
