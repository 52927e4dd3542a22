"""The live preview of the REX editor (``editor.js``): the writer's own text, rendered by the same
pipeline as a saved REX (:func:`commons.previews.preview`: size limit, per-person throttle,
sanitised Markdown), guidance of the template removed as saving would. It reads no REX: a
wikilink stays plain text, so nothing about another page (not even whether it exists) leaks."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import previews
from ...forms import clean
from ..template import without_guidance
from . import bp


@bp.route("/apercu", methods=["POST"])
@login_required
def preview() -> tuple[Response, int]:
    """JSON ``{"html", "message"}`` for the posted ``body`` (CSRF checked globally); 413 when
    too large, 429 when throttled, with a French message and no HTML."""
    text = without_guidance(clean(request.form.get("body", ""))) or ""
    result = previews.preview(current_user.id, text)
    message = result.error.removesuffix(previews.KEPT) if result.error else None
    html = str(result.html) if result.html is not None else None
    return jsonify(html=html, message=message), result.status
