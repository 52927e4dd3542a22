"""Markdown previews for editors: the same size limit as saving, and a per-person throttle held
in the database (rendering is the costliest thing a visitor can ask for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from markupsafe import Markup

from .markup import MAX_SOURCE_BYTES, layout_reason, render_markdown
from .security import hit

BUCKET = "preview"
#: The end of every message on a page that shows the form again (not in the live preview).
KEPT = " Votre texte est conservé ci-dessous."
TOO_LARGE = (
    f"Le texte dépasse la taille maximale ({MAX_SOURCE_BYTES // 1024} Ko) : l'aperçu n'est pas "
    "affiché. Raccourcissez-le." + KEPT
)
LAYOUT = (
    "Aperçu sans mise en forme : {reason}. Le REX ne pourra pas être enregistré ainsi : "
    "allégez sa mise en page ou découpez-le." + KEPT
)
THROTTLED = (
    "Vous avez demandé beaucoup d'aperçus en peu de temps : patientez une minute avant le "
    "suivant." + KEPT
)


@dataclass(frozen=True)
class Preview:
    """A rendered preview, or the French reason there is none and the status to answer."""

    html: Markup | None
    error: str | None = None
    status: int = 200


def preview(actor_id: int, text: str, **render: object) -> Preview:
    """View side: render ``text`` for its author unless it is too large or the author asked
    for too many previews this minute (``PREVIEWS_PER_MINUTE``; the count is committed). Past a
    structural limit the preview shows the text without layout and says which limit, as saving
    will refuse it (:func:`commons.markup.layout_refusal`)."""
    if len(text.encode("utf-8", "replace")) > MAX_SOURCE_BYTES:
        return Preview(None, TOO_LARGE, 413)
    limit = int(current_app.config["PREVIEWS_PER_MINUTE"])
    if not hit(BUCKET, str(actor_id), limit, timedelta(minutes=1)):
        return Preview(None, THROTTLED, 429)
    html = render_markdown(text, **render)  # type: ignore[arg-type]
    reason = layout_reason(text)
    return Preview(html, LAYOUT.format(reason=reason) if reason else None)
