"""Issue 13, case 8 (agenda): a group agenda shows the title of a linked REX or discussion
only to those who may see it now; anyone else reads « contenu non disponible »."""

from __future__ import annotations

import html
import re

from commons import db
from commons.forum import agenda
from commons.forum import services as forum
from commons.wiki import services as wiki

from .conftest import login

REX_TITLE = "Régie de quartier secrète"
THREAD_TITLE = "Conflit avec le prestataire"


def _agenda(client, user, group) -> str:  # type: ignore[no-untyped-def]
    client.post("/deconnexion")
    login(client, user)
    response = client.get(f"/groupes/{group.slug}/sujets")
    assert response.status_code == 200
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def test_linked_titles_follow_current_visibility(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator, alice, both = make_user(role="facilitator"), make_user(), make_user()
    group = make_group(facilitator, members=(alice, both))
    other = make_group(members=(both,))
    rex = wiki.create_rex(alice, title=REX_TITLE, body="Texte.", space="network")
    thread = forum.create_thread(
        alice, title=THREAD_TITLE, body="Premier message.", space="group", group_id=group.id
    )
    topic = agenda.propose(alice, group, "Régies et prestataires")
    db.session.commit()
    login(client, facilitator)
    response = client.post(
        f"/groupes/{group.slug}/sujets/{topic.id}/statut",
        data={"status": "retenu", "thread": str(thread.id), "rex": rex.slug},
    )
    assert response.status_code == 302
    page = _agenda(client, alice, group)
    assert REX_TITLE in page and THREAD_TITLE in page

    # The REX now belongs to another group (however it got there): its title is gone for
    # the members who are not in that group; a member of both still sees it.
    rex.space, rex.group_id = "group", other.id
    db.session.commit()
    page = _agenda(client, alice, group)
    assert REX_TITLE not in page and rex.slug not in page
    assert "REX lié : contenu non disponible" in page
    assert REX_TITLE in _agenda(client, both, group)
    assert REX_TITLE not in _agenda(client, facilitator, group)  # nor in the status form

    # A discussion hidden by the facilitators: members read the neutral mention, the
    # facilitators (who moderate it) still see the title.
    thread.hidden = True
    db.session.commit()
    page = _agenda(client, alice, group)
    assert THREAD_TITLE not in page and "Discussion liée : contenu non disponible" in page
    assert THREAD_TITLE in _agenda(client, facilitator, group)


def test_a_facilitator_cannot_link_what_they_cannot_see(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator, stranger = make_user(role="facilitator"), make_user()
    group = make_group(facilitator)
    elsewhere = make_group(members=(stranger,))
    private = wiki.create_rex(
        stranger, title=REX_TITLE, body="Texte.", space="group", group_id=elsewhere.id
    )
    topic = agenda.propose(facilitator, group, "Un sujet")
    db.session.commit()
    login(client, facilitator)
    for rex in (private,):
        page = client.post(
            f"/groupes/{group.slug}/sujets/{topic.id}/statut",
            data={"status": "retenu", "thread": "", "rex": rex.slug},
            follow_redirects=True,
        )
        assert "REX introuvable ou non visible dans ce groupe." in html.unescape(
            page.get_data(as_text=True)
        )
    db.session.refresh(topic)
    assert topic.rex_id is None
