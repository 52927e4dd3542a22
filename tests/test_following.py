"""Following a REX (issue 18): edits notify the watchers at « Tout », authors follow their REX,
« Mes suivis » and « Dernières modifications » — never showing a group's REX to outsiders."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from commons import db
from commons.notifications import services as notifications
from commons.notifications.models import Notification
from commons.wiki import services as wiki

from .conftest import login, outbox


@pytest.fixture
def circle(make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    alice, bob, outsider = make_user("Alice Martin"), make_user("Bob Durand"), make_user("Oscar")
    group = make_group(members=(alice, bob))
    return {"alice": alice, "bob": bob, "outsider": outsider, "group": group}


def _rex(author: Any, group: Any = None, title: str = "Budget participatif secret") -> Any:
    rex = wiki.create_rex(
        author,
        title=title,
        body="Premier jet.\n",
        space="group" if group else "network",
        group_id=group.id if group else None,
    )
    db.session.commit()
    return rex


def _rex_notes(user: Any) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.target_type.like("rex.%")
            )
        )
    )


def _as(client: Any, user: Any) -> None:
    client.post("/deconnexion")
    login(client, user)


def _edit(client: Any, rex: Any, body: str, comment: str = "") -> Any:
    return client.post(
        f"/rex/{rex.slug}/modifier",
        data={"title": rex.title, "body": body, "base": str(rex.head), "comment": comment},
    )


def test_creating_a_rex_follows_it_at_all(circle: dict[str, Any]) -> None:
    rex = _rex(circle["alice"], circle["group"])
    assert notifications.watch_level(circle["alice"], "rex", rex.id) == "all"


def test_edit_by_someone_else_notifies_and_emails_the_follower(
    app: Any, client: Any, circle: dict[str, Any]
) -> None:
    alice, bob = circle["alice"], circle["bob"]
    rex = _rex(alice, circle["group"])
    login(client, bob)
    response = _edit(client, rex, "Premier jet.\n\nAjout de Bob.\n", "Chiffres 2024")
    assert response.status_code == 302
    [note] = _rex_notes(alice)
    assert note.kind == "rex.revision" and note.actor_id == bob.id
    assert _rex_notes(bob) == []  # the editor is not told of their own edit
    # Editing does not subscribe (only creating does): Bob chooses.
    assert notifications.watch_level(bob, "rex", rex.id) is None
    [mail] = [m for m in outbox(app) if m["To"] == alice.email]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Bob Durand a modifié" in mail["Subject"]
    assert "Chiffres 2024" in text and f"/rex/{rex.slug}/diff" in text
    # The notification centre shows it.
    _as(client, alice)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Bob Durand a modifié" in page and rex.title in page


def test_rename_notifies_and_mentions_level_does_not(client: Any, circle: dict[str, Any]) -> None:
    alice, bob = circle["alice"], circle["bob"]
    rex = _rex(alice, circle["group"])
    notifications.watch(alice, "rex", rex.id, "mentions")
    db.session.commit()
    login(client, bob)
    _edit(client, rex, "Premier jet.\n\nAutre ajout.\n")
    assert _rex_notes(alice) == []
    notifications.watch(alice, "rex", rex.id, "all")
    db.session.commit()
    client.post(
        f"/rex/{rex.slug}/modifier",
        data={"title": "Nouveau titre", "body": "Premier jet.\n\nAutre ajout.\n", "base": "2"},
    )
    kinds = [n.kind for n in _rex_notes(alice)]
    assert kinds == ["rex.event"]
    _as(client, alice)
    assert "Bob Durand a renommé" in client.get("/notifications/").get_data(as_text=True)


def test_follower_who_left_the_group_gets_nothing_and_sees_nothing(
    app: Any, client: Any, circle: dict[str, Any], make_user: Any
) -> None:
    from commons.groups import services as groups

    alice, bob = circle["alice"], circle["bob"]
    rex = _rex(alice, circle["group"])
    login(client, bob)
    _edit(client, rex, "Premier jet.\n\nUn.\n")
    assert len(_rex_notes(alice)) == 1
    groups.leave(alice, circle["group"])
    db.session.commit()
    db.session.expire_all()
    alice.__dict__.pop("_group_ids", None)
    rex = db.session.get(type(rex), rex.id)
    before = len(outbox(app))
    _edit(client, rex, "Premier jet.\n\nUn.\n\nDeux.\n")
    assert len(_rex_notes(alice)) == 1  # no new notification once outside
    assert len(outbox(app)) == before
    _as(client, alice)
    page = client.get("/notifications/").get_data(as_text=True)
    assert rex.title not in page  # the old one is re-checked: nothing of it is shown
    assert rex.title not in client.get("/notifications/suivis").get_data(as_text=True)


def test_watchlist_lists_and_changes_levels(client: Any, circle: dict[str, Any]) -> None:
    alice = circle["alice"]
    rex = _rex(alice, circle["group"])
    _as(client, alice)
    page = client.get("/notifications/suivis").get_data(as_text=True)
    assert "Mes suivis" in page and rex.title in page
    assert '<option value="all" selected>' in page
    response = client.post(
        "/notifications/suivre",
        data={
            "target_type": "rex",
            "target_id": rex.id,
            "level": "muted",
            "next": "/notifications/suivis",
        },
    )
    assert response.headers["Location"].endswith("/notifications/suivis")
    assert notifications.watch_level(alice, "rex", rex.id) == "muted"


def test_watchlist_needs_sign_in(client: Any) -> None:
    assert client.get("/notifications/suivis").status_code == 302


def test_recent_changes_respect_visibility_and_filters(client: Any, circle: dict[str, Any]) -> None:
    alice, bob, outsider = circle["alice"], circle["bob"], circle["outsider"]
    secret = _rex(alice, circle["group"], "Projet confidentiel du groupe")
    network = _rex(bob, None, "Retour ouvert au réseau")
    login(client, bob)
    _edit(client, secret, "Premier jet.\n\nModif secrète.\n", "Résumé très secret")
    page = client.get("/rex/dernieres-modifications").get_data(as_text=True)
    assert secret.title in page and network.title in page and "Résumé très secret" in page
    only_network = client.get("/rex/dernieres-modifications?espace=network").get_data(as_text=True)
    assert network.title in only_network and secret.title not in only_network
    by_group = client.get(f"/rex/dernieres-modifications?groupe={circle['group'].id}").get_data(
        as_text=True
    )
    assert secret.title in by_group and network.title not in by_group

    _as(client, outsider)
    for url in (
        "/rex/dernieres-modifications",
        f"/rex/dernieres-modifications?groupe={circle['group'].id}",
        "/rex/dernieres-modifications?espace=group",
    ):
        page = client.get(url).get_data(as_text=True)
        assert secret.title not in page and "Résumé très secret" not in page
    assert network.title in client.get("/rex/dernieres-modifications").get_data(as_text=True)
    client.post("/deconnexion")
    anonymous = client.get("/rex/dernieres-modifications")
    assert anonymous.status_code == 200
    text = anonymous.get_data(as_text=True)
    assert secret.title not in text and network.title not in text


def test_recent_changes_bad_filters_are_ignored(client: Any, circle: dict[str, Any]) -> None:
    for query in ("?espace=x&theme=%00&groupe=abc&page=-5", "?page=999999999999"):
        assert client.get("/rex/dernieres-modifications" + query).status_code == 200
