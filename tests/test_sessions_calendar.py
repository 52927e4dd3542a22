"""Invitations by e-mail with an .ics, reminders of the day before (CLI), and the secret,
revocable iCalendar feeds (RFC 5545, parsed back with ``icalendar``)."""

from __future__ import annotations

from datetime import date, time, timedelta

from icalendar import Calendar
from sqlalchemy import func, select

from commons import db
from commons.groups import services as groups
from commons.groups.policy import forget_memberships
from commons.notifications import services as notifications
from commons.notifications.models import Notification
from commons.sessions import calendar, notify, services, timing
from commons.sessions.models import CalendarFeed, Reply
from tests.conftest import login, outbox
from tests.sessions_world import World, in_days, plan, schedule, world_fixture  # noqa: F401

SECRET_VIDEO = "https://visio.exemple.fr/salle-secrete-42"


def _ics(message) -> Calendar:  # type: ignore[no-untyped-def]
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one .ics attachment"
    return Calendar.from_ical(parts[0].get_content())


def _events(cal: Calendar) -> list:  # type: ignore[type-arg]
    return [c for c in cal.walk() if c.name == "VEVENT"]


def test_invitation_mail_carries_an_ics_without_the_video_link(client, world: World, app) -> None:  # type: ignore[no-untyped-def]
    login(client, world.facilitator)
    response = client.post(
        f"/groupes/{world.group.slug}/seances/nouvelle",
        data={
            "title": "Atelier voirie",
            "day": "2099-07-02",
            "start": "14:00",
            "end": "16:00",
            "address": "Mairie de Talence",
            "video_url": SECRET_VIDEO,
        },
    )
    assert response.status_code == 302
    messages = outbox(app)
    assert sorted(m["To"] for m in messages) == sorted([world.alice.email, world.bob.email])
    message = messages[0]
    assert "Atelier voirie" in message["Subject"]
    cal = _ics(message)
    assert str(cal["method"]) == "REQUEST"
    (event,) = _events(cal)
    assert event.decoded("dtstart").astimezone(timing.PARIS).hour == 14
    assert str(event["location"]) == "Mairie de Talence"
    assert str(event["attendee"]) == f"mailto:{message['To']}"
    assert str(event["organizer"]).startswith("mailto:")
    raw = bytes(message).decode("utf-8", "replace")
    assert "salle-secrete-42" not in raw and "salle-secrete-42" not in cal.to_ical().decode()


def test_cancellation_mail_carries_an_ics_cancel(client, world: World, app) -> None:  # type: ignore[no-untyped-def]
    session = schedule(world)
    before = len(outbox(app))
    login(client, world.facilitator)
    client.post(f"/groupes/{world.group.slug}/seances/{session.id}/annuler")
    cals = [_ics(m) for m in outbox(app)[before:]]
    assert cals and all(str(c["method"]) == "CANCEL" for c in cals)
    assert str(_events(cals[0])[0]["status"]) == "CANCELLED"


def test_reminders_the_day_before_once_and_not_to_those_who_declined(app, world: World) -> None:  # type: ignore[no-untyped-def]
    now = db.utcnow()
    tomorrow = timing.local(now).date() + timedelta(days=1)
    session = schedule(world, day=tomorrow, start=time(10), end=time(12))
    later = schedule(world, day=in_days(5), title="Plus tard")
    services.answer(world.bob, session, Reply.NO.value)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sessions", "remind"])
    assert result.exit_code == 0, result.output
    assert "2 rappel(s) créé(s)" in result.output  # the facilitator is a member too
    reminded = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "session.reminder")
        )
    )
    assert reminded == {world.alice.id, world.facilitator.id}
    mails = [m for m in outbox(app) if m["Subject"].startswith("Rappel")]
    assert sorted(m["To"] for m in mails) == sorted([world.alice.email, world.facilitator.email])
    assert _events(_ics(mails[0]))
    again = runner.invoke(args=["sessions", "remind"])
    assert "0 rappel(s)" in again.output
    assert later.reminded_at is None


def test_reminders_skip_former_members(app, world: World) -> None:  # type: ignore[no-untyped-def]
    tomorrow = timing.local(db.utcnow()).date() + timedelta(days=1)
    session = schedule(world, day=tomorrow, start=time(10), end=time(12))
    groups.leave(world.bob, world.group)
    db.session.commit()
    assert notify.send_reminders() == 2
    db.session.commit()
    users = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == "session.reminder", Notification.target_id == session.id
            )
        )
    )
    assert users == {world.alice.id, world.facilitator.id}


def test_feed_shows_only_my_groups_and_the_video_only_if_chosen(client, world: World) -> None:  # type: ignore[no-untyped-def]
    mine = schedule(world, day=date(2099, 5, 7))
    services.schedule(
        world.other_facilitator,
        world.other_group,
        plan(title="Séance d'un autre groupe", video_url="https://visio.exemple.fr/autre"),
    )
    db.session.commit()
    _feed, plain = calendar.create_feed(world.alice)
    _feed2, with_video = calendar.create_feed(world.alice, world.group, include_video=True)
    db.session.commit()
    response = client.get(f"/agenda/{plain}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, no-store"
    cal = Calendar.from_ical(response.data)
    events = _events(cal)
    assert [str(e["summary"]) for e in events] == [f"Voirie partagée — {mine.title}"]
    assert "salle-secrete-42" not in response.text and "autre groupe" not in response.text
    video = client.get(f"/agenda/{with_video}.ics")
    assert "salle-secrete-42" in video.text
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 2
    stored = db.session.scalars(select(CalendarFeed.token_hash)).all()
    assert plain not in stored and with_video not in stored  # only hashes are stored


def test_guessed_revoked_and_orphaned_feeds_are_404(client, world: World) -> None:  # type: ignore[no-untyped-def]
    schedule(world)
    feed, token = calendar.create_feed(world.alice, world.group)
    db.session.commit()
    assert client.get(f"/agenda/{token}.ics").status_code == 200
    assert client.get(f"/agenda/{token[:-1]}x.ics").status_code == 404
    assert client.get("/agenda/devine.ics").status_code == 404
    assert client.get(f"/agenda/{'a' * 300}.ics").status_code == 404
    login(client, world.bob)
    assert client.post(f"/seances/flux/{feed.id}/revoquer").status_code == 404  # not his
    client.get("/deconnexion")
    calendar.revoke(world.alice, feed)
    db.session.commit()
    assert client.get(f"/agenda/{token}.ics").status_code == 404
    _feed, other = calendar.create_feed(world.alice, world.group)
    db.session.commit()
    groups.leave(world.alice, world.group)
    forget_memberships(world.alice)
    db.session.commit()
    assert client.get(f"/agenda/{other}.ics").status_code == 404


def test_feed_pages_create_and_revoke(client, world: World) -> None:  # type: ignore[no-untyped-def]
    schedule(world, title="Séance de printemps")
    login(client, world.alice)
    page = client.get("/seances/")
    assert page.status_code == 200 and "Séance de printemps" in page.text
    created = client.post(
        "/seances/flux", data={"group": str(world.group.id), "include_video": "y"}
    )
    url = created.text.split("<code>")[1].split("</code>")[0]
    path = url.split("commons.test", 1)[1]
    assert client.get(path).status_code == 200
    assert (
        client.post("/seances/flux", data={"group": str(world.other_group.id)}).status_code == 404
    )
    feed = db.session.scalar(select(CalendarFeed))
    client.post(f"/seances/flux/{feed.id}/revoquer")
    assert client.get(path).status_code == 404


def test_notification_centre_entries_recheck_membership(world: World) -> None:
    session = schedule(world)
    notes = list(
        db.session.scalars(select(Notification).where(Notification.user_id == world.bob.id))
    )
    (entry,) = notifications.describe(world.bob, notes)
    assert entry.visible and entry.title == session.title and entry.attachments
    groups.leave(world.bob, world.group)
    forget_memberships(world.bob)
    db.session.commit()
    (entry,) = notifications.describe(world.bob, notes)
    assert not entry.visible and entry.title == "" and not entry.attachments


def test_members_see_the_session_in_their_notification_centre(client, world: World) -> None:  # type: ignore[no-untyped-def]
    session = schedule(world, title="Séance de rentrée")
    login(client, world.alice)
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert "Nouvelle séance du groupe Voirie partagée" in page.text
    assert f"/groupes/{world.group.slug}/seances/{session.id}" in page.text
    assert SECRET_VIDEO not in page.text
