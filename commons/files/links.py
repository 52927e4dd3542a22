"""``fichier:`` links in REX text: ``![légende](fichier:photo.jpg)`` shows the image's
thumbnail (lazy, with its width and height), ``[le rapport](fichier:rapport.pdf)`` links to the
file. Resolved when the REX is rendered, against the REX's own files only; the URLs are the
files' meaningless tokens, and who may open them is decided when they are requested."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from .. import db
from ..wiki.models import Rex
from .models import Attachment

SCHEME = "fichier:"


def _path(endpoint: str, token: str) -> str:
    """Site-relative URL of an endpoint: ``url_for`` in a request, the URL map outside one
    (rendering runs outside requests too: command line, imports)."""
    if has_request_context():
        return url_for(endpoint, token=token)
    return current_app.url_map.bind("localhost").build(endpoint, {"token": token})


def file_url(att: Attachment) -> str:
    """Site-relative URL of a file."""
    return _path("files.serve", token=att.token)


def thumb_url(att: Attachment) -> str:
    """Site-relative URL of an image's thumbnail."""
    return _path("files.thumbnail", token=att.token)


def resolver(rex: Rex) -> Callable[[str, str], dict[str, str] | None]:
    """Resolve ``fichier:<nom>`` against the files of ``rex`` (names compared ignoring case)."""
    cache: dict[str, Attachment] | None = None

    def resolve(tag: str, url: str) -> dict[str, str] | None:
        nonlocal cache
        if not url.startswith(SCHEME) or rex.id is None:
            return None
        if cache is None:
            rows = db.session.scalars(select(Attachment).where(Attachment.rex_id == rex.id))
            cache = {att.name.lower(): att for att in rows}
        att = cache.get(unquote(url[len(SCHEME) :]).strip().lower())
        if att is None:
            return None
        if tag == "img" and att.is_image:
            return {
                "src": thumb_url(att),
                "width": str(att.thumb_width or ""),
                "height": str(att.thumb_height or ""),
                "loading": "lazy",
                "alt": att.alt,  # when the text gives none
            }
        return {"href": file_url(att)} if tag == "a" else None

    return resolve
