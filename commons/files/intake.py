"""What an upload is, decided on its bytes: the allowlist of types, and the refusals.

The name and the type the browser declares are never trusted. The first bytes say what a file
claims to be (magic numbers); a ZIP-based office file must carry its own declaration (the
``mimetype`` entry of OpenDocument, the ``[Content_Types].xml`` and main part of Office Open
XML), with bounded declared sizes and compression ratios (zip bombs); a PDF must not hide a ZIP
(polyglots); text must be UTF-8 (or Windows-1252, converted) without control characters. No
SVG, HTML or anything else is accepted. Images are re-encoded afterwards (see ``images.py``).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .. import errors

CHUNK = 64 * 1024


class FileRefused(errors.Refused):
    """An upload refused; the message is for the person who sent it (French)."""


@dataclass(frozen=True)
class Kind:
    """An accepted type: media type, canonical extension, label shown in lists."""

    media_type: str
    extension: str
    label: str

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


KINDS = {
    k.extension: k
    for k in (
        Kind("application/pdf", "pdf", "PDF"),
        Kind("image/png", "png", "Image PNG"),
        Kind("image/jpeg", "jpg", "Image JPEG"),
        Kind("image/webp", "webp", "Image WebP"),
        Kind("image/gif", "gif", "Image GIF"),
        Kind("application/vnd.oasis.opendocument.text", "odt", "Texte OpenDocument"),
        Kind("application/vnd.oasis.opendocument.spreadsheet", "ods", "Tableur OpenDocument"),
        Kind("application/vnd.oasis.opendocument.presentation", "odp", "Présentation OpenDocument"),
        Kind(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            "Document Word",
        ),
        Kind(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            "Classeur Excel",
        ),
        Kind(
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "pptx",
            "Présentation PowerPoint",
        ),
        Kind("text/csv", "csv", "Tableau CSV"),
        Kind("text/plain", "txt", "Texte"),
    )
}
BY_MEDIA_TYPE = {k.media_type: k for k in KINDS.values()}
ACCEPTED = "PDF, PNG, JPEG, WebP, GIF, ODT, ODS, ODP, DOCX, XLSX, PPTX, CSV ou TXT"
NOT_ACCEPTED = f"Type de fichier non accepté. Formats acceptés : {ACCEPTED}."

#: Office Open XML: the part that says which application wrote the package.
OOXML_MAIN = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_TOTAL = 256 * 1024 * 1024
ZIP_MAX_RATIO = 100
#: What browsers sniff as markup in the first bytes: never in a text or office file.
MARKUP = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?php", b"<?xml", b"<body", b"<iframe")


def human_size(size: int) -> str:
    """``1,2 Mo`` — French decimal comma, binary multiples."""
    for unit, factor in (("Go", 1 << 30), ("Mo", 1 << 20), ("ko", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f}".replace(".", ",") + f" {unit}"
    return f"{size} octet{'s' if size > 1 else ''}"


def spool(source: IO[bytes], limit: int, folder: Path) -> tuple[Path, int]:
    """Copy an upload stream to a temporary file, counting: refused past ``limit`` bytes
    (nothing is left behind), refused when empty."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix="upload-")
    path, size = Path(name), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise FileRefused(
                        f"Fichier trop volumineux : {human_size(limit)} au plus par fichier."
                    )
                out.write(chunk)
        if size == 0:
            raise FileRefused("Le fichier est vide.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size


def sniff(path: Path, filename: str = "") -> Kind:
    """The accepted type of a spooled file, or :class:`FileRefused` with the reason."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"%PDF-"):
        _check_pdf(path)
        return KINDS["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpg"]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return KINDS["gif"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return KINDS["webp"]
    if head.startswith(b"PK\x03\x04"):
        return KINDS[_zip_kind(path)]
    if filename.lower().endswith(".pdf"):
        raise FileRefused("Ce fichier porte l'extension .pdf mais n'est pas un PDF.")
    return _text_kind(head, path, filename)


def _check_pdf(path: Path) -> None:
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 65_536))
        tail = fh.read()
    if b"PK\x05\x06" in tail or b"PK\x03\x04" in tail:
        raise FileRefused("Ce PDF contient aussi une archive ZIP (fichier polyglotte) : refusé.")


def _zip_kind(path: Path) -> str:
    """``odt``…``pptx`` for a well-formed office package, else a refusal."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_bomb(infos)
            names = {i.filename for i in infos}
            if "mimetype" in names:
                declared = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                kind = BY_MEDIA_TYPE.get(declared)
                odf = kind is not None and kind.extension in ("odt", "ods", "odp")
                if odf and kind is not None and "content.xml" in names:
                    return kind.extension
            if "[Content_Types].xml" in names:
                if any(n.lower().endswith("vbaproject.bin") for n in names):
                    raise FileRefused("Les documents Office avec macros ne sont pas acceptés.")
                for part, ext in OOXML_MAIN.items():
                    if part in names:
                        return ext
    except FileRefused:
        raise  # a refusal with its own reason (a ValueError too: keep it)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise FileRefused("Archive ZIP illisible ou corrompue.") from exc
    raise FileRefused(
        "Les archives ZIP ne sont pas acceptées : seuls les documents OpenDocument et Office "
        "(ODT, ODS, ODP, DOCX, XLSX, PPTX) le sont."
    )


def _check_bomb(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse on the declared sizes: too many entries, too much once inflated, or an entry
    inflating more than :data:`ZIP_MAX_RATIO` times."""
    if len(infos) > ZIP_MAX_ENTRIES:
        raise FileRefused("Document refusé : il contient trop de fichiers internes.")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    ratio_bad = any(i.file_size > ZIP_MAX_RATIO * max(i.compress_size, 1) for i in infos)
    if total > ZIP_MAX_TOTAL or ratio_bad or total > ZIP_MAX_RATIO * max(packed, 1):
        raise FileRefused(
            "Document refusé : une fois décompressé il serait démesuré (bombe de décompression)."
        )


def _text_kind(head: bytes, path: Path, filename: str) -> Kind:
    lowered = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if any(marker in lowered[:1024] for marker in MARKUP):
        raise FileRefused("Les pages HTML, images SVG et fichiers XML ne sont pas acceptés.")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise FileRefused(
                f"Type de fichier non accepté. Formats acceptés : {ACCEPTED}."
            ) from exc
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
        raise FileRefused(f"Type de fichier non accepté. Formats acceptés : {ACCEPTED}.")
    encoded = text.encode("utf-8")
    if encoded != data:  # Windows-1252 or a BOM: store plain UTF-8
        path.write_bytes(encoded)
    return KINDS["csv"] if filename.lower().endswith(".csv") else KINDS["txt"]
