"""A group REX published to the commons by consent carries its files: the consent covers them
(preview, digest, their authors asked), the public copy has its own rows under new URLs, and
the group files stay private."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from sqlalchemy import select

from commons import db
from commons.export import archive
from commons.files import services as files
from commons.files.models import Attachment
from commons.groups import services as groups
from commons.publication import consent
from commons.wiki import services as wiki
from commons.wiki.models import Rex

from .conftest import login
from .files_support import make_image, make_pdf
from .test_files import upload
from .test_publication import ALL_CHECKED, BODY, _propose, build_world

REPORT = make_pdf("Evaluation du tiers-lieu")


@pytest.fixture
def world(app, make_user, make_group):  # type: ignore[no-untyped-def]
    w = build_world(make_user, make_group)
    w.d = make_user("Denis Photo")  # attaches a photo, writes no revision
    join = groups.request_join(w.d, w.group, message="", accept_charter=True)
    groups.approve(w.f, join)
    db.session.commit()
    wiki.save(w.c, w.rex, base=3, body=BODY + "\nVoir [le rapport](fichier:rapport.pdf).\n")
    db.session.commit()
    return w


def _answer_all(app, w, proposal, users) -> None:  # type: ignore[no-untyped-def]
    digest = consent.preview(proposal).digest
    for user in users:
        client = app.test_client()
        login(client, user)
        form = {"contributor": str(user.id), "digest": digest, "answer": "yes"}
        response = client.post(f"/publication/{proposal.id}/reponse", data=form)
        assert response.status_code == 302, user.display_name


def test_published_rex_carries_its_files_with_consent(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    member = app.test_client()
    login(member, w.a)
    assert upload(member, w.rex.slug, REPORT, "rapport.pdf").status_code == 302
    group_pdf = db.session.scalar(select(Attachment).where(Attachment.rex_id == w.rex.id))
    proposal = _propose(w)
    preview = consent.preview(proposal)
    assert [f.name for f in preview.files] == ["rapport.pdf"]
    page = member.get(f"/publication/{proposal.id}").get_data(as_text=True)
    assert "Fichiers joints publiés avec le texte" in page and "rapport.pdf" in page
    assert hashlib.sha256(REPORT).hexdigest() in page

    _answer_all(app, w, proposal, (w.a, w.b, w.c))
    assert consent.state(proposal, consent.preview(proposal)).ready

    # A file added after the consents: everyone is asked again, its author too.
    photographer = app.test_client()
    login(photographer, w.d)
    image = make_image("PNG")
    assert upload(photographer, w.rex.slug, image, "site.png", "Le site").status_code == 302
    photo = db.session.scalar(select(Attachment).where(Attachment.name == "site.png"))
    current = consent.preview(proposal)
    assert current.digest != preview.digest
    state = consent.state(proposal, current)
    assert not state.ready
    statuses = {c.user.id: c.status for c in state.consents}
    assert statuses == {w.a.id: "stale", w.b.id: "stale", w.c.id: "stale", w.d.id: "pending"}
    assert "À redemander" in member.get(f"/publication/{proposal.id}").get_data(as_text=True)
    assert "site.png" in current.as_text() and photo.sha256 in current.as_text()

    _answer_all(app, w, proposal, (w.a, w.b, w.c, w.d))
    facilitator = app.test_client()
    login(facilitator, w.f)
    data = {**dict.fromkeys(ALL_CHECKED, "y"), "digest": current.digest}
    assert facilitator.post(f"/publication/{proposal.id}/attester", data=data).status_code == 302
    public = db.session.scalar(select(Rex).where(Rex.space == "public", Rex.frozen))
    copies = {a.name: a for a in files.files_of(public)}
    assert sorted(copies) == ["rapport.pdf", "site.png"]
    assert copies["rapport.pdf"].token != group_pdf.token
    assert copies["site.png"].token != photo.token
    assert all(a.author_id is None and a.sha256 for a in copies.values())

    anonymous = app.test_client()
    page = anonymous.get(f"/rex/{public.slug}").get_data(as_text=True)
    assert "Fichiers joints" in page and "rapport.pdf" in page and "ajouté par" not in page
    assert "Denis Photo" in page  # credited as a contributor (named attribution)
    assert group_pdf.token not in page and photo.token not in page
    assert f'href="/fichiers/{copies["rapport.pdf"].token}"' in page  # the fichier: link
    response = anonymous.get(f"/fichiers/{copies['rapport.pdf'].token}")
    assert response.status_code == 200 and response.data == REPORT
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert anonymous.get(f"/fichiers/{copies['site.png'].token}/miniature").status_code == 200
    for token in (group_pdf.token, photo.token):  # the group's URLs stay private
        assert anonymous.get(f"/fichiers/{token}").status_code == 404
    outsider = app.test_client()
    login(outsider, w.o)
    assert outsider.get(f"/fichiers/{group_pdf.token}").status_code == 404
    assert member.get(f"/fichiers/{group_pdf.token}").status_code == 200


def test_the_archive_carries_the_published_files_only(app, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = world
    files.attach(w.a, w.rex, io.BytesIO(REPORT), "rapport.pdf")
    files.attach(w.a, w.rex, io.BytesIO(make_pdf("Brouillon")), "brouillon.pdf")
    db.session.commit()
    draft = db.session.scalar(select(Attachment).where(Attachment.name == "brouillon.pdf"))
    files.remove(w.a, draft)  # removed before the proposal: never published
    db.session.commit()
    proposal = _propose(w)
    _answer_all(app, w, proposal, (w.a, w.b, w.c))
    facilitator = app.test_client()
    login(facilitator, w.f)
    data = {**dict.fromkeys(ALL_CHECKED, "y"), "digest": consent.preview(proposal).digest}
    assert facilitator.post(f"/publication/{proposal.id}/attester", data=data).status_code == 302
    public = db.session.scalar(select(Rex).where(Rex.space == "public", Rex.frozen))
    folder = tmp_path / "out"
    archive.write_folder(folder)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    described = [r for r in package["resources"] if r["path"].startswith("files/")]
    assert [r["title"] for r in described] == ["rapport.pdf"]
    assert described[0]["path"].startswith(f"files/{public.slug}/")
    assert described[0]["hash"] == "sha256:" + hashlib.sha256(REPORT).hexdigest()
    assert (folder / described[0]["path"]).read_bytes() == REPORT
    assert not any(re.search(w.rex.slug + "/", r["path"]) for r in described)
