"""Files on forum posts: the post's author attaches them after posting, they are listed under
the post, and they have the thread's audience at every request (outsiders and anonymous 404;
hidden or deleted posts take their files with them)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from commons import db
from commons.files.models import Attachment
from commons.forum import services as forum
from commons.forum.models import Post

from .conftest import login
from .files_support import make_image, make_pdf

SECRET = make_pdf("Budget confidentiel du groupe")


@pytest.fixture
def world(app, make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    author, peer = make_user(name="Camille Membre"), make_user(name="Paul Pair")
    outsider = make_user(name="Olivier Dehors")
    facilitator = make_user(role="facilitator")
    group = make_group(facilitator=facilitator, members=(author, peer))
    thread = forum.create_thread(
        author,
        title="Budget du tiers-lieu",
        body="Voici le budget.",
        space="group",
        group_id=group.id,
    )
    db.session.commit()
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    return {
        "author": author,
        "peer": peer,
        "outsider": outsider,
        "facilitator": facilitator,
        "thread": thread,
        "post": post,
    }


def _upload(client, post_id: int, data: bytes, name: str, alt: str = "") -> Any:  # type: ignore[no-untyped-def]
    return client.post(
        f"/forum/message/{post_id}/fichiers",
        data={"file": (io.BytesIO(data), name), "alt": alt},
        content_type="multipart/form-data",
    )


def test_author_attaches_members_see_outsiders_get_404(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    author = app.test_client()
    login(author, w["author"])
    thread_url = f"/forum/sujet/{w['thread'].id}"
    assert "Joindre un fichier" in author.get(thread_url).get_data(as_text=True)
    assert _upload(author, w["post"].id, SECRET, "budget.pdf").status_code == 302
    refused = _upload(author, w["post"].id, make_image("PNG"), "plan.png")  # no alt text
    assert refused.status_code == 400 and "texte alternatif" in refused.get_data(as_text=True)
    att = db.session.scalar(select(Attachment).where(Attachment.post_id == w["post"].id))
    assert att.rex_id is None and att.name == "budget.pdf"

    peer = app.test_client()
    login(peer, w["peer"])
    page = peer.get(thread_url).get_data(as_text=True)
    assert "budget.pdf" in page and f"/fichiers/{att.token}" in page
    assert "Joindre un fichier" not in page  # not the peer's post
    response = peer.get(f"/fichiers/{att.token}")
    assert response.status_code == 200 and response.data == SECRET
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert _upload(peer, w["post"].id, make_pdf(), "autre.pdf").status_code == 403
    assert peer.post(f"/fichiers/{att.token}/supprimer").status_code == 403

    outsider = app.test_client()
    login(outsider, w["outsider"])
    for client in (outsider, app.test_client()):
        assert client.get(f"/fichiers/{att.token}").status_code == 404
        assert client.get(f"/forum/message/{w['post'].id}/fichiers").status_code in (302, 404)
        assert _upload(client, w["post"].id, make_pdf(), "x.pdf").status_code in (302, 400, 404)
        assert client.post(f"/fichiers/{att.token}/supprimer").status_code in (400, 404)
    assert db.session.scalar(select(Attachment).where(Attachment.name == "x.pdf")) is None
    assert "budget.pdf" not in outsider.get(thread_url).get_data(as_text=True)


def test_deleted_or_hidden_post_takes_its_files(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    author = app.test_client()
    login(author, w["author"])
    assert _upload(author, w["post"].id, SECRET, "budget.pdf").status_code == 302
    att = db.session.scalar(select(Attachment).where(Attachment.post_id == w["post"].id))
    peer = app.test_client()
    login(peer, w["peer"])
    facilitator = app.test_client()
    login(facilitator, w["facilitator"])
    w["post"].hidden = True
    db.session.commit()
    assert peer.get(f"/fichiers/{att.token}").status_code == 404
    assert facilitator.get(f"/fichiers/{att.token}").status_code == 200  # moderates the thread
    w["post"].hidden = False
    db.session.commit()
    assert peer.get(f"/fichiers/{att.token}").status_code == 200
    forum.delete_post(w["author"], w["post"], w["thread"])
    db.session.commit()
    for client in (peer, facilitator, author):
        assert client.get(f"/fichiers/{att.token}").status_code == 404


def test_author_removes_a_file(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    author = app.test_client()
    login(author, w["author"])
    assert _upload(author, w["post"].id, SECRET, "budget.pdf").status_code == 302
    att = db.session.scalar(select(Attachment).where(Attachment.post_id == w["post"].id))
    token = att.token
    response = author.post(f"/fichiers/{token}/supprimer")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/forum/message/{w['post'].id}/fichiers")
    db.session.expire_all()
    assert db.session.scalar(select(Attachment).where(Attachment.token == token)) is None
    assert author.get(f"/fichiers/{token}").status_code == 404
