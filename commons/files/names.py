"""File names as shown and downloaded: cleaned, bounded, with the extension of the real type,
unique within what they are attached to."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

MAX_NAME = 120


def clean_name(raw: str, extension: str) -> str:
    """A display name from what the browser sent: the last path component only, no control
    or format characters, no leading dots, at most :data:`MAX_NAME` characters, ending with
    the extension of the type found in the bytes (``rapport.exe`` that is a PDF becomes
    ``rapport.exe.pdf``)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if ext.lower() in {extension, "jpeg" if extension == "jpg" else extension}:
        ext = ext.lower()
    else:
        stem, ext = name, extension
    stem = stem.strip(" .") or "fichier"
    stem = stem[: MAX_NAME - len(ext) - 1].rstrip(" .") or "fichier"
    return f"{stem}.{ext}"


def unique_name(name: str, taken: Collection[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``… if it is already used (case-insensitively)."""
    used = {t.lower() for t in taken}
    if name.lower() not in used:
        return name
    stem, _, ext = name.rpartition(".")
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = f"{stem[: MAX_NAME - len(ext) - 1 - len(suffix)]}{suffix}.{ext}"
        if candidate.lower() not in used:
            return candidate
        n += 1
