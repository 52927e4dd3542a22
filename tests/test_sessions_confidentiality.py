"""Sessions, feeds, minutes and reminders never reach non-members: anonymous visitors,
agents, the member or facilitator of another group, administrators. The per-object predicates
and their SQL twins agree for every role and session state."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commons import db
from commons.notifications.models import Notification
from commons.sessions import calendar, minutes, notify, policy, services
from commons.sessions.models import ActionItem, GroupSession, Minutes
from tests.conftest import login
from tests.sessions_world import World, make_past, schedule, world_fixture  # noqa: F401

SECRET = "salle-secrete-42"
OUTSIDERS = ("outsider", "other_member", "other_facilitator", "admin")


@pytest.fixture
def private(world: World):  # type: ignore[no-untyped-def]
    """A future session, a held one with minutes and an action, and a cancelled one."""
    upcoming = schedule(world, title="Séance confidentielle à venir")
    held = schedule(world, title="Séance confidentielle passée")
    cancelled = schedule(world, title="Séance confidentielle annulée")
    services.cancel(world.facilitator, cancelled)
    make_past(held)
    minutes.save(world.alice, held, base=0, body="Propos confidentiels du groupe.\n")
    minutes.add_action(world.alice, held, kind="todo", text="Tâche confidentielle")
    db.session.commit()
    return upcoming, held, cancelled


def _urls(world: World, upcoming: GroupSession, held: GroupSession) -> list[str]:
    slug = world.group.slug
    base = f"/groupes/{slug}/seances"
    return [
        f"{base}/",
        f"{base}/nouvelle",
        f"{base}/{upcoming.id}",
        f"{base}/{upcoming.id}/modifier",
        f"{base}/{upcoming.id}/seance.ics",
        f"{base}/{held.id}/compte-rendu",
        f"{base}/{held.id}/compte-rendu/modifier",
        f"{base}/{held.id}/compte-rendu/historique",
        f"{base}/{held.id}/compte-rendu/versions/1/1",
    ]


def _posts(world: World, upcoming: GroupSession, held: GroupSession) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    slug = world.group.slug
    base = f"/groupes/{slug}/seances"
    action = db.session.scalar(select(ActionItem.id))
    return [
        (
            f"{base}/nouvelle",
            {
                "title": "Intrusion",
                "day": "2099-01-01",
                "start": "10:00",
                "end": "11:00",
                "address": "Ici",
            },
        ),
        (f"{base}/{upcoming.id}/reponse", {"reply": "yes"}),
        (f"{base}/{upcoming.id}/annuler", {"confirm": "y"}),
        (f"{base}/{upcoming.id}/ordre-du-jour", {"title": "Intrusion"}),
        (f"{base}/{held.id}/presences", {"present": []}),
        (f"{base}/{held.id}/compte-rendu/modifier", {"base": "1", "body": "Intrusion"}),
        (f"{base}/{held.id}/actions", {"kind": "todo", "text": "Intrusion"}),
        (f"/groupes/{slug}/actions/{action}/fait", {}),
        (f"{base}/{held.id}/synthese", {"title": "Intrusion"}),
    ]


def _no_leak(text: str) -> None:
    for secret in (SECRET, "confidentiel", "Propos confidentiels", "Tâche confidentielle"):
        assert secret not in text


def test_anonymous_visitors_are_sent_to_sign_in(client, world: World, private) -> None:  # type: ignore[no-untyped-def]
    upcoming, held, _cancelled = private
    for url in _urls(world, upcoming, held) + ["/seances/"]:
        response = client.get(url)
        assert response.status_code in (302, 401), url
        assert "/connexion" in response.headers.get("Location", ""), url
        _no_leak(response.text)
    for url, data in _posts(world, upcoming, held):
        response = client.post(url, data=data)
        assert response.status_code in (302, 401) and "/connexion" in response.headers["Location"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_non_members_get_nothing(app, world: World, private, who: str) -> None:  # type: ignore[no-untyped-def]
    upcoming, held, _cancelled = private
    client = app.test_client()
    login(client, getattr(world, who))
    for url in _urls(world, upcoming, held):
        response = client.get(url)
        assert response.status_code in (403, 404), (who, url)
        _no_leak(response.text)
    calendar_page = client.get("/seances/")
    assert calendar_page.status_code == 200
    _no_leak(calendar_page.text)
    notes = client.get("/notifications/")
    assert notes.status_code == 200
    _no_leak(notes.text)
    before = db.session.scalar(select(Minutes.current_number))
    for url, data in _posts(world, upcoming, held):
        response = client.post(url, data=data)
        assert response.status_code in (403, 404), (who, url)
    db.session.expire_all()
    assert db.session.scalar(select(Minutes.current_number)) == before
    assert not db.session.get(GroupSession, upcoming.id).cancelled
    # a feed of theirs carries nothing of the group, even with the video option
    _feed, token = calendar.create_feed(getattr(world, who), include_video=True)
    db.session.commit()
    feed = client.get(f"/agenda/{token}.ics")
    assert feed.status_code == 200
    _no_leak(feed.text)
    with pytest.raises(PermissionError):
        calendar.create_feed(getattr(world, who), world.group)


def test_notifications_and_reminders_reach_members_only(world: World, private) -> None:  # type: ignore[no-untyped-def]
    from datetime import time, timedelta

    from commons.sessions import timing

    tomorrow = timing.local(db.utcnow()).date() + timedelta(days=1)
    schedule(world, day=tomorrow, start=time(9), end=time(10), title="Demain")
    notify.send_reminders()
    db.session.commit()
    recipients = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.target_type == notify.TARGET)
        )
    )
    members = {world.facilitator.id, world.alice.id, world.bob.id}
    assert recipients and recipients <= members
    for who in OUTSIDERS:
        user = getattr(world, who)
        forged = Notification(
            user_id=user.id,
            kind="session.reminder",
            target_type=notify.TARGET,
            target_id=private[0].id,
        )
        db.session.add(forged)
        db.session.flush()
        (entry,) = notify.describe(user, [forged])
        assert not entry.visible and not entry.title and not entry.attachments


@pytest.mark.parametrize("who", ("facilitator", "alice", *OUTSIDERS))
def test_predicates_agree_with_their_sql_twins(world: World, private, who: str) -> None:  # type: ignore[no-untyped-def]
    user = getattr(world, who)
    member = who in ("facilitator", "alice")
    sessions = list(db.session.scalars(select(GroupSession)))
    seen = set(db.session.scalars(select(GroupSession.id).where(policy.visible_sessions(user))))
    for session in sessions:
        assert policy.can_view_session(user, session) == (session.id in seen) == member
        assert policy.can_manage_session(user, session) == (who == "facilitator")
    actions = list(db.session.scalars(select(ActionItem)))
    seen_actions = set(
        db.session.scalars(select(ActionItem.id).where(policy.visible_actions(user)))
    )
    assert actions and all(
        policy.can_view_action(user, a) == (a.id in seen_actions) == member for a in actions
    )
    records = list(db.session.scalars(select(Minutes)))
    seen_minutes = set(db.session.scalars(select(Minutes.id).where(policy.visible_minutes(user))))
    for record in records:
        session = db.session.get(GroupSession, record.session_id)
        assert (
            policy.can_view_minutes(user, record, session) == (record.id in seen_minutes) == member
        )


def test_anonymous_predicates_and_twins(world: World, private) -> None:  # type: ignore[no-untyped-def]
    from flask_login import AnonymousUserMixin

    anonymous = AnonymousUserMixin()
    assert not db.session.scalars(
        select(GroupSession.id).where(policy.visible_sessions(anonymous))
    ).all()
    assert not db.session.scalars(
        select(ActionItem.id).where(policy.visible_actions(anonymous))
    ).all()
    assert not db.session.scalars(select(Minutes.id).where(policy.visible_minutes(anonymous))).all()
    assert not any(policy.can_view_session(anonymous, s) for s in private)
