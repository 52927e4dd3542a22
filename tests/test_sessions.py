"""Group sessions: scheduling (Europe/Paris, clock changes, series), changes, cancellation,
answers, agenda from the group's topics, attendance — services and pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from commons import db, errors
from commons.forum import agenda as topics
from commons.forum.models import TopicStatus
from commons.notifications.models import Notification
from commons.sessions import attendance, program, services, timing
from commons.sessions.models import GroupSession, Reply, SessionAnswer
from tests.conftest import login
from tests.sessions_world import World, in_days, make_past, plan, schedule, world_fixture  # noqa: F401


def test_dst_gap_and_fold_are_refused_in_french() -> None:
    with pytest.raises(timing.TimeError, match="n'existe pas"):
        timing.to_utc(date(2026, 3, 29), time(2, 30))
    with pytest.raises(timing.TimeError, match="existe deux fois"):
        timing.to_utc(date(2026, 10, 25), time(2, 30))
    assert timing.to_utc(date(2026, 3, 29), time(3, 0)) == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert timing.to_utc(date(2026, 7, 2), time(14, 0)) == datetime(2026, 7, 2, 12, tzinfo=UTC)
    assert timing.to_utc(date(2026, 12, 3), time(14, 0)) == datetime(2026, 12, 3, 13, tzinfo=UTC)


def test_recurrence_first_thursday_and_last_weekday() -> None:
    days = timing.recurring_days(date(2026, 1, 1), "monthly-weekday", 4)
    assert days == [date(2026, 1, 1), date(2026, 2, 5), date(2026, 3, 5), date(2026, 4, 2)]
    assert timing.rule_label(date(2026, 1, 1), "monthly-weekday") == "le premier jeudi du mois"
    last = timing.recurring_days(date(2026, 1, 29), "monthly-weekday", 3)
    assert last == [date(2026, 1, 29), date(2026, 2, 26), date(2026, 3, 26)]
    assert timing.recurring_days(date(2026, 1, 1), "weekly", 3)[-1] == date(2026, 1, 15)


def test_schedule_stores_utc_and_notifies_members(world: World) -> None:
    session = schedule(world, day=date(2099, 7, 2))
    assert session.starts_at == datetime(2099, 7, 2, 12, tzinfo=UTC)
    assert session.duration_minutes == 150
    notified = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.target_type == "group_session", Notification.target_id == session.id
            )
        )
    )
    assert notified == {world.alice.id, world.bob.id}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"day": date(2020, 1, 2)}, "Cette date est passée"),
        ({"start": time(16), "end": time(15)}, "L'heure de fin doit être postérieure"),
        ({"day": date(2099, 3, 29), "start": time(2, 15), "end": time(4)}, "n'existe pas"),
        ({"address": "", "video_url": ""}, "adresse, un lien de visioconférence"),
        ({"video_url": "javascript:alert(1)"}, "https://"),
        ({"capacity": 0}, "jauge"),
        ({"title": "ab"}, "titre"),
        ({"deadline": date(2099, 12, 31), "day": date(2099, 6, 1)}, "doit précéder la séance"),
    ],
)
def test_bad_plans_are_refused(world: World, changes, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.SessionError, match=message):
        services.schedule(world.facilitator, world.group, plan(**changes))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) == 0


def test_only_the_groups_facilitators_schedule(world: World) -> None:
    for actor in (world.alice, world.other_facilitator, world.admin, world.outsider):
        with pytest.raises(errors.Forbidden):
            services.schedule(actor, world.group, plan())


def test_series_first_thursday_each_editable(world: World) -> None:
    sessions = services.schedule_series(
        world.facilitator, world.group, plan(day=date(2099, 1, 1)), "monthly-weekday", 3
    )
    db.session.commit()
    assert [timing.local(s.starts_at).date() for s in sessions] == [
        date(2099, 1, 1),
        date(2099, 2, 5),
        date(2099, 3, 5),
    ]
    assert all(s.series_id == sessions[0].series_id for s in sessions)
    # one notification per member for the whole series
    assert db.session.scalar(select(func.count()).where(Notification.kind == "session.series")) == 2
    services.update(world.facilitator, sessions[1], plan(day=date(2099, 2, 12), title="Déplacée"))
    services.cancel(world.facilitator, sessions[2])
    db.session.commit()
    assert timing.local(sessions[1].starts_at).date() == date(2099, 2, 12)
    assert sessions[1].sequence == 1 and sessions[2].cancelled and not sessions[0].cancelled


def test_series_refuses_an_occurrence_in_the_dst_gap(world: World) -> None:
    # 2099-03-29 is the last Sunday of March: 02:30 does not exist that day
    with pytest.raises(services.SessionError, match="29/03/2099"):
        services.schedule_series(
            world.facilitator,
            world.group,
            plan(day=date(2099, 3, 22), start=time(2, 30), end=time(4)),
            "weekly",
            3,
        )


def test_answers_capacity_deadline_and_non_members(world: World) -> None:
    session = schedule(world, capacity=1)
    services.answer(world.alice, session, Reply.YES.value)
    with pytest.raises(services.SessionError, match="complète"):
        services.answer(world.bob, session, Reply.YES.value)
    services.answer(world.bob, session, Reply.MAYBE.value)
    services.answer(world.alice, session, Reply.YES.value)  # same answer again: fine
    for outsider in (world.outsider, world.other_member, world.other_facilitator, world.admin):
        with pytest.raises(errors.Forbidden, match="membres du groupe"):
            services.answer(outsider, session, Reply.YES.value)
    with pytest.raises(services.SessionError, match="Réponse inconnue"):
        services.answer(world.alice, session, "oui")
    session = schedule(world, deadline=in_days(3))
    late = session.registration_deadline + timedelta(minutes=1)
    with pytest.raises(services.SessionError, match="inscriptions sont closes"):
        services.answer(world.alice, session, Reply.YES.value, now=late)


def test_capacity_below_registrations_is_refused(world: World) -> None:
    session = schedule(world)
    services.answer(world.alice, session, Reply.YES.value)
    services.answer(world.bob, session, Reply.YES.value)
    with pytest.raises(services.SessionError, match="2 personnes ont déjà annoncé venir"):
        services.update(world.facilitator, session, plan(capacity=1))


def test_cancel_with_registrations_needs_confirmation_and_notifies(world: World) -> None:
    session = schedule(world)
    services.answer(world.alice, session, Reply.YES.value)
    db.session.commit()
    with pytest.raises(services.SessionError, match="confirmez l'annulation"):
        services.cancel(world.facilitator, session)
    assert services.cancel(world.facilitator, session, confirmed=True) == 1
    db.session.commit()
    kinds = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "session.cancelled")
        )
    )
    assert world.alice.id in kinds
    with pytest.raises(services.SessionError, match="annulée"):
        services.answer(world.bob, session, Reply.YES.value)


def test_agenda_from_supported_topics_and_discussed_becomes_done(world: World) -> None:
    session = schedule(world)
    first = topics.propose(world.alice, world.group, "Marchés de voirie mutualisés")
    second = topics.propose(world.bob, world.group, "Astreintes hivernales")
    topics.vote(world.bob, first)
    foreign = topics.propose(world.other_member, world.other_group, "Sujet d'un autre groupe")
    db.session.commit()
    assert [t.id for t in program.candidates(world.group, session)] == [first.id, second.id]
    one = program.add(world.facilitator, session, topic_id=first.id, minutes=30)
    two = program.add(world.facilitator, session, topic_id=second.id, minutes=15)
    program.add(world.facilitator, session, title="Tour de table", minutes=10)
    with pytest.raises(services.SessionError, match="n'appartient pas"):
        program.add(world.facilitator, session, topic_id=foreign.id)
    with pytest.raises(services.SessionError, match="déjà à l'ordre du jour"):
        program.add(world.facilitator, session, topic_id=first.id)
    with pytest.raises(errors.Forbidden):
        program.add(world.alice, session, title="Mon point")
    program.move(world.facilitator, session, two, -1)
    items = program.items_of(session)
    assert [i.title for i in items][:2] == [second.title, first.title]
    assert program.total_minutes(items) == 55
    with pytest.raises(services.SessionError, match="une fois la séance commencée"):
        program.mark_discussed(world.facilitator, session, one)
    make_past(session)
    program.mark_discussed(world.facilitator, session, one)
    db.session.commit()
    assert first.status == TopicStatus.DONE.value
    assert program.sessions_of_topics({first.id}) == {first.id: [session]}


def test_attendance_members_only_after_start(world: World) -> None:
    session = schedule(world)
    with pytest.raises(services.SessionError, match="une fois la séance commencée"):
        attendance.record_attendance(world.facilitator, session, {world.alice.id})
    make_past(session)
    with pytest.raises(services.SessionError, match="membres du groupe"):
        attendance.record_attendance(world.facilitator, session, {world.outsider.id})
    with pytest.raises(errors.Forbidden):
        attendance.record_attendance(world.alice, session, {world.alice.id})
    attendance.record_attendance(world.facilitator, session, {world.alice.id, world.bob.id})
    attendance.record_attendance(world.facilitator, session, {world.alice.id})
    db.session.commit()
    assert attendance.attendees(session) == [world.alice.id]


# --- pages ---------------------------------------------------------------------------------


def _form(**kw: str) -> dict[str, str]:
    data = {
        "title": "Atelier achats",
        "day": in_days(12).isoformat(),
        "start": "14:00",
        "end": "16:00",
        "address": "Mairie, salle du conseil",
        "video_url": "https://visio.exemple.fr/abc",
    }
    data.update(kw)
    return data


def test_schedule_page_and_french_errors(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.facilitator)
    slug = world.group.slug
    page = client.post(
        f"/groupes/{slug}/seances/nouvelle", data=_form(day="2099-03-29", start="02:30")
    )
    assert page.status_code == 200 and "n&#39;existe pas à Paris" in page.text
    page = client.post(f"/groupes/{slug}/seances/nouvelle", data=_form(day="pas une date"))
    assert "Date invalide" in page.text
    page = client.post(f"/groupes/{slug}/seances/nouvelle", data=_form(end="13:00"))
    assert "L&#39;heure de fin doit être postérieure" in page.text
    response = client.post(
        f"/groupes/{slug}/seances/nouvelle",
        data=_form(day="2099-01-01", repeat="monthly-weekday", count="3"),
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) == 3
    shown = client.get(response.headers["Location"])
    assert "Atelier achats" in shown.text and "https://visio.exemple.fr/abc" in shown.text
    assert "jeudi 1 janvier 2099 à 14 h 00" in shown.text
    assert "Le premier jeudi du mois" in shown.text


def test_member_answers_from_the_page(client, world: World) -> None:  # type: ignore[no-untyped-def]
    session = schedule(world)
    login(client, world.alice)
    url = f"/groupes/{world.group.slug}/seances/{session.id}"
    response = client.post(f"{url}/reponse", data={"reply": "maybe"}, follow_redirects=True)
    assert "Votre réponse est enregistrée : Peut-être" in response.text
    assert db.session.get(SessionAnswer, (session.id, world.alice.id)).reply == "maybe"
    assert client.post(f"{url}/reponse", data={"reply": "bof"}).status_code == 302
    assert client.get(f"{url}/modifier").status_code == 403


def test_cancel_page_asks_confirmation(client, world: World) -> None:  # type: ignore[no-untyped-def]
    session = schedule(world)
    services.answer(world.bob, session, Reply.YES.value)
    db.session.commit()
    login(client, world.facilitator)
    url = f"/groupes/{world.group.slug}/seances/{session.id}/annuler"
    page = client.post(url, follow_redirects=True)
    assert "confirmez l&#39;annulation" in page.text
    assert not db.session.get(GroupSession, session.id).cancelled
    client.post(url, data={"confirm": "y"})
    assert db.session.get(GroupSession, session.id).cancelled


def test_attendance_and_agenda_pages(client, world: World) -> None:  # type: ignore[no-untyped-def]
    session = schedule(world)
    topic = topics.propose(world.alice, world.group, "Déneigement mutualisé")
    db.session.commit()
    login(client, world.facilitator)
    url = f"/groupes/{world.group.slug}/seances/{session.id}"
    client.post(f"{url}/ordre-du-jour", data={"topic": str(topic.id), "minutes": "25"})
    assert "Déneigement mutualisé" in client.get(url).text
    make_past(session)
    item = program.items_of(session)[0]
    client.post(f"{url}/ordre-du-jour/{item.id}/traite")
    assert db.session.get(type(topic), topic.id).status == TopicStatus.DONE.value
    client.post(f"{url}/presences", data={"present": [str(world.alice.id)]})
    assert attendance.attendees(session) == [world.alice.id]
    assert client.post(f"{url}/presences", data={"present": ["x"]}).status_code == 400


def test_topics_page_links_the_session_where_a_topic_was_discussed(client, world: World) -> None:  # type: ignore[no-untyped-def]
    session = schedule(world, title="Séance de mars")
    topic = topics.propose(world.alice, world.group, "Éclairage public")
    item = program.add(world.facilitator, session, topic_id=topic.id)
    make_past(session)
    program.mark_discussed(world.facilitator, session, item)
    db.session.commit()
    login(client, world.bob)
    page = client.get(f"/groupes/{world.group.slug}/sujets")
    assert "Traité en séance" in page.text and "Séance de mars" in page.text
    assert f"/groupes/{world.group.slug}/seances/{session.id}" in page.text


def test_attendance_over_time_on_the_sessions_page(client, world: World) -> None:  # type: ignore[no-untyped-def]
    first, second = schedule(world, title="Séance un"), schedule(world, title="Séance deux")
    services.answer(world.alice, first, Reply.YES.value)
    services.answer(world.bob, first, Reply.YES.value)
    make_past(first, hours=48)
    make_past(second, hours=5)
    attendance.record_attendance(world.facilitator, first, {world.alice.id})
    attendance.record_attendance(world.facilitator, second, {world.alice.id, world.bob.id})
    db.session.commit()
    assert attendance.attendance_over_time([first.id, second.id]) == {
        first.id: (2, 1),
        second.id: (0, 2),
    }
    login(client, world.facilitator)
    page = client.get(f"/groupes/{world.group.slug}/seances/")
    assert "Présences au fil des séances" in page.text
    assert "<td>2</td><td>1</td>" in page.text and "<td>0</td><td>2</td>" in page.text


def test_a_change_bumps_the_ics_sequence_and_notifies(world: World) -> None:
    session = schedule(world)
    assert not services.update(world.facilitator, session, plan())  # nothing changed
    assert services.update(world.facilitator, session, plan(start=time(15), end=time(17)))
    db.session.commit()
    assert session.sequence == 1
    changed = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "session.changed")
    ).all()
    assert sorted(changed) == sorted([world.alice.id, world.bob.id])


def test_group_dashboard_shows_attendance_to_its_facilitators_only(app, world: World) -> None:  # type: ignore[no-untyped-def]
    session = schedule(world, title="Séance passée secrète")
    make_past(session)
    attendance.record_attendance(world.facilitator, session, {world.alice.id, world.bob.id})
    db.session.commit()
    facilitator = app.test_client()
    login(facilitator, world.facilitator)
    page = facilitator.get(f"/groupes/{world.group.slug}/animation")
    assert "Présences aux séances" in page.text and "2 présent·es" in page.text
    admin = app.test_client()
    login(admin, world.admin)
    page = admin.get(f"/groupes/{world.group.slug}/animation")
    assert "Séance passée secrète" not in page.text
