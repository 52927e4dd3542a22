"""Nothing counted twice, no 500 under a storm: unique slugs allocated by the database (REX,
groups), one pending join request, one-time submission tokens (double click, retry), slugs that
reveal no private title, and reading a thread when writing fails. Played over HTTP with
concurrent clients, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from commons import db
from commons.forum import services as forum
from commons.forum.models import Post, Thread, Topic
from commons.groups.models import Group, JoinRequest
from commons.moderation.models import Report
from commons.notifications.models import ThreadRead
from commons.wiki import services as wiki
from commons.wiki.models import Rex, SlugRedirect

from .conftest import base_config
from .integrity_support import clients, form_of, race

BODY = "## Contexte\n\nUn texte.\n"
STORM = 8


@pytest.fixture
def app_config(tmp_path: Any, backend: str) -> dict[str, Any]:
    return {**base_config(tmp_path, backend), "FORUM_POSTS_PER_MINUTE": 100}


def _rex_data(title: str, space: str = "network", **extra: str) -> dict[str, Any]:
    return {"title": title, "body": BODY, "space": space, "status": "en-cours", **extra}


# -- unique names under concurrency --------------------------------------------------------


def test_same_title_storm_gives_distinct_slugs_and_no_error(app: Flask, make_user: Any) -> None:
    users = [make_user() for _ in range(STORM)]
    group_clients = clients(app, users)
    responses = race(
        [
            (lambda c=c: c.post("/rex/nouveau", data=_rex_data("Tempête de titres")))
            for c in group_clients
        ]
    )
    assert [r.status_code for r in responses] == [302] * STORM
    slugs = list(db.session.scalars(select(Rex.slug).where(Rex.title == "Tempête de titres")))
    assert len(slugs) == STORM == len(set(slugs))
    assert "tempete-de-titres" in slugs
    assert {r.headers["Location"] for r in responses} == {f"/rex/{s}" for s in slugs}


def test_rename_storm_to_one_title(app: Flask, make_user: Any) -> None:
    users = [make_user() for _ in range(STORM)]
    made = [
        wiki.create_rex(u, title=f"Projet {n}", body=BODY, space="network")
        for n, u in enumerate(users)
    ]
    db.session.commit()
    cs = clients(app, users)
    paths = [f"/rex/{r.slug}/modifier" for r in made]
    forms = [form_of(c, p) for c, p in zip(cs, paths, strict=True)]
    responses = race(
        [
            (lambda c=c, p=p, f=f: c.post(p, data={**f, "title": "Même titre", "body": BODY}))
            for c, p, f in zip(cs, paths, forms, strict=True)
        ]
    )
    assert [r.status_code for r in responses] == [302] * STORM
    slugs = list(db.session.scalars(select(Rex.slug).where(Rex.title == "Même titre")))
    assert len(set(slugs)) == STORM


def test_same_group_name_storm(app: Flask, make_user: Any) -> None:
    users = [make_user(role="facilitator") for _ in range(STORM)]
    data = {"name": "Groupe orageux", "charter": "Respect.", "member_cap": "12", "listed": "y"}
    responses = race(
        [(lambda c=c: c.post("/groupes/nouveau", data=data)) for c in clients(app, users)]
    )
    assert [r.status_code for r in responses] == [302] * STORM
    slugs = list(db.session.scalars(select(Group.slug).where(Group.name == "Groupe orageux")))
    assert len(set(slugs)) == STORM and "groupe-orageux" in slugs


def test_one_pending_join_request_whatever_the_race(
    app: Flask, make_user: Any, make_group: Any
) -> None:
    group = make_group()
    agent = make_user()
    cs = clients(app, [agent] * STORM)  # the same person from several tabs and devices
    path = f"/groupes/{group.slug}"
    tokens = [form_of(c, path)["submission"] for c in cs]
    responses = race(
        [
            (
                lambda c=c, t=t: c.post(
                    f"{path}/rejoindre",
                    data={"message": "Bonjour", "accept_charter": "y", "submission": t},
                )
            )
            for c, t in zip(cs, tokens, strict=True)
        ]
    )
    assert [r.status_code for r in responses] == [302] * STORM
    pending = db.session.scalar(
        select(func.count(JoinRequest.id)).where(
            JoinRequest.group_id == group.id, JoinRequest.status == "pending"
        )
    )
    assert pending == 1
    page = unescape(cs[0].get(f"/groupes/{group.slug}").get_data(as_text=True))
    assert "demande" in page


def test_the_database_refuses_a_second_pending_request(
    app: Flask, make_user: Any, make_group: Any
) -> None:
    from sqlalchemy.exc import IntegrityError

    group, agent = make_group(), make_user()
    for _ in range(2):
        db.session.add(JoinRequest(group_id=group.id, user_id=agent.id, status="declined"))
    db.session.add(JoinRequest(group_id=group.id, user_id=agent.id))
    db.session.commit()  # decided requests are history and may repeat
    db.session.add(JoinRequest(group_id=group.id, user_id=agent.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# -- submissions count once -----------------------------------------------------------------


def test_double_submit_of_a_reply_creates_one_post(app: Flask, make_user: Any) -> None:
    author = make_user()
    thread = forum.create_thread(author, title="Fil du test", body=BODY, space="network")
    db.session.commit()
    cs = clients(app, [author] * STORM)
    path = f"/forum/sujet/{thread.id}/repondre"
    token = form_of(cs[0], f"/forum/sujet/{thread.id}")["submission"]
    data = {"body": "Ma réponse, une seule fois.", "submission": token}
    responses = race([(lambda c=c: c.post(path, data=data)) for c in cs])
    assert [r.status_code for r in responses] == [302] * STORM
    assert len({r.headers["Location"] for r in responses}) == 1
    bodies = db.session.scalars(select(Post.source).where(Post.thread_id == thread.id))
    assert list(bodies).count("Ma réponse, une seule fois.") == 1
    # A second message with a fresh form is a second message.
    token = form_of(cs[0], f"/forum/sujet/{thread.id}")["submission"]
    assert (
        cs[0]
        .post(f"/forum/sujet/{thread.id}/repondre", data={**data, "submission": token})
        .status_code
        == 302
    )
    assert db.session.get(Thread, thread.id).post_count == 3


def test_replays_of_every_creating_form_return_the_first_result(
    app: Flask, make_user: Any, make_group: Any
) -> None:
    facilitator = make_user(role="facilitator")
    group = make_group()
    other = wiki.create_rex(make_user(), title="REX signalé", body=BODY, space="network")
    db.session.commit()
    [client] = clients(app, [facilitator])
    forms = {
        "/rex/nouveau": _rex_data("Un seul REX"),
        "/forum/nouveau": {"title": "Une seule discussion", "body": BODY, "category": ""},
        "/groupes/nouveau": {"name": "Un seul groupe", "charter": "C.", "member_cap": "12"},
        "/groupes/un-seul-groupe/sujets": {"title": "Un seul sujet", "description": ""},
        f"/animation/signaler/rex/{other.id}": {"reason": "hors-charte", "comment": ""},
        f"/forum/rex/{other.slug}": {"body": "Première remarque."},
    }
    for path, data in forms.items():
        token = form_of(client, path)["submission"]
        first = client.post(path, data={**data, "submission": token})
        replay = client.post(path, data={**data, "submission": token})
        assert first.status_code == replay.status_code == 302, path
        assert replay.headers["Location"] == first.headers["Location"], path
    token = form_of(client, f"/groupes/{group.slug}")["submission"]
    join = {"message": "", "accept_charter": "y", "submission": token}
    for _ in range(2):
        assert client.post(f"/groupes/{group.slug}/rejoindre", data=join).status_code == 302
    counts = [
        db.session.scalar(select(func.count(Rex.id)).where(Rex.title == "Un seul REX")),
        db.session.scalar(
            select(func.count(Thread.id)).where(Thread.title == "Une seule discussion")
        ),
        db.session.scalar(select(func.count(Group.id)).where(Group.name == "Un seul groupe")),
        db.session.scalar(select(func.count(Topic.id)).where(Topic.title == "Un seul sujet")),
        db.session.scalar(select(func.count(Report.id))),
        db.session.scalar(select(func.count(Post.id)).where(Post.source == "Première remarque.")),
        db.session.scalar(
            select(func.count(JoinRequest.id)).where(
                JoinRequest.group_id == group.id, JoinRequest.user_id == facilitator.id
            )
        ),
    ]
    assert counts == [1, 1, 1, 1, 1, 1, 1]


def test_a_failed_submission_does_not_use_its_token(app: Flask, make_user: Any) -> None:
    [client] = clients(app, [make_user()])
    token = form_of(client, "/rex/nouveau")["submission"]
    refused = client.post("/rex/nouveau", data={**_rex_data(""), "submission": token})
    assert refused.status_code == 200  # title missing: form back, token still free
    assert (
        client.post(
            "/rex/nouveau", data={**_rex_data("Enfin un titre"), "submission": token}
        ).status_code
        == 302
    )


# -- slugs are no oracle for private titles ----------------------------------------------------


def test_slugs_reveal_no_private_or_former_title(
    app: Flask, make_user: Any, make_group: Any
) -> None:
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    private = wiki.create_rex(
        member, title="Projet secret", body=BODY, space="group", group_id=group.id
    )
    renamed = wiki.create_rex(
        member, title="Ancien titre secret", body=BODY, space="group", group_id=group.id
    )
    db.session.commit()
    assert re.fullmatch(r"projet-secret-[a-z0-9]{6}", private.slug)  # never a plain slug
    wiki.rename(member, renamed, "Nouveau titre")
    db.session.commit()
    # An old plain slug of a private REX written before this rule: taken over, not "-2".
    db.session.add(SlugRedirect(slug="vieux-titre-prive", rex_id=renamed.id))
    db.session.commit()
    [client] = clients(app, [outsider])
    for title, slug in (
        ("Projet secret", "projet-secret"),
        ("Ancien titre secret", "ancien-titre-secret"),
        ("Vieux titre privé", "vieux-titre-prive"),
    ):
        response = client.post("/rex/nouveau", data=_rex_data(title))
        assert response.headers["Location"] == f"/rex/{slug}", title
    assert client.get(f"/rex/{db.session.get(Rex, renamed.id).slug}").status_code == 404
    # A visible title does get a suffix: the author can see why.
    visible = client.post("/rex/nouveau", data=_rex_data("Projet secret"))
    assert visible.headers["Location"] == "/rex/projet-secret-2"


# -- reading never needs a write -----------------------------------------------------------


def _refuse_markers(backend: str) -> None:
    """Make every write of a read marker fail, as a full disk would."""
    if backend == "sqlite":
        for when in ("INSERT", "UPDATE"):
            db.session.execute(
                text(
                    f"CREATE TRIGGER refuse_{when.lower()} BEFORE {when} ON thread_read "
                    "BEGIN SELECT RAISE(ABORT, 'disque plein'); END"
                )
            )
    else:
        db.session.execute(
            text(
                "CREATE OR REPLACE FUNCTION refuse_marker() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'disque plein'; END $$ LANGUAGE plpgsql"
            )
        )
        db.session.execute(text("DROP TRIGGER IF EXISTS refuse_marker ON thread_read"))
        db.session.execute(
            text(
                "CREATE TRIGGER refuse_marker BEFORE INSERT OR UPDATE ON thread_read "
                "FOR EACH ROW EXECUTE FUNCTION refuse_marker()"
            )
        )
    db.session.commit()


def test_a_thread_is_read_when_its_read_marker_cannot_be_written(
    app: Flask, make_user: Any, backend: str
) -> None:
    author, reader = make_user(), make_user()
    thread = forum.create_thread(author, title="Fil à lire", body="Texte lisible.", space="network")
    db.session.commit()
    _refuse_markers(backend)
    try:
        cs = clients(app, [reader] * 4)
        path = f"/forum/sujet/{thread.id}"
        responses = race([(lambda c=c: c.get(path)) for c in cs])
        assert [r.status_code for r in responses] == [200] * 4
        assert all("Texte lisible." in r.get_data(as_text=True) for r in responses)
        assert db.session.scalar(select(func.count()).select_from(ThreadRead)) == 0
        # Writing still works where it does not touch the markers.
        token = form_of(cs[0], f"/forum/sujet/{thread.id}")["submission"]
        reply = cs[0].post(
            f"/forum/sujet/{thread.id}/repondre", data={"body": "Réponse.", "submission": token}
        )
        assert reply.status_code == 302
    finally:
        if backend == "postgresql":
            db.session.rollback()
            db.session.execute(text("DROP TRIGGER IF EXISTS refuse_marker ON thread_read"))
            db.session.commit()


def test_publication_forms_count_once(app: Flask, make_user: Any, make_group: Any) -> None:
    """A synthesis and a publication proposal are created once, whatever the replays."""
    from commons.publication.models import Proposal

    facilitator, member = make_user(role="facilitator"), make_user()
    group = make_group(facilitator=facilitator, members=(member,))
    rex = wiki.create_rex(member, title="À publier", body=BODY, space="group", group_id=group.id)
    db.session.commit()
    fac_client, member_client = clients(app, [facilitator, member])
    path = f"/publication/groupe/{group.slug}/synthese"
    token = form_of(fac_client, path)["submission"]
    data = {"title": "Une seule synthèse", "body": "Ce que nous retenons.", "submission": token}
    first, replay = (fac_client.post(path, data=data) for _ in range(2))
    assert first.status_code == replay.status_code == 302
    assert replay.headers["Location"] == first.headers["Location"]
    assert (
        db.session.scalar(select(func.count(Rex.id)).where(Rex.title == "Une seule synthèse")) == 1
    )
    path = f"/publication/rex/{rex.slug}/proposer"
    token = form_of(member_client, path)["submission"]
    data = {"licence": "etalab-2.0", "mode": "named", "message": "", "submission": token}
    first, replay = (member_client.post(path, data=data) for _ in range(2))
    assert first.status_code == replay.status_code == 302
    assert replay.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count(Proposal.id))) == 1
