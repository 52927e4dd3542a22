"""Attachments' safe content, on the bytes: allowlist, refusals, names, images, text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from commons.files import images, intake
from commons.files.extract import extract_text
from commons.files.intake import FileRefused
from commons.files.names import clean_name, unique_name

from .files_support import (
    make_docx,
    make_image,
    make_odt,
    make_pdf,
    pixel_flood_png,
    plain_zip,
    zip_bomb_docx,
)


def _file(tmp_path: Path, data: bytes, name: str = "f") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "name", "extension"),
    [
        (make_pdf(), "x.bin", "pdf"),
        (make_image("PNG"), "x.pdf", "png"),
        (make_image("JPEG"), "", "jpg"),
        (make_image("WEBP"), "a.png", "webp"),
        (make_image("GIF"), "a.gif", "gif"),
        (make_docx(), "a.zip", "docx"),
        (make_odt(), "a.docx", "odt"),
        ("nom;budget\nÉcole;12 000\n".encode(), "t.csv", "csv"),
        ("Notes de réunion\n".encode(), "notes", "txt"),
    ],
)
def test_types_are_found_in_the_bytes(tmp_path: Path, data: bytes, name: str, extension: str):
    assert intake.sniff(_file(tmp_path, data), name).extension == extension


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (plain_zip(), "rapport.pdf", "archives ZIP ne sont pas acceptées"),
        (zip_bomb_docx(), "budget.docx", "bombe de décompression"),
        (make_pdf() + plain_zip(), "rapport.pdf", "polyglotte"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "a.svg",
            "SVG",
        ),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "page.txt", "HTML"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "outil.txt", "non accepté"),
        (b"GIF89a/*\x00\x00*/=alert(1)//", "a.gif", None),
    ],
)
def test_bad_inputs_are_refused_in_french(tmp_path: Path, data: bytes, name: str, message):
    path = _file(tmp_path, data)
    with pytest.raises(FileRefused) as refused:
        kind = intake.sniff(path, name)
        if kind.is_image:  # a GIF/JavaScript polyglot is not a decodable image
            images.reencode(path, kind, max_pixels=40_000_000, max_side=4000)
    assert message is None or message in str(refused.value)


def test_a_zip_lying_about_its_mimetype_is_refused(tmp_path: Path) -> None:
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "text/html")
        zf.writestr("content.xml", "<x/>")
    with pytest.raises(FileRefused):
        intake.sniff(_file(tmp_path, out.getvalue()), "a.odt")


def test_spool_refuses_empty_and_too_large_and_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "tmp"
    with pytest.raises(FileRefused, match="vide"):
        intake.spool(io.BytesIO(b""), 100, folder)
    with pytest.raises(FileRefused, match="trop volumineux"):
        intake.spool(io.BytesIO(b"x" * 1000), 999, folder)
    assert list(folder.iterdir()) == []
    path, size = intake.spool(io.BytesIO(b"x" * 999), 999, folder)
    assert size == 999 and path.read_bytes() == b"x" * 999


def test_interrupted_upload_leaves_nothing(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        sent = 0

        def read(self, n: int = -1) -> bytes:
            self.sent += 1
            if self.sent > 3:
                raise OSError("connexion interrompue")
            return b"%PDF-" + b"x" * 1000

    folder = tmp_path / "tmp"
    with pytest.raises(OSError):
        intake.spool(Broken(), 10**6, folder)
    assert list(folder.iterdir()) == []


def test_images_lose_their_metadata_and_payloads(tmp_path: Path) -> None:
    path = _file(tmp_path, make_image("JPEG", gps=True))
    with Image.open(path) as before:
        assert before.getexif().get(0x8825)  # a GPS block is there
    kind = intake.sniff(path, "photo.jpg")
    assert images.reencode(path, kind, max_pixels=40_000_000, max_side=4000) == (800, 600)
    with Image.open(path) as after:
        assert not after.getexif() and b"Espion" not in path.read_bytes()

    php = _file(tmp_path, make_image("PNG") + b"<?php system($_GET['c']); ?>", "p.png")
    images.reencode(php, intake.sniff(php, "p.png"), max_pixels=40_000_000, max_side=4000)
    assert b"<?php" not in php.read_bytes()


def test_dimensions_are_capped_and_pixel_floods_refused(tmp_path: Path) -> None:
    big = _file(tmp_path, make_image("PNG", size=(5000, 1000)))
    assert images.reencode(big, intake.KINDS["png"], max_pixels=40_000_000, max_side=2000) == (
        2000,
        400,
    )
    flood = _file(tmp_path, pixel_flood_png(), "flood.png")
    with pytest.raises(FileRefused, match="bombe de décompression"):
        images.reencode(flood, intake.sniff(flood), max_pixels=40_000_000, max_side=4000)
    wide = _file(tmp_path, pixel_flood_png(9000, 9000), "wide.png")  # under Pillow's own limit
    with pytest.raises(FileRefused, match="9000 × 9000 pixels"):
        images.reencode(wide, intake.sniff(wide), max_pixels=40_000_000, max_side=4000)


@pytest.mark.parametrize(
    ("raw", "extension", "expected"),
    [
        ("../../etc/passwd", "txt", "passwd.txt"),
        ("C:\\Users\\agent\\Rapport final.PDF", "pdf", "Rapport final.pdf"),
        ("rap\x00po\x1brt\u202e.pdf", "pdf", "rapport.pdf"),
        ("photo.jpeg", "jpg", "photo.jpeg"),
        ("malware.exe", "pdf", "malware.exe.pdf"),
        ("...", "png", "fichier.png"),
        ("", "csv", "fichier.csv"),
    ],
)
def test_names_are_cleaned(raw: str, extension: str, expected: str) -> None:
    assert clean_name(raw, extension) == expected


def test_long_and_duplicate_names() -> None:
    name = clean_name("a" * 300 + ".pdf", "pdf")
    assert len(name) == 120 and name.endswith("a.pdf")
    assert unique_name("Rapport.pdf", ["rapport.pdf"]) == "Rapport (2).pdf"
    assert unique_name("Rapport.pdf", ["rapport.pdf", "Rapport (2).pdf"]) == "Rapport (3).pdf"
    assert len(unique_name(name, [name])) == 120


def test_text_is_extracted_from_documents(tmp_path: Path) -> None:
    pdf = _file(tmp_path, make_pdf("Lombricompostage collectif"), "a.pdf")
    assert "Lombricompostage collectif" in extract_text(pdf, "application/pdf")
    docx = _file(tmp_path, make_docx("Budget participatif"), "a.docx")
    assert extract_text(docx, intake.KINDS["docx"].media_type) == "Budget participatif"
    odt = _file(tmp_path, make_odt("Compte rendu"), "a.odt")
    assert extract_text(odt, intake.KINDS["odt"].media_type) == "Compte rendu"
    broken = _file(tmp_path, b"%PDF-1.4 garbage", "b.pdf")
    assert extract_text(broken, "application/pdf") == ""
