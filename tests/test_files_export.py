"""Attachments in the public export archive (``files/``, ``datapackage.json``) and back on
import with the same checks as uploads; private files never in it; still deterministic."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import frictionless
import pytest
from sqlalchemy import select

from commons import db
from commons.export import archive
from commons.export.importing import import_archive
from commons.files import services as files
from commons.files.models import Attachment
from commons.wiki.importer import RexImportError

from .archive_helpers import make_rex, repack, unzip, wipe_rex, write_zip
from .files_support import make_image, make_pdf

A = {"SITE_NAME": "Commons A", "BASE_URL": "https://a.example"}
B = {"SITE_NAME": "Commons B", "BASE_URL": "https://b.example"}
SECRET_PDF = make_pdf("Canari secret du groupe")


@pytest.fixture
def world(app, make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    app.config.update(A)
    author = make_user("Alice Martin")
    group = make_group(members=(author,))
    public = make_rex(author, "Cantine bio", licence_id="CC-BY-4.0")
    private = make_rex(author, "Secret du groupe", space="group", group_id=group.id)
    for rex, data, name, alt in (
        (public, make_pdf("Rapport public"), "Rapport d'évaluation.pdf", ""),
        (public, make_image("PNG"), "plan.png", "Plan de la cantine"),
        (private, SECRET_PDF, "secret.pdf", ""),
    ):
        files.attach(author, rex, io.BytesIO(data), name, alt=alt)
    db.session.commit()
    return {"author": author, "public": public, "private": private}


def test_public_files_go_into_the_archive_and_frictionless_validates(app, tmp_path, world) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "out"
    archive.write_folder(folder)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    described = {r["path"]: r for r in package["resources"] if r["path"].startswith("files/")}
    assert len(described) == 2
    for att in files.files_of(world["public"]):
        path = f"files/cantine-bio/{att.sha256[:16]}.{att.name.rsplit('.', 1)[1]}"
        res = described[path]
        data = (folder / path).read_bytes()
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() == f"sha256:{att.sha256}"
        assert (res["bytes"], res["mediatype"], res["title"]) == (
            len(data),
            att.media_type,
            att.name,
        )
        assert res["licenses"][0]["name"] == "CC-BY-4.0" and res["rex"] == world["public"].uuid
    every = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert SECRET_PDF not in every and b"secret.pdf" not in every
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])


def test_the_archive_stays_deterministic(app, tmp_path, world) -> None:  # type: ignore[no-untyped-def]
    archive.write_zip(tmp_path / "a.zip")
    archive.write_zip(tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    names = list(unzip((tmp_path / "a.zip").read_bytes()))
    assert names == sorted(names)


def _export_then_wipe(app, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.zip"
    archive.write_zip(path)
    wipe_rex()
    app.config.update(B)
    return path


def test_files_come_back_on_import(app, tmp_path, world) -> None:  # type: ignore[no-untyped-def]
    before = {(a.name, a.sha256, a.alt) for a in files.files_of(world["public"])}
    path = _export_then_wipe(app, tmp_path)
    assert db.session.scalar(select(Attachment.id)) is None
    import_archive(None, path)
    db.session.commit()
    rows = list(db.session.scalars(select(Attachment)))
    assert {(a.name, a.alt) for a in rows} == {(n, alt or n) for n, _s, alt in before}
    assert all(a.author_name == "Commons A" for a in rows)
    import_archive(None, path)  # again: nothing doubled
    db.session.commit()
    assert len(list(db.session.scalars(select(Attachment)))) == 2


def test_import_refuses_tampered_and_unsafe_files(app, tmp_path, world) -> None:  # type: ignore[no-untyped-def]
    path = _export_then_wipe(app, tmp_path)
    entries = unzip(path.read_bytes())
    pdf = next(n for n in entries if n.startswith("files/") and n.endswith(".pdf"))
    tampered = {**entries, pdf: entries[pdf] + b"%ajout"}
    with pytest.raises(RexImportError, match="empreinte"):
        import_archive(None, write_zip(tmp_path / "t.zip", tampered))
    db.session.rollback()
    html = repack({**entries, pdf: b"<html><script>alert(1)</script></html>"})
    with pytest.raises(RexImportError, match="n.est pas un PDF"):
        import_archive(None, write_zip(tmp_path / "h.zip", html))
    db.session.rollback()
    assert db.session.scalar(select(Attachment.id)) is None
