"""Shared set-up of the session tests: a group (facilitator, two members), another group
(its facilitator and a member), an outsider agent and an administrator; helpers to schedule a
session and to move it into the past (as time would)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import pytest

from commons import db
from commons.accounts.models import User
from commons.groups.models import Group
from commons.sessions import services, timing
from commons.sessions.models import GroupSession


@dataclass
class World:
    group: Group
    facilitator: User
    alice: User
    bob: User
    other_group: Group
    other_facilitator: User
    other_member: User
    outsider: User
    admin: User


@pytest.fixture(name="world")
def world_fixture(make_user, make_group) -> World:  # type: ignore[no-untyped-def]
    facilitator = make_user(name="Fanny Animatrice", role="facilitator")
    alice, bob = make_user(name="Alice Martin"), make_user(name="Bruno Lefèvre")
    group = make_group(facilitator, members=(alice, bob), name="Voirie partagée")
    other_facilitator = make_user(role="facilitator")
    other_member = make_user()
    other_group = make_group(other_facilitator, members=(other_member,), name="Autre groupe")
    return World(
        group,
        facilitator,
        alice,
        bob,
        other_group,
        other_facilitator,
        other_member,
        make_user(),
        make_user(role="admin"),
    )


def in_days(days: int) -> date:
    """A Paris date ``days`` from today."""
    return timing.local(db.utcnow()).date() + timedelta(days=days)


def plan(**kw: Any) -> services.Plan:
    values: dict[str, Any] = {
        "title": "Atelier marchés de voirie",
        "day": in_days(10),
        "start": time(14, 0),
        "end": time(16, 30),
        "address": "Mairie de Talence, salle 2",
        "video_url": "https://visio.exemple.fr/salle-secrete-42",
    }
    values.update(kw)
    return services.Plan(**values)


def schedule(w: World, **kw: Any) -> GroupSession:
    session = services.schedule(w.facilitator, w.group, plan(**kw))
    db.session.commit()
    return session


def make_past(session: GroupSession, hours: int = 3) -> None:
    """Move a session into the past, as if it had taken place."""
    session.starts_at = db.utcnow() - timedelta(hours=hours)
    db.session.commit()
