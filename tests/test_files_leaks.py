"""Canary files: files of a group REX, a network REX, a hidden public REX and of forum posts
(group and Agora threads), with the canary
in their names, alternative text and contents, never show on a public path, in search, in
the export, nor on their own URL for someone who may not read their REX."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from commons import db
from commons.export import archive
from commons.files import posts
from commons.files import services as files
from commons.forum import services as forum
from commons.forum.models import Post
from commons.search import outbox
from commons.wiki.models import Rex

from .conftest import login
from .files_support import make_image, make_pdf
from .public_commons import CANARY, private_world
from .test_commons_leaks import PATHS

WORD = "Zorglubophone"  # only inside the private PDFs


@pytest.fixture
def world(app, make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    world = private_world(make_user, make_group)
    world["chatham"] = world["public"]  # PATHS name a second public REX
    tokens, by_space = [], {}
    for rex in db.session.scalars(select(Rex).where(Rex.title.endswith(CANARY))):
        rex.hidden = False  # attach while visible, then restore the state
        for data, name, alt in (
            (make_pdf(f"{WORD} {CANARY}"), f"{CANARY}.pdf", ""),
            (make_image("PNG"), f"photo-{CANARY}.png", f"Vue {CANARY}"),
        ):
            att = files.store_checked(rex, io.BytesIO(data), name, alt=alt, actor=None)
            db.session.flush()
            tokens.append(att.token)
            by_space.setdefault(rex.slug.split("-")[0], []).append(att.token)
        rex.hidden = rex.slug.startswith("masque")
    db.session.commit()
    outbox.drain(app)
    for space in ("group", "network"):  # a canary file on a forum post of each space
        thread = forum.create_thread(
            world["insider"],
            title=f"Discussion {CANARY}",
            body=f"Message {CANARY}",
            space=space,
            group_id=world["group"].id if space == "group" else None,
        )
        db.session.flush()
        post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
        att = posts.attach_to_post(
            world["insider"], post, thread, io.BytesIO(make_pdf(f"{WORD} {CANARY}")),
            f"{CANARY}.pdf",
        )  # fmt: skip
        tokens.append(att.token)
        by_space.setdefault(f"forum-{space}", []).append(att.token)
    db.session.commit()
    world["tokens"], world["by_space"] = tokens, by_space
    assert len(tokens) == 8
    return world


def _clean(text: str, world: dict[str, Any], where: str) -> None:
    assert CANARY not in text and CANARY.lower() not in text, where
    assert WORD not in text, where
    assert not any(token in text for token in world["tokens"]), where


def test_public_paths_search_and_export_never_show_private_files(
    app, client, tmp_path, world
) -> None:  # type: ignore[no-untyped-def]
    for template in PATHS:
        path = template.format(public=world["public"].slug, chatham=world["public"].slug)
        path = path if path.startswith("/") else f"/rex/{path}"
        response = client.get(path)
        assert response.status_code == 200, path
        _clean(response.get_data(as_text=True), world, path)
    search = client.get("/recherche", query_string={"q": WORD.lower()}).get_data(as_text=True)
    _clean(search, world, "recherche")
    archive.write_folder(tmp_path / "export")
    for file in Path(tmp_path / "export").rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert CANARY.encode() not in data and WORD.encode() not in data, file


def test_private_file_urls_are_404_for_visitors_and_outsiders(
    app, client, make_user, world
) -> None:  # type: ignore[no-untyped-def]
    outsider, by_space = make_user(), world["by_space"]
    assert set(by_space) == {"groupe", "reseau", "masque", "forum-group", "forum-network"}
    agora = by_space["reseau"] + by_space["forum-network"]
    readable = {None: set(), "outsider": set(agora),
                "insider": set(agora + by_space["groupe"] + by_space["forum-group"])}  # fmt: skip
    for who, user in ((None, None), ("outsider", outsider), ("insider", world["insider"])):
        if user is not None:
            login(client, user)
        for token in world["tokens"]:
            for url in (f"/fichiers/{token}", f"/fichiers/{token}/miniature"):
                response = client.get(url, buffered=True)
                if token in readable[who]:
                    assert response.status_code in (200, 404), (who, url)  # 404: no thumbnail
                    assert url.endswith("miniature") or response.status_code == 200, (who, url)
                    continue
                assert response.status_code == 404, (who, url)
                if who != "insider":  # whose own name carries the canary
                    _clean(response.get_data(as_text=True), world, url)
        client.post("/deconnexion")
    login(client, world["insider"])  # the member finds the word, but not in the hidden REX
    found = client.get("/recherche", query_string={"q": WORD.lower()}).get_data(as_text=True)
    assert f"Groupe {CANARY}" in found and f"Masqué {CANARY}" not in found
