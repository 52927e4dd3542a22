"""The shared vocabulary of themes, shipped in ``content/vocabulaires/themes.csv``: REX and groups
are about them (foundation: the rooms read it, it reads no room)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "content" / "vocabulaires" / "themes.csv"


@cache
def themes() -> dict[str, str]:
    """Theme code -> French label."""
    with PATH.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["libelle"] for row in csv.DictReader(handle)}
