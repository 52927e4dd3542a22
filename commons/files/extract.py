"""Text inside documents, for search: PDF (pypdf), OpenDocument and Office Open XML (their XML
parts read from the ZIP), plain text and CSV. Bounded: at most :data:`MAX_CHARS` characters,
:data:`MAX_PAGES` PDF pages, :data:`MAX_PART` bytes of XML per part and :data:`MAX_SECONDS`
of work; a file that cannot be read gives no text (the upload itself is not refused for that).
"""

from __future__ import annotations

import logging
import re
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

MAX_CHARS = 100_000
MAX_PAGES = 300
MAX_PART = 20 * 1024 * 1024
MAX_SECONDS = 5.0

log = logging.getLogger(__name__)


def extract_text(path: Path, media_type: str) -> str:
    """The document's text, whitespace collapsed and bounded (``""`` when there is none)."""
    deadline = time.monotonic() + MAX_SECONDS
    try:
        if media_type == "application/pdf":
            text = _pdf(path, deadline)
        elif media_type.startswith("application/vnd.oasis.opendocument"):
            text = _xml_parts(path, ["content.xml"], deadline)
        elif media_type.startswith("application/vnd.openxmlformats"):
            text = _xml_parts(path, _ooxml_parts(path), deadline)
        elif media_type.startswith("text/"):
            text = path.read_bytes()[: MAX_CHARS * 4].decode("utf-8", "ignore")
        else:
            return ""
    except Exception:  # noqa: BLE001 - a broken document only loses its search text
        log.info("no text extracted from %s (%s)", path.name, media_type, exc_info=True)
        return ""
    return re.sub(r"\s+", " ", text).strip()[:MAX_CHARS]


def _pdf(path: Path, deadline: float) -> str:
    import pypdf

    parts: list[str] = []
    size = 0
    reader = pypdf.PdfReader(str(path), strict=False)
    for number, page in enumerate(reader.pages):
        if number >= MAX_PAGES or size >= MAX_CHARS or time.monotonic() > deadline:
            break
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
    return "\n".join(parts)


def _ooxml_parts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    slides = sorted(
        (n for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)),
        key=lambda n: int(re.sub(r"\D", "", n) or 0),
    )
    return ["word/document.xml", "xl/sharedStrings.xml", *slides]


def _xml_parts(path: Path, parts: list[str], deadline: float) -> str:
    out: list[str] = []
    size = 0
    with zipfile.ZipFile(path) as zf:
        present = set(zf.namelist())
        for part in parts:
            if part not in present or size >= MAX_CHARS or time.monotonic() > deadline:
                continue
            with zf.open(part) as fh:
                data = fh.read(MAX_PART + 1)
            if len(data) > MAX_PART or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                continue  # oversized, or entities (billion laughs): skip the part
            root = ElementTree.fromstring(data)
            for element in root.iter():
                if element.tag.rsplit("}", 1)[-1] in ("p", "h", "t", "br", "tab"):
                    out.append(" ")
                if element.text:
                    out.append(element.text)
                    size += len(element.text)
                if element.tail:
                    out.append(element.tail)
    return "".join(out)
