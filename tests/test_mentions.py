"""@mentions (issue 18): profile links in posts, autocomplete limited to people who can read the
discussion, author cards, and the message text in notification e-mails."""

from __future__ import annotations

from typing import Any

import pytest

from commons import db
from commons.forum import services as forum
from commons.notifications.mentions import link_mentions

from .conftest import login, outbox


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["FORUM_POSTS_PER_MINUTE"] = 1000
    return app_config


@pytest.fixture
def circle(make_user, make_group, make_collectivite) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    city = make_collectivite("Ville de Pessac")
    alice = make_user("Alice Martin", collectivite=city)
    bob, marc, outsider = (
        make_user("Bob Durand"),
        make_user("Marc Lefèvre"),
        make_user("Marc Dehors"),
    )
    group = make_group(members=(alice, bob, marc))
    return {"alice": alice, "bob": bob, "marc": marc, "outsider": outsider, "group": group}


def _thread(author: Any, group: Any, body: str) -> Any:
    thread = forum.create_thread(
        author, title="Achats groupés", body=body, space="group", group_id=group.id
    )
    db.session.commit()
    return thread


def test_link_mentions_skips_code_links_and_unknown_handles(
    app: Any, circle: dict[str, Any]
) -> None:
    marc = circle["marc"].handle
    with app.test_request_context():
        html = link_mentions(
            f"<p>Salut @{marc} et @personne-inconnue, écris à x@{marc}.fr</p>"
            f"<p><code>@{marc}</code> <a href='/x'>@{marc}</a></p>"
        )
    assert html.count('class="mention"') == 1
    assert f'<a class="mention" href="/agents/{marc}">@{marc}</a>' in html
    assert "@personne-inconnue" in html and f"<code>@{marc}</code>" in html


def test_post_shows_mention_link_and_author_card(client: Any, circle: dict[str, Any]) -> None:
    alice, marc = circle["alice"], circle["marc"]
    thread = _thread(alice, circle["group"], f"Bonjour @{marc.handle}, une question.")
    login(client, circle["bob"])
    page = client.get(f"/forum/sujet/{thread.id}").get_data(as_text=True)
    assert f'<a class="mention" href="/agents/{marc.handle}">@{marc.handle}</a>' in page
    assert f'href="/agents/{alice.handle}">Alice Martin</a>' in page
    assert "Chargé de mission, Ville de Pessac" in page
    assert "mentions.js" in page and "data-mentions=" in page


def test_autocomplete_suggests_only_readers(client: Any, circle: dict[str, Any]) -> None:
    alice, marc, outsider = circle["alice"], circle["marc"], circle["outsider"]
    thread = _thread(alice, circle["group"], "Premier message.")
    login(client, alice)
    data = client.get(f"/notifications/mentions.json?sujet={thread.id}&q=marc").get_json()
    handles = [p["handle"] for p in data["people"]]
    assert handles == [marc.handle]  # the outsider « Marc Dehors » is not suggested
    assert data["people"][0]["job"] == "Chargé de mission"
    group_data = client.get(
        f"/notifications/mentions.json?groupe={circle['group'].id}&q=@mar"
    ).get_json()
    assert [p["handle"] for p in group_data["people"]] == [marc.handle]
    network = client.get("/notifications/mentions.json?q=marc").get_json()
    assert {p["handle"] for p in network["people"]} == {marc.handle, outsider.handle}
    # By name, not only by handle; never oneself.
    assert client.get(f"/notifications/mentions.json?sujet={thread.id}&q=martin").get_json() == {
        "people": []
    }
    # The outsider can ask about neither the thread nor the group.
    client.post("/deconnexion")
    login(client, outsider)
    assert client.get(f"/notifications/mentions.json?sujet={thread.id}&q=a").status_code == 404
    assert (
        client.get(f"/notifications/mentions.json?groupe={circle['group'].id}&q=a").status_code
        == 404
    )
    for query in ("q=%25", "q=_", "q=", "q=%00", "sujet=abc&q=a"):
        assert client.get(f"/notifications/mentions.json?{query}").status_code == 200


def test_autocomplete_needs_sign_in(client: Any) -> None:
    assert client.get("/notifications/mentions.json?q=a").status_code == 302


def test_mention_email_contains_the_message(app: Any, client: Any, circle: dict[str, Any]) -> None:
    alice, marc = circle["alice"], circle["marc"]
    login(client, alice)
    response = client.post(
        f"/forum/nouveau?groupe={circle['group'].id}",
        data={"title": "Question budget", "body": f"@{marc.handle} as-tu le chiffre de 2023 ?"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [mail] = [m for m in outbox(app) if m["To"] == marc.email]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "as-tu le chiffre de 2023" in text


def test_hidden_message_is_not_copied_into_email(app: Any, circle: dict[str, Any]) -> None:
    from sqlalchemy import select

    from commons.forum.models import Post
    from commons.notifications import emails

    alice, marc = circle["alice"], circle["marc"]
    thread = forum.create_thread(
        alice,
        title="Achats groupés",
        body=f"@{marc.handle} texte à masquer",
        space="group",
        group_id=circle["group"].id,
    )
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    first.hidden = True  # hidden before the message is written (at commit)
    db.session.commit()
    assert emails.deliver_pending() == 0
    [mail] = [m for m in outbox(app) if m["To"] == marc.email]
    assert "texte à masquer" not in mail.get_body(preferencelist=("plain",)).get_content()
