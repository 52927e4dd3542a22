"""Official vocabularies shipped in ``content/vocabulaires``: régions, départements, types, bands.

Read once per process (they change with a release, not at run time).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content" / "vocabulaires"


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region_code: str


def _rows(name: str) -> list[dict[str, str]]:
    with (CONTENT_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def regions() -> dict[str, str]:
    """Région code -> name."""
    return {row["code"]: row["nom"] for row in _rows("regions.csv")}


@cache
def departements() -> dict[str, Departement]:
    """Département code -> département."""
    return {
        row["code"]: Departement(row["code"], row["nom"], row["region"])
        for row in _rows("departements.csv")
    }


@cache
def kinds() -> dict[str, str]:
    """Type code -> French label."""
    return {row["code"]: row["libelle"] for row in _rows("types_collectivite.csv")}


@cache
def population_bands() -> dict[str, str]:
    """Population band code -> French label."""
    return {row["code"]: row["libelle"] for row in _rows("tranches_population.csv")}


def kind_options() -> list[tuple[str, str]]:
    """The kinds for a form's select, after an empty choice."""
    return [("", "—"), *kinds().items()]


def departement_options() -> list[tuple[str, str]]:
    """The départements (« 35 — Ille-et-Vilaine ») for a form's select, after an empty choice."""
    return [("", "—")] + [(code, f"{code} — {d.name}") for code, d in departements().items()]
