"""Files sent with the REX editor and the new-REX form (multipart, no JavaScript): attached in
the same transaction as the save; a refused file refuses the whole save and keeps the text."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from commons import db
from commons.files.models import Attachment
from commons.wiki import services as wiki
from commons.wiki.models import Revision, Rex

from .conftest import login
from .files_support import make_image, make_pdf


@pytest.fixture
def world(app, make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    member, outsider = make_user(name="Camille Membre"), make_user(name="Olivier Dehors")
    group = make_group(members=(member,))
    rex = wiki.create_rex(
        member,
        title="Compost de quartier",
        body="Notre retour.\n",
        space="group",
        group_id=group.id,
    )
    db.session.commit()
    return {"member": member, "outsider": outsider, "rex": rex}


def _edit(client, rex: Rex, body: str, files: list[tuple[bytes, str]], alt: str = "") -> Any:  # type: ignore[no-untyped-def]
    return client.post(
        f"/rex/{rex.slug}/modifier",
        data={
            "title": rex.title,
            "body": body,
            "base": str(rex.head),
            "comment": "avec fichiers",
            "enregistrer": "1",
            "fichiers": [(io.BytesIO(data), name) for data, name in files],
            "fichiers_alt": alt,
        },
        content_type="multipart/form-data",
    )


def _count(rex_id: int) -> int:
    return db.session.scalar(select(func.count()).where(Attachment.rex_id == rex_id))


def test_editor_shows_a_plain_file_input_and_the_drop_script(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, world["member"])
    page = client.get(f"/rex/{world['rex'].slug}/modifier").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" id="editeur-fichiers" name="fichiers" multiple' in page
    assert 'name="fichiers_alt"' in page and "/static/dropzone.js" in page
    new = client.get("/rex/nouveau").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in new and 'name="fichiers"' in new
    # a page without a file input does not load the script
    assert "dropzone.js" not in client.get(f"/rex/{world['rex'].slug}").get_data(as_text=True)


def test_editor_save_attaches_a_pdf_and_an_image(app, client, world) -> None:  # type: ignore[no-untyped-def]
    rex = world["rex"]
    login(client, world["member"])
    response = _edit(
        client,
        rex,
        "Notre retour, avec le bilan.\n",
        [(make_pdf(), "Bilan 2024.pdf"), (make_image("PNG"), "site.png")],
        alt="Le composteur du square",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    rows = db.session.scalars(
        select(Attachment).where(Attachment.rex_id == rex.id).order_by(Attachment.name)
    ).all()
    assert [(a.name, a.media_type) for a in rows] == [
        ("Bilan 2024.pdf", "application/pdf"),
        ("site.png", "image/png"),
    ]
    assert rows[1].alt == "Le composteur du square" and rows[0].author_id == world["member"].id
    assert db.session.get(Rex, rex.id).head == 2
    page = client.get(f"/rex/{rex.slug}", follow_redirects=True).get_data(as_text=True)
    assert "Bilan 2024.pdf" in page and "avec le bilan" in page
    assert client.get(f"/fichiers/{rows[0].token}").data.startswith(b"%PDF")


def test_refused_file_keeps_the_text_and_saves_nothing(app, client, world) -> None:  # type: ignore[no-untyped-def]
    rex = world["rex"]
    login(client, world["member"])
    typed = "Un long texte tapé avec soin, à ne pas perdre.\n"
    response = _edit(
        client,
        rex,
        typed,
        [(make_pdf(), "bon.pdf"), (b"MZ\x90\x00 pas un pdf", "faux.pdf")],
        alt="",
    )
    assert response.status_code == 200  # the form again, with its error
    html = response.get_data(as_text=True)
    assert "Fichier « faux.pdf » refusé" in html and "votre texte est conservé" in html
    assert typed.strip() in html and "n'ont pas été joints" in html
    db.session.expire_all()
    assert _count(rex.id) == 0  # not even the good file
    assert db.session.get(Rex, rex.id).head == 1
    assert db.session.scalar(select(func.count()).where(Revision.rex_id == rex.id)) == 1
    tmp = Path(app.config["FILES_TMP_DIR"])
    assert not tmp.exists() or not any(tmp.iterdir())


def test_image_without_alt_is_refused_with_the_reason(client, world) -> None:  # type: ignore[no-untyped-def]
    rex = world["rex"]
    login(client, world["member"])
    response = _edit(client, rex, "Texte gardé.\n", [(make_image("PNG"), "photo.png")])
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "texte alternatif" in html and "Texte gardé." in html
    assert _count(rex.id) == 0


def test_new_rex_with_a_file(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, world["member"])
    form = client.get("/rex/nouveau").get_data(as_text=True)
    token = (
        form.split('name="submission" type="hidden" value="')[1].split('"')[0]
        if 'name="submission"' in form
        else ""
    )
    data = {
        "title": "Jardins partagés",
        "body": "## Contexte\n\nDes jardins.\n",
        "space": "network",
        "licence": "CC-BY-4.0",
        "status": "termine",
        "comment": "Création",
        "submission": token,
        "fichiers": [(io.BytesIO(make_pdf()), "plan.pdf")],
    }
    response = client.post("/rex/nouveau", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    rex = db.session.scalar(select(Rex).where(Rex.title == "Jardins partagés"))
    assert [
        a.name for a in db.session.scalars(select(Attachment).where(Attachment.rex_id == rex.id))
    ] == ["plan.pdf"]


def test_new_rex_refused_file_creates_no_rex(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, world["member"])
    data = {
        "title": "Jardins refusés",
        "body": "## Contexte\n\nMon texte précieux.\n",
        "space": "network",
        "licence": "CC-BY-4.0",
        "status": "termine",
        "comment": "Création",
        "fichiers": [(io.BytesIO(b"<html>pas un pdf</html>"), "faux.pdf")],
    }
    response = client.post("/rex/nouveau", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Fichier « faux.pdf » refusé" in html
    assert "Mon texte précieux." in html and 'value="Jardins refusés"' in html
    assert db.session.scalar(select(func.count()).where(Rex.title == "Jardins refusés")) == 0


# --- forum: the reply and new-thread forms -----------------------------------------------------


@pytest.fixture
def thread(app, world, make_user):  # type: ignore[no-untyped-def]
    from commons.forum import services as forum

    thread = forum.create_thread(
        world["member"], title="Budget du tiers-lieu", body="Voici le budget.", space="network"
    )
    db.session.commit()
    return thread


def _post_files(thread_id: int) -> list[tuple[int, str]]:
    from commons.forum.models import Post

    rows = db.session.execute(
        select(Post.number, Attachment.name)
        .join(Post, Post.id == Attachment.post_id)
        .where(Post.thread_id == thread_id)
        .order_by(Post.number, Attachment.name)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_reply_with_files_and_a_refused_one(client, world, thread) -> None:  # type: ignore[no-untyped-def]
    from commons.forum.models import Post

    login(client, world["member"])
    page = client.get(f"/forum/sujet/{thread.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="fichiers"' in page
    ok = client.post(
        f"/forum/sujet/{thread.id}/repondre",
        data={
            "body": "Le devis en pièce jointe.",
            "fichiers": [(io.BytesIO(make_pdf()), "devis.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    assert _post_files(thread.id) == [(2, "devis.pdf")]
    refused = client.post(
        f"/forum/sujet/{thread.id}/repondre",
        data={
            "body": "Ma réponse soigneusement rédigée.",
            "fichiers": [(io.BytesIO(b"GIF89a pas vraiment"), "faux.pdf")],
        },
        content_type="multipart/form-data",
    )
    html = refused.get_data(as_text=True)
    assert "Fichier « faux.pdf » refusé" in html and "Ma réponse soigneusement rédigée." in html
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Post.thread_id == thread.id)) == 2
    assert _post_files(thread.id) == [(2, "devis.pdf")]


def test_new_thread_with_a_file(client, world) -> None:  # type: ignore[no-untyped-def]
    from commons.forum.models import Thread

    login(client, world["member"])
    response = client.post(
        "/forum/nouveau",
        data={
            "title": "Plan du jardin",
            "body": "Voici le plan.",
            "fichiers": [(io.BytesIO(make_image("PNG")), "plan.png")],
            "fichiers_alt": "Plan du jardin partagé",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    created = db.session.scalar(select(Thread).where(Thread.title == "Plan du jardin"))
    assert _post_files(created.id) == [(1, "plan.png")]
