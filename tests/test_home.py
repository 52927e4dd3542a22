"""The home page shows what is alive (issue 18): recent REX the reader may see, active
discussions of their groups, a facilitator's waiting work, the latest commons for visitors —
and stays cacheable for visitors."""

from __future__ import annotations

from typing import Any

from commons import db
from commons.forum import services as forum
from commons.groups import services as groups
from commons.wiki import services as wiki

from .conftest import login


def _world(make_user: Any, make_group: Any) -> dict[str, Any]:
    facilitator = make_user("Fanny Anim", role="facilitator")
    alice, outsider, newcomer = make_user("Alice"), make_user("Oscar"), make_user("Nina")
    group = make_group(facilitator=facilitator, members=(alice,))
    public = wiki.create_rex(alice, title="Cantine bio publique", body="Texte.\n", space="public")
    network = wiki.create_rex(alice, title="Achats du réseau", body="Texte.\n", space="network")
    secret = wiki.create_rex(
        alice, title="Dossier secret du groupe", body="Texte.\n", space="group", group_id=group.id
    )
    thread = forum.create_thread(
        alice,
        title="Discussion vivante du groupe",
        body="Bonjour.",
        space="group",
        group_id=group.id,
    )
    groups.request_join(newcomer, group, message="Bonjour", accept_charter=True)
    db.session.commit()
    return {
        "facilitator": facilitator,
        "alice": alice,
        "outsider": outsider,
        "group": group,
        "public": public,
        "network": network,
        "secret": secret,
        "thread": thread,
    }


def test_visitor_sees_latest_commons_only_and_page_is_cached(
    app: Any, client: Any, make_user: Any, make_group: Any
) -> None:
    w = _world(make_user, make_group)
    first = client.get("/")
    page = first.get_data(as_text=True)
    assert "Derniers communs publiés" in page and w["public"].title in page
    for private in (w["network"].title, w["secret"].title, w["thread"].title, "À traiter"):
        assert private not in page
    cache = app.extensions["commons.pagecache"]
    hits = cache.hits
    again = client.get("/")
    assert again.get_data(as_text=True) == page and cache.hits == hits + 1


def test_member_sees_recent_rex_and_group_discussions(
    client: Any, make_user: Any, make_group: Any
) -> None:
    w = _world(make_user, make_group)
    login(client, w["alice"])
    page = client.get("/").get_data(as_text=True)
    for title in (w["public"].title, w["network"].title, w["secret"].title, w["thread"].title):
        assert title in page
    assert "À traiter" not in page  # not a facilitator


def test_outsider_sees_no_group_content(client: Any, make_user: Any, make_group: Any) -> None:
    w = _world(make_user, make_group)
    login(client, w["outsider"])
    page = client.get("/").get_data(as_text=True)
    assert w["network"].title in page
    assert w["secret"].title not in page and w["thread"].title not in page


def test_facilitator_sees_pending_actions(client: Any, make_user: Any, make_group: Any) -> None:
    w = _world(make_user, make_group)
    login(client, w["facilitator"])
    page = client.get("/").get_data(as_text=True)
    assert "À traiter" in page and "1 demande d'adhésion en attente" in page
    assert "/animation/" in page
