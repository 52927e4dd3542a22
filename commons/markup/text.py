"""Text normalisation, and the escaped rendering that needs no parser."""

from __future__ import annotations

import re

from markupsafe import escape


def clean_text(text: str) -> str:
    """Normalise user text: no NUL or other C0 control characters, Unix line ends, and no lone
    surrogates (from bytes decoded with ``surrogateescape``: they could not be stored)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\ud800-\udfff]", "\ufffd", text)
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


def plain(text: str) -> str:
    """Escaped paragraphs: safe by construction, so no parser nor sanitiser is needed."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
