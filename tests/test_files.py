"""Attachments end to end: upload, listing, serving headers, the REX's audience at every
request (move, hide, delete), ``fichier:`` links, limits, removal, search inside documents."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from commons import db, errors
from commons.files import services as files
from commons.files.models import Attachment
from commons.search import outbox
from commons.wiki import audience
from commons.wiki import services as wiki
from commons.wiki.models import Rex

from .conftest import login
from .files_support import make_image, make_pdf, zip_bomb_docx
from .search_support import app_config, backend, combo, empty_backend  # noqa: F401


@pytest.fixture
def world(app, make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    member, outsider = make_user(name="Camille Membre"), make_user(name="Olivier Dehors")
    facilitator = make_user(role="facilitator")
    group = make_group(facilitator=facilitator, members=(member,))
    rex = wiki.create_rex(
        member,
        title="Compost de quartier",
        body="Notre retour.\n",
        space="group",
        group_id=group.id,
    )
    db.session.commit()
    return {
        "member": member,
        "outsider": outsider,
        "facilitator": facilitator,
        "group": group,
        "rex": rex,
    }


def upload(client, slug: str, data: bytes, name: str, alt: str = "") -> Any:  # type: ignore[no-untyped-def]
    return client.post(
        f"/rex/{slug}/fichiers",
        data={"file": (io.BytesIO(data), name), "alt": alt},
        content_type="multipart/form-data",
    )


def attach(world: dict[str, Any], data: bytes, name: str, alt: str = "") -> Attachment:
    att = files.attach(world["member"], world["rex"], io.BytesIO(data), name, alt=alt)
    db.session.commit()
    return att


def _files_on_disk(app) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(app.config["FILES_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_member_uploads_and_everyone_allowed_sees_them(app, client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, world["member"])
    rex = world["rex"]
    response = upload(client, rex.slug, make_pdf(), "Rapport final.pdf")
    assert response.status_code == 302
    assert (
        upload(client, rex.slug, make_image("JPEG", gps=True), "site.jpg", "Le site").status_code
        == 302
    )
    page = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    assert "Fichiers joints" in page and "Rapport final.pdf" in page and "Camille Membre" in page
    assert "PDF" in page and "licence Licence Ouverte" in page
    manage = client.get(f"/rex/{rex.slug}/fichiers").get_data(as_text=True)
    assert "![Le site](fichier:site.jpg)" in manage and "[Rapport final.pdf](fichier:" in manage
    assert "Retirer" in manage and 'enctype="multipart/form-data"' in manage
    pdf, jpg = sorted(files.files_of(rex), key=lambda a: a.name)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", pdf.token)  # meaningless, unguessable

    served = client.get(f"/fichiers/{pdf.token}", buffered=True)
    assert served.status_code == 200 and served.data == make_pdf()
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert "Rapport" in served.headers["Content-Disposition"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Cache-Control"] == "private, no-store"
    image = client.get(f"/fichiers/{jpg.token}", buffered=True)
    assert image.headers["Content-Disposition"].startswith("inline;")
    assert b"Espion" not in image.data  # EXIF gone
    thumb = client.get(f"/fichiers/{jpg.token}/miniature", buffered=True)
    assert thumb.status_code == 200 and (jpg.thumb_width, jpg.thumb_height) == (640, 480)
    assert client.get(f"/fichiers/{pdf.token}/miniature", buffered=True).status_code == 404
    client.post("/deconnexion")

    for who in (None, world["outsider"]):
        if who:
            login(client, who)
        for url in (
            f"/fichiers/{pdf.token}",
            f"/fichiers/{jpg.token}/miniature",
            f"/rex/{rex.slug}/fichiers",
            f"/fichiers/{pdf.token}/supprimer",
        ):
            method = client.post if url.endswith("supprimer") else client.get
            assert method(url, buffered=True).status_code == 404, (who, url)
        client.post("/deconnexion")
    assert db.session.scalar(select(func.count(Attachment.id))) == 2


def test_the_file_follows_its_rex(app, client, world) -> None:  # type: ignore[no-untyped-def]
    att = attach(world, make_pdf(), "rapport.pdf")
    rex, url = world["rex"], f"/fichiers/{att.token}"
    assert client.get(url, buffered=True).status_code == 404
    audience.move(world["member"], rex, "public")
    db.session.commit()
    public = client.get(url, buffered=True)
    assert public.status_code == 200 and public.headers["Cache-Control"] == "public, no-cache"
    assert "rapport.pdf" in client.get(f"/rex/{rex.slug}").get_data(as_text=True)

    rex.hidden = True  # hidden by the facilitators: members and visitors lose the file too
    db.session.commit()
    assert client.get(url, buffered=True).status_code == 404  # not served from any cache
    login(client, world["member"])
    assert client.get(url, buffered=True).status_code == 404
    client.post("/deconnexion")
    login(client, world["facilitator"])
    assert client.get(url, buffered=True).status_code == 200
    client.post("/deconnexion")

    db.session.delete(db.session.get(Rex, rex.id))
    db.session.commit()
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    login(client, world["facilitator"])
    assert client.get(url, buffered=True).status_code == 404
    assert files.collect_garbage(min_age=0) == 1 and _files_on_disk(app) == []


def test_file_views_are_never_in_the_page_cache(app, client, world) -> None:  # type: ignore[no-untyped-def]
    for endpoint in ("files.serve", "files.thumbnail", "files.manage"):
        assert not getattr(app.view_functions[endpoint], "_for_visitors", False)
    att = attach(world, make_image("PNG"), "plan.png", alt="Plan du quartier")
    audience.move(world["member"], world["rex"], "public")
    db.session.commit()
    assert client.get(f"/fichiers/{att.token}/miniature", buffered=True).status_code == 200
    world["rex"].hidden = True  # a public REX never leaves the commons; moderation hides it
    db.session.commit()
    assert client.get(f"/fichiers/{att.token}/miniature", buffered=True).status_code == 404


def test_markdown_embeds_files_by_name(app, client, world) -> None:  # type: ignore[no-untyped-def]
    rex, member = world["rex"], world["member"]
    body = (
        "![Vue du site](fichier:plan.png)\n\n[le rapport](fichier:rapport.pdf)\n\n"
        "[absent](fichier:inconnu.pdf)\n\n![](fichier:PLAN.png)\n"
    )
    wiki.save(member, rex, base=rex.head, body=body, title=rex.title, comment="fichiers")
    db.session.commit()
    assert "fichier:" not in rex.html  # unknown scheme dropped by the sanitiser
    img = attach(world, make_image("PNG", size=(1280, 960)), "plan.png", alt="Plan")
    pdf = attach(world, make_pdf(), "rapport.pdf")
    html = db.session.get(Rex, rex.id).html  # re-rendered when files arrive
    assert (
        f'<img alt="Vue du site" height="480" loading="lazy" '
        f'src="/fichiers/{img.token}/miniature" width="640">'
    ) in html
    assert f'<a href="/fichiers/{pdf.token}">le rapport</a>' in html
    assert "<a>absent</a>" in html
    assert f'<img alt="Plan" height="480" loading="lazy" src="/fichiers/{img.token}/' in html


def test_bad_uploads_get_a_french_message_and_leave_nothing(app, client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, world["member"])
    slug = world["rex"].slug
    cases = [
        (b"", "vide.pdf", "", "Le fichier est vide."),
        (make_image("PNG"), "photo.png", "", "texte alternatif"),
        (zip_bomb_docx(), "budget.docx", "", "bombe de décompression"),
        (b"<html><script>alert(1)</script>", "page.html", "", "HTML"),
    ]
    for data, name, alt, message in cases:
        response = upload(client, slug, data, name, alt)
        assert response.status_code == 400, name
        assert message in response.get_data(as_text=True), name
    app.config["FILES_MAX_BYTES"] = 10_000
    response = upload(client, slug, b"x" * 10_001, "gros.txt")
    assert response.status_code == 400 and "trop volumineux" in response.get_data(as_text=True)
    huge = client.post(  # a 2 GB announcement is refused unread
        f"/rex/{slug}/fichiers",
        data=b"x" * 100,
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(2 * 1024**3)},
    )
    assert huge.status_code == 413 and "volumineux" in huge.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert _files_on_disk(app) == []


def test_limits_per_rex_and_per_person_and_duplicates(app, world) -> None:  # type: ignore[no-untyped-def]
    first = attach(world, b"premier\n", "notes.txt")
    second = attach(world, b"second\n", "Notes.txt")
    assert (first.name, second.name) == ("notes.txt", "Notes (2).txt")
    app.config["FILES_MAX_PER_REX_BYTES"] = 20
    with pytest.raises(files.FileRefused, match="dépasseraient"):
        attach(world, b"troisieme fichier\n", "c.txt")
    db.session.rollback()
    app.config["FILES_MAX_PER_REX_BYTES"] = 10**9
    app.config["FILES_MAX_PER_PERSON_BYTES"] = 20
    with pytest.raises(files.FileRefused, match="quota"):
        attach(world, b"troisieme fichier\n", "c.txt")
    db.session.rollback()
    app.config["FILES_MAX_PER_REX"] = 2
    with pytest.raises(files.FileRefused, match="maximum"):
        attach(world, b"x\n", "d.txt")
    db.session.rollback()
    assert not list(Path(app.config["FILES_TMP_DIR"]).iterdir())


def test_outsiders_cannot_attach_and_members_remove(app, client, world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(errors.Forbidden):
        files.attach(world["outsider"], world["rex"], io.BytesIO(b"x\n"), "x.txt")
    db.session.rollback()
    token = attach(world, make_pdf(), "rapport.pdf").token
    login(client, world["outsider"])
    assert client.post(f"/fichiers/{token}/supprimer").status_code == 404
    client.post("/deconnexion")
    login(client, world["member"])
    assert client.post(f"/fichiers/{token}/supprimer").status_code == 302
    assert client.get(f"/fichiers/{token}", buffered=True).status_code == 404
    assert files.files_of(world["rex"]) == []


def test_a_word_inside_a_document_finds_the_rex(app, client, world) -> None:  # type: ignore[no-untyped-def]
    empty_backend(app)
    attach(world, make_pdf("Lombricompostage intercommunal"), "evaluation.pdf")
    outbox.drain(app)
    for who in (None, world["outsider"]):
        if who:
            login(client, who)
        page = client.get("/recherche", query_string={"q": "lombricompostage"})
        assert "Compost de quartier" not in page.get_data(as_text=True)
        client.post("/deconnexion")
    login(client, world["member"])
    page = client.get("/recherche", query_string={"q": "lombricompostage"}).get_data(as_text=True)
    assert "Compost de quartier" in page and "evaluation.pdf" in page
