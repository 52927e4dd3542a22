"""The description of a REX beside its text (summary, collectivités, themes, status, period,
budget, team size): its values as the editor shows them, and their change, merged three-way
with concurrent changes like the title (see :func:`commons.wiki.services.save`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..collectivites.models import Collectivite
from ..text import single_line
from .models import Event, Rex

#: The described fields, in the editor's order, with their French names (history, conflicts).
LABELS = {
    "summary": "Résumé",
    "collectivites": "Collectivités concernées",
    "themes": "Thèmes",
    "status": "Avancement du projet",
    "period": "Période",
    "budget": "Budget",
    "team_size": "Taille de l'équipe",
}


def values(rex: Rex) -> dict[str, Any]:
    """The described fields of a REX, comparable with what an edit form posts."""
    return {
        "summary": rex.summary,
        "collectivites": sorted(c.id for c in rex.collectivites),
        "themes": list(rex.themes or []),
        "status": rex.status,
        "period": rex.period,
        "budget": rex.budget,
        "team_size": rex.team_size,
    }


def normalise(posted: dict[str, Any]) -> dict[str, Any]:
    """Posted values in the form of :func:`values` (single lines, lengths, sorted ids)."""
    ids = {int(i) for i in posted.get("collectivites") or [] if str(i).isdigit()}
    return {
        "summary": single_line(posted.get("summary") or "")[:1000],
        "collectivites": sorted(ids),
        "themes": list(dict.fromkeys(posted.get("themes") or [])),
        "status": posted.get("status") or "",
        "period": single_line(posted.get("period") or "")[:100],
        "budget": single_line(posted.get("budget") or "")[:100],
        "team_size": posted.get("team_size"),
    }


def apply(actor: User, rex: Rex, wanted: dict[str, Any]) -> list[str]:
    """Set the described fields that differ (values already checked); one history event names
    them. Returns the names of the changed fields."""
    before = values(rex)
    changed = [name for name in LABELS if name in wanted and wanted[name] != before[name]]
    for name in changed:
        if name == "collectivites":
            rex.collectivites = list(
                db.session.scalars(select(Collectivite).where(Collectivite.id.in_(wanted[name])))
            )
        else:
            setattr(rex, name, wanted[name])
    if changed:
        fields = ", ".join(LABELS[name].lower() for name in changed)
        db.session.add(
            Event(rex_id=rex.id, kind="description", actor_id=actor.id, detail={"fields": fields})
        )
        db.session.flush()
    return changed
