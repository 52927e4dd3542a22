"""Collectivité services: validation against official vocabularies, creation and proposals."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from .. import db, errors
from ..text import single_line, slugify
from . import vocab
from .models import Collectivite


class CollectiviteError(errors.Refused):
    """A refused collectivité, with a French message."""


def siren_is_valid(siren: str) -> bool:
    """Nine digits passing the Luhn checksum (La Poste's SIREN 356000000 is the known exception)."""
    if not re.fullmatch(r"\d{9}", siren):
        return False
    if siren == "356000000":
        return True
    total = 0
    for index, char in enumerate(reversed(siren)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def normalise_siren(raw: str | None) -> str | None:
    """Strip spaces from a SIREN; ``None`` when empty."""
    value = re.sub(r"[\s.]", "", raw or "")
    return value or None


def check_fields(
    *,
    name: str,
    kind: str,
    departement_code: str | None,
    siren: str | None,
    population_band: str | None,
) -> None:
    """Raise :class:`CollectiviteError` when a field is outside the official vocabularies."""
    if not name or len(name) > 200:
        raise CollectiviteError(
            "Le nom de la collectivité est obligatoire (200 caractères au plus)."
        )
    if kind not in vocab.kinds():
        raise CollectiviteError("Type de collectivité inconnu.")
    if departement_code and departement_code not in vocab.departements():
        raise CollectiviteError(f"Département inconnu : {departement_code}.")
    if siren is not None and not siren_is_valid(siren):
        raise CollectiviteError(
            "Le numéro SIREN doit comporter 9 chiffres et être valide (clé de contrôle incorrecte)."
        )
    if population_band and population_band not in vocab.population_bands():
        raise CollectiviteError("Tranche de population inconnue.")


def _unique_slug(name: str, departement_code: str | None) -> str:
    base = slugify(f"{name} {departement_code or ''}", max_length=200) or "collectivite"
    slug, n = base, 1
    while db.session.scalar(select(Collectivite.id).where(Collectivite.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def find_same(name: str, kind: str, departement_code: str | None) -> Collectivite | None:
    """An existing collectivité with the same name (case-insensitive), type and département."""
    return db.session.scalar(
        select(Collectivite).where(
            func.lower(Collectivite.name) == name.lower(),
            Collectivite.kind == kind,
            Collectivite.departement_code.is_(None)
            if not departement_code
            else Collectivite.departement_code == departement_code,
        )
    )


def create(
    *,
    name: str,
    kind: str,
    departement_code: str | None = None,
    siren: str | None = None,
    population_band: str | None = None,
    validated: bool = True,
    proposed_by_id: int | None = None,
    description: str = "",
) -> Collectivite:
    """Create a collectivité after checking its fields (flush); ``description`` holds the
    editorial notes that do not belong in its official name."""
    name = single_line(name)
    siren = normalise_siren(siren)
    departement_code = (departement_code or "").strip().upper() or None
    check_fields(
        name=name,
        kind=kind,
        departement_code=departement_code,
        siren=siren,
        population_band=population_band,
    )
    if siren and db.session.scalar(select(Collectivite.id).where(Collectivite.siren == siren)):
        raise CollectiviteError("Une collectivité avec ce numéro SIREN existe déjà.")
    region = None
    if kind == "region" and departement_code is None:
        region = None
    elif departement_code:
        region = vocab.departements()[departement_code].region_code
    collectivite = Collectivite(
        name=name,
        slug=_unique_slug(name, departement_code),
        kind=kind,
        departement_code=departement_code,
        region_code=region,
        siren=siren,
        population_band=population_band or None,
        validated=validated,
        proposed_by_id=proposed_by_id,
        description=(description or "").strip(),
    )
    db.session.add(collectivite)
    db.session.flush()
    return collectivite


def propose(*, name: str, kind: str, departement_code: str | None) -> Collectivite:
    """A new collectivité proposed at registration: reuses an identical one, else creates it
    unvalidated (an administrator reviews it)."""
    name = single_line(name)
    existing = find_same(name, kind, (departement_code or "").upper() or None)
    if existing is not None:
        return existing
    return create(name=name, kind=kind, departement_code=departement_code, validated=False)


def choices() -> list[tuple[int, str]]:
    """Validated collectivités for pickers: (id, "Nom (département)")."""
    rows = db.session.execute(
        select(Collectivite.id, Collectivite.name, Collectivite.departement_code)
        .where(Collectivite.validated.is_(True))
        .order_by(Collectivite.name)
    ).all()
    return [
        (row.id, f"{row.name} ({row.departement_code})" if row.departement_code else row.name)
        for row in rows
    ]
