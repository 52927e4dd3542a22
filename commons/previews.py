"""Markdown previews for editors: the same size limit as saving, and a per-person throttle held
in the database (rendering is the costliest thing a visitor can ask for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from markupsafe import Markup

from .markup import MAX_SOURCE_BYTES, render_markdown, structure_problem
from .security import hit

BUCKET = "preview"
TOO_LARGE = (
    f"Le texte dépasse la taille maximale ({MAX_SOURCE_BYTES // 1024} Ko) : l'aperçu n'est pas "
    "affiché. Raccourcissez-le ; votre texte est conservé ci-dessous."
)
THROTTLED = (
    "Vous avez demandé beaucoup d'aperçus en peu de temps : patientez une minute avant le "
    "suivant. Votre texte est conservé ci-dessous."
)


@dataclass(frozen=True)
class Preview:
    """A rendered preview, or the French reason there is none and the status to answer."""

    html: Markup | None
    error: str | None = None
    status: int = 200


def preview(actor_id: int, text: str, **render: object) -> Preview:
    """View side: render ``text`` for its author unless it is too large or the author asked
    for too many previews this minute (``PREVIEWS_PER_MINUTE``; the count is committed). When a
    structural limit drops the layout, the preview says which."""
    if len(text.encode("utf-8", "replace")) > MAX_SOURCE_BYTES:
        return Preview(None, TOO_LARGE, 413)
    limit = int(current_app.config["PREVIEWS_PER_MINUTE"])
    if not hit(BUCKET, str(actor_id), limit, timedelta(minutes=1)):
        return Preview(None, THROTTLED, 429)
    return Preview(render_markdown(text, **render), structure_problem(text))  # type: ignore[arg-type]
