"""Who is credited for a REX, and how (the one place that answers it for pages and exports).

* ``named``: the contributors' names, most active first (derived live from the revisions,
  unless ``Rex.credits`` froze them at publication or import);
* ``chatham``: no names, a description per contributor ("un·e <métier> d'une <type de
  collectivité> de <région>"), frozen in ``Rex.credits`` at publication;
* ``group``: credited to the peer group, frozen in ``Rex.credits``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Rex

MODES: dict[str, str] = {
    "named": "Contributeur·rices nommé·es",
    "chatham": "Règle de Chatham House (sans noms)",
    "group": "Crédité au groupe",
}


@dataclass(frozen=True)
class Credit:
    """One credited party: ``name`` as shown, ``role`` optional (e.g. ``"group"``)."""

    name: str
    role: str = ""


def credits(rex: Rex) -> list[Credit]:
    """The credits shown on the page, in feeds, JSON-LD and exports."""
    if rex.credits is not None:
        return [Credit(c.get("name", ""), c.get("role", "")) for c in rex.credits if c.get("name")]
    from .services import contributors

    return [Credit(name) for name, _count in contributors(rex)]


def credit_line(rex: Rex) -> str:
    """Credits as one French line (``"A, B et C"``)."""
    names = [c.name for c in credits(rex)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " et " + names[-1]
