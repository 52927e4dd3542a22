"""iCalendar (RFC 5545, with the ``icalendar`` package): events of sessions, e-mail invitations
and secret, revocable feeds.

What a calendar carries is what its owner may see and nothing more: the group's name, the
session's title, time, address and a link to its page (which asks to sign in). The video link
is included only in a feed whose owner chose it; invitations sent by e-mail never carry it
(a forwarded message must not open the room). A feed is found by the SHA-256 of its token; a
guessed or revoked token finds nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from email.utils import parseaddr
from typing import Any

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..groups import policy as groups
from ..groups.models import Group, Membership
from ..notifications.services import path_for
from .models import CalendarFeed, GroupSession

PRODID = "-//Commons//Séances des groupes//FR"


def _absolute(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def uid(session: GroupSession) -> str:
    """A stable identifier of the session's event."""
    host = current_app.config["BASE_URL"].split("//", 1)[-1].split("/", 1)[0] or "commons"
    return f"seance-{session.id}@{host}"


def event(session: GroupSession, group: Group, *, with_video: bool) -> Event:
    """The VEVENT of a session."""
    item = Event()
    item.add("uid", uid(session))
    item.add("dtstamp", session.updated_at)
    item.add("dtstart", session.starts_at)
    item.add("dtend", session.ends_at)
    item.add("sequence", session.sequence)
    item.add("summary", f"{group.name} — {session.title}")
    page = _absolute(path_for("sessions.show", slug=group.slug, session_id=session.id))
    item.add("url", page)
    lines = [session.description] if session.description else []
    if session.video_url and with_video:
        lines.append(f"Visioconférence : {session.video_url}")
    elif session.video_url:
        lines.append("Séance en ligne : le lien est sur la page de la séance (membres).")
    lines.append(f"Page de la séance : {page}")
    item.add("description", "\n\n".join(lines))
    if session.address:
        item.add("location", session.address)
    elif session.video_url and with_video:
        item.add("location", session.video_url)
    item.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    return item


def calendar(
    sessions: Iterable[GroupSession],
    groups_by_id: dict[int, Group],
    *,
    with_video: bool = False,
    method: str | None = None,
    name: str = "",
    attendee: str = "",
) -> bytes:
    """A VCALENDAR of the given sessions. With a ``method`` (``REQUEST``/``CANCEL``, iTIP for
    e-mail), each event names the instance as organiser and the recipient as attendee; answers
    are given on the site (``RSVP=FALSE``)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for session in sessions:
        group = groups_by_id[session.group_id]
        item = event(session, group, with_video=with_video)
        if method:
            organizer = vCalAddress(f"mailto:{parseaddr(current_app.config['MAIL_SENDER'])[1]}")
            organizer.params["cn"] = vText(f"Commons — {group.name}")
            item.add("organizer", organizer)
        if method and attendee:
            guest = vCalAddress(f"mailto:{attendee}")
            guest.params.update({"partstat": "NEEDS-ACTION", "rsvp": "FALSE"})
            item.add("attendee", guest)
        cal.add_component(item)
    return cal.to_ical()


def invitation(session: GroupSession, group: Group, attendee: str = "") -> tuple[str, str, bytes]:
    """The ``.ics`` attachment of an e-mail about one session (never the video link)."""
    method = "CANCEL" if session.cancelled else "REQUEST"
    data = calendar([session], {group.id: group}, method=method, attendee=attendee)
    return ("seance.ics", f"text/calendar; method={method}; charset=utf-8", data)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_feed(
    user: User, group: Group | None = None, *, include_video: bool = False
) -> tuple[CalendarFeed, str]:
    """A new secret feed for the user (all their groups, or one group they belong to).
    Returns the feed and the token, shown once; only its hash is stored. Flush only."""
    if group is not None and not groups.is_member(user, group):
        raise PermissionError("Seuls les membres du groupe ont son agenda.")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        user_id=user.id,
        group_id=group.id if group else None,
        token_hash=_hash(token),
        include_video=include_video,
    )
    db.session.add(feed)
    db.session.flush()
    return feed, token


def revoke(user: User, feed: CalendarFeed) -> None:
    """Revoke one of the user's feeds: its URL stops working at once. Flush only."""
    if feed.user_id != user.id:
        raise PermissionError("Ce flux ne vous appartient pas.")
    feed.revoked_at = feed.revoked_at or db.utcnow()
    db.session.flush()


def feeds_of(user: User) -> list[CalendarFeed]:
    """The user's active feeds."""
    return list(
        db.session.scalars(
            select(CalendarFeed)
            .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
            .order_by(CalendarFeed.id)
        )
    )


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed of a token (``None`` for a guessed, malformed or revoked token)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None)
        )
    )


def feed_content(feed: CalendarFeed, *, limit: int = 500) -> bytes | None:
    """The feed's calendar, computed for its owner now: only the groups they still belong to
    (``None`` if the owner is gone or suspended, or left the feed's group)."""
    owner = db.session.get(User, feed.user_id)
    if owner is None or not owner.is_active:
        return None
    mine = select(Membership.group_id).where(Membership.user_id == owner.id)
    query = select(GroupSession).where(GroupSession.group_id.in_(mine))
    if feed.group_id is not None:
        if feed.group_id not in set(db.session.scalars(mine)):
            return None
        query = query.where(GroupSession.group_id == feed.group_id)
    sessions = list(db.session.scalars(query.order_by(GroupSession.starts_at.desc()).limit(limit)))
    ids = {s.group_id for s in sessions} | ({feed.group_id} if feed.group_id else set())
    by_id = {g.id: g for g in db.session.scalars(select(Group).where(Group.id.in_(ids)))}
    name = by_id[feed.group_id].name if feed.group_id else "Mes séances"
    return calendar(sessions, by_id, with_video=feed.include_video, name=f"Commons — {name}")


def describe_feed(feed: CalendarFeed, groups_by_id: dict[int, Any]) -> str:
    """« Toutes mes séances » or the group's name."""
    if feed.group_id is None:
        return "Toutes mes séances"
    group = groups_by_id.get(feed.group_id)
    return f"Séances du groupe {group.name}" if group else "Groupe"
