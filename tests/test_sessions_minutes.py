"""Minutes written together (revisions, diff, three-way merge, conflicts), the Chatham House
warning, decisions and « à faire » items, and the synthesis draft whose publication asks every
attendee's consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from commons import db, errors
from commons.notifications.models import Notification
from commons.publication import consent
from commons.publication import services as publication
from commons.sessions import attendance, minutes, services, timing
from commons.sessions.models import ActionItem
from commons.wiki.models import Revision, Rex
from tests.conftest import login
from tests.sessions_world import World, make_past, schedule, world_fixture  # noqa: F401


@pytest.fixture
def held(world: World):  # type: ignore[no-untyped-def]
    session = schedule(world)
    make_past(session)
    return session


def test_minutes_only_after_the_session(world: World) -> None:
    session = schedule(world)
    with pytest.raises(errors.Forbidden):
        minutes.save(world.alice, session, base=0, body="Trop tôt")


def test_prefill_from_agenda_and_revisions(world: World, held) -> None:  # type: ignore[no-untyped-def]
    from commons.sessions import program

    program.add(world.facilitator, held, title="Tour de table", minutes=10)
    text = minutes.prefill(held)
    assert "### 1. Tour de table" in text and "Chatham House" in text
    outcome, first = minutes.save(world.alice, held, base=0, body=text)
    assert outcome == "saved" and first.number == 1 and "<h3 " in first.html
    assert minutes.save(world.bob, held, base=1, body=text)[0] == "noop"
    for outsider in (world.outsider, world.other_member, world.other_facilitator, world.admin):
        with pytest.raises(errors.Forbidden):
            minutes.save(outsider, held, base=1, body="intrus")


def test_concurrent_edits_merge_and_overlaps_conflict(world: World, held) -> None:  # type: ignore[no-untyped-def]
    base = "# CR\n\nPremier point.\n\nDeuxième point.\n\nTroisième point.\n"
    minutes.save(world.alice, held, base=0, body=base)
    db.session.commit()
    # Alice and Bob both start from version 1
    minutes.save(
        world.alice, held, base=1, body=base.replace("Premier point.", "Premier point, vu.")
    )
    outcome, merged = minutes.save(
        world.bob, held, base=1, body=base.replace("Troisième point.", "Troisième point, vu.")
    )
    assert outcome == "merged"
    assert "Premier point, vu." in merged.body and "Troisième point, vu." in merged.body
    db.session.commit()
    head = merged.body
    minutes.save(world.alice, held, base=3, body=head.replace("Deuxième point.", "Par Alice."))
    with pytest.raises(minutes.MinutesConflict) as caught:
        minutes.save(world.bob, held, base=3, body=head.replace("Deuxième point.", "Par Bob."))
    assert caught.value.conflicts == 1 and "<<<<<<<" in caught.value.merged
    assert "Rien n'est perdu" in str(caught.value)


def test_edit_page_conflict_keeps_my_text_and_diff_page(client, world: World, held) -> None:  # type: ignore[no-untyped-def]
    base = "Ligne une.\n\nLigne deux.\n"
    minutes.save(world.alice, held, base=0, body=base)
    minutes.save(world.alice, held, base=1, body="Ligne une modifiée.\n\nLigne deux.\n")
    db.session.commit()
    login(client, world.bob)
    url = f"/groupes/{world.group.slug}/seances/{held.id}/compte-rendu"
    page = client.post(
        f"{url}/modifier", data={"base": "1", "body": "Ligne une à moi.\n\nLigne deux.\n"}
    )
    assert page.status_code == 409
    assert "Ligne une à moi." in page.text and "Ligne une modifiée." in page.text
    assert "&lt;&lt;&lt;&lt;&lt;&lt;&lt;" in page.text
    assert client.post(f"{url}/modifier", data={"base": "abc", "body": "x"}).status_code == 422
    diff = client.get(f"{url}/versions/1/2")
    assert diff.status_code == 200 and "modifiée" in diff.text
    assert client.get(f"{url}/versions/1/9").status_code == 404
    assert "Version 2" in client.get(f"{url}/historique").text


def test_chatham_house_warning_names_members(client, world: World, held) -> None:  # type: ignore[no-untyped-def]
    assert minutes.named_members(held, "Alice Martin a dit que…") == ["Alice Martin"]
    assert minutes.named_members(held, "Comme le dit Lefèvre, il faut…") == ["Bruno Lefèvre"]
    assert minutes.named_members(held, "Une participante a dit que…") == []
    login(client, world.alice)
    url = f"/groupes/{world.group.slug}/seances/{held.id}/compte-rendu/modifier"
    page = client.post(
        url, data={"base": "0", "body": "Bruno Lefèvre propose…"}, follow_redirects=True
    )
    assert "Règle de Chatham House : le texte nomme Bruno Lefèvre" in page.text


def test_actions_tracked_on_the_group_space(client, world: World, held) -> None:  # type: ignore[no-untyped-def]
    due = timing.local(db.utcnow()).date() + timedelta(days=14)
    todo = minutes.add_action(
        world.alice,
        held,
        kind="todo",
        text="Envoyer le cahier des charges",
        owner_id=world.bob.id,
        due_on=due,
    )
    minutes.add_action(world.alice, held, kind="decision", text="On mutualise le marché")
    with pytest.raises(services.SessionError, match="membre du groupe"):
        minutes.add_action(world.alice, held, kind="todo", text="Tâche", owner_id=world.outsider.id)
    with pytest.raises(services.SessionError, match="déjà passée"):
        minutes.add_action(
            world.alice, held, kind="todo", text="Tâche", due_on=due - timedelta(days=30)
        )
    db.session.commit()
    login(client, world.bob)
    space = client.get(f"/groupes/{world.group.slug}/espace")
    assert "Envoyer le cahier des charges" in space.text and "On mutualise" not in space.text
    client.post(f"/groupes/{world.group.slug}/actions/{todo.id}/fait")
    assert db.session.get(ActionItem, todo.id).done_at is not None
    assert (
        "Envoyer le cahier des charges"
        not in client.get(f"/groupes/{world.group.slug}/espace").text
    )


def test_synthesis_from_minutes_asks_every_attendee(app, client, world: World, held) -> None:  # type: ignore[no-untyped-def]
    attendance.record_attendance(world.facilitator, held, {world.alice.id, world.bob.id})
    minutes.save(world.alice, held, base=0, body="# CR\n\nCe qui a été dit.\n")
    db.session.commit()
    login(client, world.alice)
    url = f"/groupes/{world.group.slug}/seances/{held.id}/synthese"
    assert client.post(url, data={"title": "Synthèse voirie"}).status_code == 403
    facilitator = app.test_client()
    login(facilitator, world.facilitator)
    response = facilitator.post(url, data={"title": "Synthèse voirie"})
    assert response.status_code == 302
    rex = db.session.scalar(select(Rex).where(Rex.title == "Synthèse voirie"))
    assert rex.kind == "synthese" and rex.group_id == world.group.id
    people, _ = consent.ranked_contributors(rex)
    assert {u.id for u in people} == {world.facilitator.id, world.alice.id, world.bob.id}
    proposal = publication.propose(world.facilitator, rex, licence_id="CC-BY-4.0", mode="chatham")
    db.session.commit()
    asked = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == "publication.consent", Notification.target_id == proposal.id
            )
        )
    )
    assert asked == {world.alice.id, world.bob.id}


def test_synthesis_needs_minutes(world: World, held) -> None:  # type: ignore[no-untyped-def]
    from commons.sessions import synthesis

    with pytest.raises(services.SessionError, match="pas encore de compte rendu"):
        synthesis.draft(world.facilitator, world.group, [held], title="Vide")


def test_edit_page_is_prefilled_from_the_agenda(client, world: World, held) -> None:  # type: ignore[no-untyped-def]
    from commons.sessions import program

    program.add(world.facilitator, held, title="Retour sur les achats groupés")
    db.session.commit()
    login(client, world.bob)
    page = client.get(f"/groupes/{world.group.slug}/seances/{held.id}/compte-rendu/modifier")
    assert page.status_code == 200
    assert "### 1. Retour sur les achats groupés" in page.text and 'value="0"' in page.text


def test_two_first_writers_from_the_prefilled_text_are_merged(world: World, held) -> None:  # type: ignore[no-untyped-def]
    from commons.sessions import program

    program.add(world.facilitator, held, title="Premier sujet")
    text = minutes.prefill(held)
    minutes.save(
        world.alice, held, base=0, body=text.replace("## Décisions\n", "## Décisions\n\nD1.\n")
    )
    outcome, merged = minutes.save(
        world.bob,
        held,
        base=0,
        body=text.replace("### 1. Premier sujet\n", "### 1. Premier sujet\n\nNote.\n"),
    )
    assert outcome == "merged" and "D1." in merged.body and "Note." in merged.body


def test_synthesis_of_several_sessions_from_the_sessions_page(app, world: World, held) -> None:  # type: ignore[no-untyped-def]
    second = schedule(world, title="Deuxième séance")
    make_past(second, hours=1)
    minutes.save(world.alice, held, base=0, body="Première : des propos.\n")
    minutes.save(world.bob, second, base=0, body="Deuxième : d'autres propos.\n")
    attendance.record_attendance(world.facilitator, second, {world.bob.id})
    foreign = services.schedule(world.other_facilitator, world.other_group, plan_for_other_group())
    db.session.commit()
    client = app.test_client()
    login(client, world.facilitator)
    page = client.get(f"/groupes/{world.group.slug}/seances/")
    assert "une synthèse de plusieurs séances" in page.text
    url = f"/groupes/{world.group.slug}/seances/synthese"
    assert (
        client.post(url, data={"title": "Bilan", "sessions": [str(foreign.id)]}).status_code == 404
    )
    response = client.post(
        url, data={"title": "Bilan du trimestre", "sessions": [str(held.id), str(second.id)]}
    )
    assert response.status_code == 302
    rex = db.session.scalar(select(Rex).where(Rex.title == "Bilan du trimestre"))
    head = db.session.scalar(
        select(Revision.source).where(Revision.rex_id == rex.id, Revision.number == rex.head)
    )
    assert head.index("Première : des propos.") < head.index("Deuxième : d'autres propos.")
    assert (
        f"/seances/{held.id}/compte-rendu" in head and f"/seances/{second.id}/compte-rendu" in head
    )
    people, _ = consent.ranked_contributors(rex)
    assert {u.id for u in people} == {world.facilitator.id, world.alice.id, world.bob.id}


def plan_for_other_group():  # type: ignore[no-untyped-def]
    from tests.sessions_world import plan

    return plan(title="Séance de l'autre groupe")
