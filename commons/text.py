"""French-aware text helpers shared by every feature: slugs and accent folding."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})


def fold(text: str) -> str:
    """Lower-case ASCII folding: ``Œuvre Collectivités`` -> ``oeuvre collectivites``."""
    if text.isascii():  # most words: nothing to decompose
        return text.lower()
    text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def slugify(text: str, max_length: int = 80, separator: str = "-") -> str:
    """A stable ASCII slug: ``L'été à Saint-Étienne`` -> ``l-ete-a-saint-etienne``."""
    slug = re.sub(r"[^a-z0-9]+", separator, fold(text)).strip(separator)
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit(separator, 1)[0] or slug[:max_length]
    return slug


def single_line(text: str) -> str:
    """Collapse whitespace and drop control characters (names, titles)."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    return re.sub(r"\s+", " ", text).strip()
