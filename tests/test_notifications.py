"""Notifications: mentions, watch levels, the centre, the header counter, e-mails and digests,
never leaking what the recipient cannot (or can no longer) see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from commons import db
from commons.forum import services as forum
from commons.groups import services as groups
from commons.notifications import emails, reading
from commons.notifications import services as notifications
from commons.notifications.models import Notification, Preference

from .conftest import link_in, login, outbox


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["FORUM_POSTS_PER_MINUTE"] = 1000
    return app_config


@pytest.fixture
def circle(make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A group with a facilitator and two members, and an outsider."""
    alice, bob, outsider = make_user("Alice Martin"), make_user("Bob Durand"), make_user("Oscar")
    group = make_group(members=(alice, bob))
    return {"alice": alice, "bob": bob, "outsider": outsider, "group": group}


def _thread(author: Any, group: Any, body: str = "Premier message du sujet.") -> Any:
    thread = forum.create_thread(
        author, title="Marchés publics secrets", body=body, space="group", group_id=group.id
    )
    db.session.commit()
    return thread


def _notes(user: Any) -> list[Notification]:
    """The user's notifications about discussions (membership notices left aside: joining
    the circle tells the members already there, see tests/test_group_entry.py)."""
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.target_type != "membership"
            )
        )
    )


def test_mention_of_member_notifies_them(circle: dict[str, Any]) -> None:
    _thread(circle["alice"], circle["group"], f"Qu'en penses-tu @{circle['bob'].handle} ?")
    [note] = _notes(circle["bob"])
    assert note.kind == "mention"
    assert _notes(circle["alice"]) == []  # the author is never notified


def test_mention_of_outsider_or_unknown_notifies_nobody(circle: dict[str, Any]) -> None:
    body = f"Bonjour @{circle['outsider'].handle} et @personne-inconnue"
    _thread(circle["alice"], circle["group"], body)
    assert _notes(circle["outsider"]) == []
    total = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.target_type != "membership")
    )
    assert total == 0
    assert "Marchés publics secrets" not in client_page(circle["outsider"])


def client_page(user: Any) -> str:
    """The outsider's notification centre, as they would see it."""
    from flask import current_app

    client = current_app.test_client()
    login(client, user)
    return client.get("/notifications/").get_data(as_text=True)


def test_watch_levels(circle: dict[str, Any], make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = circle["alice"], circle["bob"]
    carol = make_user("Carol")
    group = circle["group"]
    thread = _thread(alice, group)
    notifications.watch(bob, "thread", thread.id, "mentions")
    db.session.commit()
    forum.reply(alice, thread, "Une réponse sans mention.")
    db.session.commit()
    assert _notes(bob) == []
    forum.reply(alice, thread, f"Et toi @{bob.handle} ?")
    db.session.commit()
    assert [n.kind for n in _notes(bob)] == ["mention"]
    notifications.watch(bob, "thread", thread.id, "muted")
    db.session.commit()
    forum.reply(alice, thread, f"Encore @{bob.handle}")
    db.session.commit()
    assert len(_notes(bob)) == 1
    notifications.watch(bob, "thread", thread.id, "all")
    db.session.commit()
    forum.reply(alice, thread, "Une réponse de plus.")
    db.session.commit()
    assert [n.kind for n in _notes(bob)] == ["mention", "reply"]
    assert _notes(alice) == [] and _notes(carol) == []


def test_group_watcher_gets_new_threads(circle: dict[str, Any]) -> None:
    notifications.watch(circle["bob"], "group", circle["group"].id, "all")
    db.session.commit()
    _thread(circle["alice"], circle["group"])
    assert [n.kind for n in _notes(circle["bob"])] == ["new_thread"]


def test_unread_count_in_header_and_centre(app: Flask, client, circle) -> None:  # type: ignore[no-untyped-def]
    alice, bob, outsider = circle["alice"], circle["bob"], circle["outsider"]
    thread = _thread(alice, circle["group"], f"Salut @{bob.handle}")
    login(client, bob)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "1 non lue" in page
    assert "vous a mentionné·e dans" in page and "Marchés publics secrets" in page
    assert f"/forum/sujet/{thread.id}/message/1" in page
    client.post("/notifications/tout-lu")
    assert "non lue" not in client.get("/notifications/").get_data(as_text=True)

    other = app.test_client()
    login(other, outsider)
    page = other.get("/notifications/").get_data(as_text=True)
    assert "non lue" not in page and "Marchés publics secrets" not in page
    assert "Aucune notification" in page


def test_centre_hides_threads_no_longer_visible(client, circle) -> None:  # type: ignore[no-untyped-def]
    alice, bob, group = circle["alice"], circle["bob"], circle["group"]
    _thread(alice, group, f"Salut @{bob.handle}")
    groups.leave(bob, group)
    db.session.commit()
    login(client, bob)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Marchés publics secrets" not in page
    assert "Contenu qui ne vous est plus accessible" in page
    assert "non lue" not in page  # not counted as unread
    assert reading.unread_count(bob) == 0


def test_immediate_email_and_unsubscribe(app: Flask, client, circle) -> None:  # type: ignore[no-untyped-def]
    alice, bob = circle["alice"], circle["bob"]
    _thread(alice, circle["group"], f"Salut @{bob.handle}")  # queued and sent with the commit
    assert emails.deliver_pending() == 0  # sent once
    [message] = [m for m in outbox(app) if m["To"] == bob.email]
    assert message.get_body(preferencelist=("plain",)) is not None
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Marchés publics secrets" in html
    path = link_in(message, "/notifications/desabonnement/")
    assert "Confirmer le désabonnement" in client.get(path).get_data(as_text=True)  # without login
    response = client.post(path)
    assert response.status_code == 200
    assert notifications.email_mode(bob.id) == "none"
    assert client.get("/notifications/desabonnement/faux-jeton").status_code == 404


def test_digest_cli(app: Flask, circle, make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob, outsider = circle["alice"], circle["bob"], circle["outsider"]
    carol = make_user("Carol Petit")
    for user in (bob, outsider, carol):
        notifications.set_email_mode(user.id, "digest")
    notifications.watch(bob, "group", circle["group"].id, "all")
    db.session.commit()
    thread = _thread(alice, circle["group"], f"Salut @{bob.handle} et @{outsider.handle}")
    forum.reply(alice, thread, "Une suite.")
    db.session.commit()
    assert emails.deliver_pending() == 0  # digest users get no immediate mail
    result = app.test_cli_runner().invoke(args=["notify", "digests"])
    assert result.exit_code == 0, result.output
    assert "1 résumé(s) envoyé(s)." in result.output
    db.session.expire_all()
    messages = outbox(app)
    assert [m["To"] for m in messages] == [bob.email]
    text = messages[0].get_body(preferencelist=("plain",)).get_content()
    assert text.count("Marchés publics secrets") == 2
    assert "Une suite." in text  # the message itself (issue 18), Bob may read it
    assert "/notifications/desabonnement/" in text
    again = app.test_cli_runner().invoke(args=["notify", "digests"])
    assert "0 résumé(s) envoyé(s)." in again.output
    assert db.session.get(Preference, bob.id).last_digest_at is not None


def test_digest_skips_content_no_longer_visible(app: Flask, circle) -> None:  # type: ignore[no-untyped-def]
    alice, bob, group = circle["alice"], circle["bob"], circle["group"]
    notifications.set_email_mode(bob.id, "digest")
    db.session.commit()
    _thread(alice, group, f"Salut @{bob.handle}")
    groups.leave(bob, group)
    db.session.commit()
    assert emails.send_digests(db.utcnow() + timedelta(hours=1)) == 0
    assert outbox(app) == []


def test_preferences_and_follow(app: Flask, client, circle) -> None:  # type: ignore[no-untyped-def]
    alice, outsider = circle["alice"], circle["outsider"]
    thread = _thread(alice, circle["group"])
    login(client, alice)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Marchés publics secrets" in page  # auto-watched as author
    client.post("/notifications/preferences", data={"email_mode": "digest"})
    assert notifications.email_mode(alice.id) == "digest"
    data = {"target_type": "thread", "target_id": thread.id, "level": "muted"}
    assert client.post("/notifications/suivre", data=data).status_code == 302
    assert notifications.watch_level(alice, "thread", thread.id) == "muted"

    other = app.test_client()
    login(other, outsider)
    assert other.post("/notifications/suivre", data=data).status_code == 403
    group = {"target_type": "group", "target_id": circle["group"].id, "level": "all"}
    assert other.post("/notifications/suivre", data=group).status_code == 403
    assert other.get("/notifications/preferences").status_code == 200
    assert notifications.watch_level(outsider, "thread", thread.id) is None


def test_watch_forms_on_thread_rex_and_group_pages(app, client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    from commons.forum import services as forum
    from commons.notifications.models import Watch
    from commons.wiki import services as wiki

    member = make_user()
    group = make_group(members=(member,))
    thread = forum.create_thread(
        member, title="Un sujet suivi", body="x", space="group", group_id=group.id
    )
    rex = wiki.create_rex(member, title="REX suivi", body="y", space="network")
    db.session.commit()
    login(client, member)
    for path, target in (
        (f"/forum/sujet/{thread.id}", "thread"),
        (f"/rex/{rex.slug}", "rex"),
        (f"/groupes/{group.slug}/espace", "group"),
    ):
        page = client.get(path).get_data(as_text=True)
        assert f'name="target_type" value="{target}"' in page, path
    target_id = {"group": group.id, "rex": rex.id}
    for target_type, ident in target_id.items():
        response = client.post(
            "/notifications/suivre",
            data={
                "target_type": target_type,
                "target_id": ident,
                "level": "all",
                "next": "//evil.example",
            },
        )
        assert response.status_code == 302 and "evil" not in response.headers["Location"]
    levels = {
        (w.target_type, w.level)
        for w in db.session.scalars(select(Watch).where(Watch.user_id == member.id))
    }
    assert ("group", "all") in levels and ("rex", "all") in levels
