"""What a public copy carries besides its text, credits and files: the collectivités it names
and the project's facts (both shown in the consent preview and covered by its digest)."""

from __future__ import annotations

from ..collectivites.models import Collectivite
from ..wiki.models import STATUS_LABELS, Rex


def collectivites_of(rex: Rex, mode: str) -> tuple[list[Collectivite], list[Collectivite]]:
    """The collectivités a public copy names, and those it leaves out. They describe the
    project, so a named or group copy keeps them (validated ones: a name someone proposed and
    nobody checked is not published). Under the Chatham House rule a copy names none: the
    charter promises neither identity nor affiliation, and in a small group « Département de
    la Gironde » next to « un·e cheffe de projet données » names the person."""
    known = sorted((c for c in rex.collectivites if c.validated), key=lambda c: (c.name, c.id))
    return ([], known) if mode == "chatham" else (known, [])


def facts_of(rex: Rex) -> dict[str, str]:
    """The project's facts a public copy carries (publication copies them), by French name,
    as people read them; empty ones are left out. Covered by the digest: a budget or a team
    size is the group's to give, so changing one after a consent asks again."""
    statuses = {status.value: label for status, label in STATUS_LABELS.items()}
    values = {
        "Statut": statuses.get(rex.status, rex.status) if rex.status else "",
        "Période": rex.period or "",
        "Budget": rex.budget or "",
        "Taille de l'équipe": str(rex.team_size) if rex.team_size else "",
    }
    return {name: value for name, value in values.items() if value}
