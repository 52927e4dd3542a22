"""Issue 13, the wiki's part: nobody but moderation takes a REX out of the commons, private
words stay with the audience they were written for, and every change of audience or licence
needs the consent of everyone whose words are in the REX. Over HTTP, as users would do it."""

from __future__ import annotations

from html import unescape
from typing import Any

from sqlalchemy import select

from commons import db
from commons.forum.models import Thread
from commons.moderation import services as moderation
from commons.moderation import targets
from commons.search.outbox import drain
from commons.wiki import services
from commons.wiki.models import Agreement, Event, Rex

from .conftest import login

BODY = "## Contexte\n\nUn texte de départ.\n"


def rex_of(author: Any, title: str, space: str = "network", group: Any = None, **kw: Any) -> Rex:
    rex = services.create_rex(
        author,
        title=title,
        body=kw.pop("body", BODY),
        space=space,
        group_id=group.id if group is not None else None,
        **kw,
    )
    db.session.commit()
    return rex


def as_user(client: Any, user: Any) -> None:
    client.post("/deconnexion")
    login(client, user)


def text(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def test_no_one_moves_a_public_rex_out_of_the_commons(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    author, admin = make_user(), make_user(role="admin")
    group = make_group(facilitator=admin, members=(author,))
    rex = rex_of(author, "Communs pour toujours", space="public")
    for who in (author, admin):
        as_user(client, who)
        page = text(client.get(f"/rex/{rex.slug}"))
        assert f"/rex/{rex.slug}/deplacer" not in page  # no button
        for target in ("network", f"group:{group.id}"):
            response = client.post(f"/rex/{rex.slug}/deplacer", data={"space": target})
            assert response.status_code == 200
            assert "ce qui est public le reste" in text(response)
    client.post("/deconnexion")
    assert client.get(f"/rex/{rex.slug}").status_code == 200
    assert db.session.get(Rex, rex.id).space == "public"
    assert not list(db.session.scalars(select(Event).where(Event.kind == "move")))


def test_a_rex_never_passes_from_one_group_to_another(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    both = make_user()
    first, second = make_group(members=(both,)), make_group(members=(both,))
    rex = rex_of(both, "Paroles du premier groupe", space="group", group=first)
    as_user(client, both)
    response = client.post(f"/rex/{rex.slug}/deplacer", data={"space": f"group:{second.id}"})
    assert "d'un groupe à un autre" in text(response)
    assert db.session.get(Rex, rex.id).group_id == first.id


def test_widening_keeps_the_group_discussion_in_the_group(
    app, client, make_user, make_group
) -> None:  # type: ignore[no-untyped-def]
    author, member, outsider = make_user(), make_user(), make_user()
    group = make_group(members=(author, member))
    rex = rex_of(author, "Un REX qui s'ouvre", space="group", group=group)
    as_user(client, member)
    client.post(f"/forum/rex/{rex.slug}", data={"body": "Entre nous : canari-groupe-7431."})
    [group_talk] = db.session.scalars(select(Thread).where(Thread.rex_id == rex.id))
    assert group_talk.space == "group"
    as_user(client, author)  # the author alone wrote the REX: the move is theirs to make
    response = client.post(f"/rex/{rex.slug}/deplacer", data={"space": "network"})
    assert response.status_code == 302
    assert db.session.get(Rex, rex.id).space == "network"
    drain(app)
    as_user(client, outsider)
    assert client.get(f"/rex/{rex.slug}").status_code == 200
    assert client.get(f"/forum/sujet/{group_talk.id}").status_code == 404
    found = text(client.get("/recherche?q=canari-groupe-7431"))
    assert f"/forum/sujet/{group_talk.id}" not in found and "Entre nous" not in found
    # A new discussion starts in the network; the group's one stays reachable by members.
    client.post(f"/forum/rex/{rex.slug}", data={"body": "Une question du réseau."})
    talks = list(db.session.scalars(select(Thread).where(Thread.rex_id == rex.id)))
    assert sorted(t.space for t in talks) == ["group", "network"]
    assert f"/forum/sujet/{group_talk.id}" not in text(client.get(f"/rex/{rex.slug}"))
    as_user(client, member)
    page = text(client.get(f"/rex/{rex.slug}"))
    assert f"/forum/sujet/{group_talk.id}" in page and "dans le groupe" in page
    assert client.get(f"/forum/sujet/{group_talk.id}").status_code == 200


def test_widening_with_others_needs_each_consent(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    author, renamer, outsider = make_user(), make_user(), make_user()
    group = make_group(members=(author, renamer))
    rex = rex_of(author, "Écrit à plusieurs", space="group", group=group)
    as_user(client, renamer)  # changes only the title: their words are in the REX too
    client.post(
        f"/rex/{rex.slug}/modifier",
        data={"title": "Écrit à plusieurs mains", "body": BODY, "base": "1"},
    )
    rex = db.session.get(Rex, rex.id)
    as_user(client, author)
    response = client.post(f"/rex/{rex.slug}/deplacer", data={"space": "network"})
    page = text(response)
    assert "l'accord de chacun" in page and renamer.display_name in page
    assert db.session.get(Rex, rex.id).space == "group"
    response = client.post(
        f"/rex/{rex.slug}/deplacer",
        data={"space": "network", "demander": "1", "message": "On le partage ?"},
    )
    agreement = db.session.scalar(select(Agreement).where(Agreement.rex_id == rex.id))
    assert response.status_code == 302 and agreement.status == "pending"
    as_user(client, outsider)  # an outsider cannot see nor answer the request
    assert client.get(f"/rex/{rex.slug}/accords/{agreement.id}").status_code == 404
    client.post(f"/rex/{rex.slug}/accords/{agreement.id}/repondre", data={"reponse": "oui"})
    assert db.session.get(Rex, rex.id).space == "group"
    as_user(client, renamer)
    assert "Votre accord est demandé" in text(client.get("/notifications/"))
    page = text(client.get(f"/rex/{rex.slug}/accords/{agreement.id}"))
    assert "On le partage ?" in page and "J'accepte" in page
    client.post(f"/rex/{rex.slug}/accords/{agreement.id}/repondre", data={"reponse": "oui"})
    rex = db.session.get(Rex, rex.id)
    assert rex.space == "network" and db.session.get(Agreement, agreement.id).status == "applied"
    [move] = db.session.scalars(select(Event).where(Event.rex_id == rex.id, Event.kind == "move"))
    assert move.detail["agreement"] == str(agreement.id) and move.actor_id == author.id


def test_one_no_refuses_the_request(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author, peer = make_user(), make_user()
    rex = rex_of(author, "Licence discutée", licence_id="CC-BY-SA-4.0")
    services.save(peer, rex, base=rex.head, body=BODY + "\nAjout.\n")
    db.session.commit()
    as_user(client, author)
    response = client.post(f"/rex/{rex.slug}/licence", data={"licence": "CC0-1.0", "demander": "1"})
    agreement = db.session.scalar(select(Agreement).where(Agreement.rex_id == rex.id))
    assert response.status_code == 302 and agreement.kind == "licence"
    again = client.post(f"/rex/{rex.slug}/licence", data={"licence": "CC0-1.0", "demander": "1"})
    assert "déjà en cours" in text(again)
    as_user(client, peer)
    client.post(f"/rex/{rex.slug}/accords/{agreement.id}/repondre", data={"reponse": "non"})
    assert db.session.get(Agreement, agreement.id).status == "refused"
    assert db.session.get(Rex, rex.id).licence_id == "CC-BY-SA-4.0"


def test_no_one_relicenses_text_whose_authors_have_no_account(client, make_user) -> None:  # type: ignore[no-untyped-def]
    agent = make_user()
    shipped = services.create_rex(
        None, title="REX livré", body=BODY, space="network", author_name="Ville de Nulle-Part"
    )
    db.session.commit()
    as_user(client, agent)
    for licence in ("CC0-1.0", "CC-BY-SA-4.0"):
        for extra in ({}, {"demander": "1"}):
            response = client.post(
                f"/rex/{shipped.slug}/licence", data={"licence": licence, **extra}
            )
            assert "sans compte ici" in text(response), (licence, extra)
    assert db.session.get(Rex, shipped.id).licence_id == "etalab-2.0"
    assert db.session.scalar(select(Agreement.id)) is None


def test_a_sole_authors_licence_change_is_in_the_history(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = rex_of(author, "Ma licence")
    as_user(client, author)
    assert client.post(f"/rex/{rex.slug}/licence", data={"licence": "CC-BY-4.0"}).status_code == 302
    history = text(client.get(f"/rex/{rex.slug}/historique"))
    assert "Licence changée : Licence Ouverte 2.0 → CC BY 4.0" in history


def test_a_hidden_rex_hides_its_discussion(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    author, reader, moderator = make_user(), make_user(), make_user(role="facilitator")
    rex = rex_of(author, "Bientôt masqué")
    as_user(client, reader)
    client.post(f"/rex/{rex.slug}/discussion", data={"body": "x"})  # nothing there
    client.post(f"/forum/rex/{rex.slug}", data={"body": "Mot rare canari-discussion-5512."})
    [talk] = db.session.scalars(select(Thread).where(Thread.rex_id == rex.id))
    moderation.hide(moderator, targets.of(db.session.get(Rex, rex.id)), "Données personnelles")
    db.session.commit()
    drain(app)
    for who in (reader, author):
        as_user(client, who)
        assert client.get(f"/forum/sujet/{talk.id}").status_code == 404
        assert client.get(f"/forum/rex/{rex.slug}").status_code == 404
        found = text(client.get("/recherche?q=canari-discussion-5512"))
        assert f"/forum/sujet/{talk.id}" not in found and "Mot rare" not in found
        assert "masqué par l'animation" in text(client.get(f"/rex/{rex.slug}"))
    as_user(client, moderator)
    assert client.get(f"/forum/sujet/{talk.id}").status_code == 200


def test_links_to_a_rex_that_goes_private_are_rerendered(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    author, reader = make_user(), make_user()
    group = make_group(members=(author,))
    target = rex_of(author, "Cible privée bientôt")
    page = rex_of(reader, "Page qui cite", body="Voir [[Cible privée bientôt]].\n")
    assert f'href="/rex/{target.slug}"' in db.session.get(Rex, page.id).html
    as_user(client, author)
    assert (
        client.post(f"/rex/{target.slug}/deplacer", data={"space": f"group:{group.id}"}).status_code
        == 302
    )
    as_user(client, reader)
    html = text(client.get(f"/rex/{page.slug}"))
    assert f'href="/rex/{target.slug}"' not in html and "wikilink-missing" in html
    # and a link written before its target existed comes alive when it is created
    later = rex_of(reader, "Page en avance", body="Voir [[Sujet à venir]].\n")
    assert "wikilink-missing" in db.session.get(Rex, later.id).html
    created = rex_of(author, "Sujet à venir")
    assert f'href="/rex/{created.slug}"' in db.session.get(Rex, later.id).html
