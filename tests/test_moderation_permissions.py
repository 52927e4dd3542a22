"""Facilitators of group A have no power in group B, for every action; plain members,
anonymous visitors, network facilitators and administrators have none in a private group
either. Each refusal leaves the content, the reports and the audit log as they were."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from commons import db, errors
from commons.audit.models import AuditEntry
from commons.moderation import members, reports, services, targets
from commons.moderation.models import MemberNote, Report, Statement
from tests.conftest import login as _login
from tests.moderation_world import World, world_fixture  # noqa: F401

# (name, service call, route) — the route is (method, path template, data).
Action = tuple[str, Callable[[Any, World], None], tuple[str, str, dict[str, str]]]


def _hide(actor: Any, w: World) -> None:
    services.hide(actor, targets.of(w.b.post), "motif")


def _restore(actor: Any, w: World) -> None:
    services.restore(actor, targets.of(w.b.rex), "motif")


def _edit(actor: Any, w: World) -> None:
    services.edit(actor, targets.of(w.b.post), "Texte réécrit", "motif")


def _lock(actor: Any, w: World) -> None:
    services.set_lock(actor, targets.of(w.b.thread), True, "motif")


def _unlock(actor: Any, w: World) -> None:
    services.set_lock(actor, targets.of(w.b.thread), False, "motif")


def _move(actor: Any, w: World) -> None:
    services.move_thread(actor, targets.of(w.b.thread), group_id=w.b.group.id, category_id=None)


def _dismiss(actor: Any, w: World) -> None:
    services.dismiss(actor, targets.of(w.b.post), "motif")


def _warn(actor: Any, w: World) -> None:
    members.warn(actor, w.b.author, "motif", w.b.group.id)


def _note(actor: Any, w: World) -> None:
    members.add_note(actor, w.b.author, "note", w.b.group.id)


def _suspend(actor: Any, w: World) -> None:
    members.suspend(actor, w.b.author, "motif", None)


def _lift(actor: Any, w: World) -> None:
    members.lift(actor, w.net_author, "motif")


ACTIONS: list[Action] = [
    ("hide", _hide, ("post", "/animation/contenu/post/{post}/masquer", {"reason": "m"})),
    ("restore", _restore, ("post", "/animation/contenu/rex/{rex}/retablir", {"reason": "m"})),
    (
        "edit",
        _edit,
        ("post", "/animation/contenu/post/{post}/modifier", {"body": "x", "reason": "m"}),
    ),
    ("lock", _lock, ("post", "/animation/contenu/thread/{thread}/verrouiller", {"reason": "m"})),
    (
        "unlock",
        _unlock,
        ("post", "/animation/contenu/thread/{thread}/deverrouiller", {"reason": ""}),
    ),
    (
        "move",
        _move,
        ("post", "/animation/contenu/thread/{thread}/deplacer", {"destination": "group:{group}"}),
    ),
    ("dismiss", _dismiss, ("post", "/animation/contenu/post/{post}/classer", {"reason": ""})),
    (
        "warn",
        _warn,
        ("post", "/animation/membres/{author}/avertir", {"scope": "{group}", "reason": "m"}),
    ),
    (
        "note",
        _note,
        ("post", "/animation/membres/{author}/note", {"scope": "{group}", "body": "n"}),
    ),
    ("suspend", _suspend, ("post", "/animation/membres/{author}/suspendre", {"reason": "m"})),
    ("lift", _lift, ("post", "/animation/membres/{reporter}/lever", {"reason": ""})),
    ("content page", None, ("get", "/animation/contenu/post/{post}", {})),  # type: ignore[list-item]
    ("member page", None, ("get", "/animation/membres/{author}", {})),  # type: ignore[list-item]
    ("group dashboard", None, ("get", "/groupes/{slug}/animation", {})),  # type: ignore[list-item]
]


def _prepare(w: World) -> None:
    """State in B where every action would apply: a hidden REX, a locked thread (for unlock),
    an open report, a suspended member (for lift)."""
    reports.report(w.b.reporter, targets.of(w.b.post), "hors-charte")
    services.hide(w.b.facilitator, targets.of(w.b.rex), "déjà masqué")
    w.net_author.suspended_at = db.utcnow()
    db.session.commit()


def _snapshot(w: World) -> tuple[Any, ...]:
    return (
        db.session.scalar(select(func.count(AuditEntry.id))),
        db.session.scalar(select(func.count(Statement.id))),
        db.session.scalar(select(func.count(MemberNote.id))),
        tuple(db.session.scalars(select(Report.status).order_by(Report.id))),
        w.b.post.hidden,
        w.b.post.source,
        w.b.thread.locked,
        w.b.rex.hidden,
        w.b.author.suspended_at,
        w.net_author.suspended_at is not None,
    )


def _actor(w: World, who: str) -> Any:
    return {
        "facilitator of A": w.a.facilitator,
        "creator of A (network facilitator)": w.a.creator,
        "network facilitator": w.global_fac,
        "administrator": w.admin,
        "member of B": w.b.reporter,
        "plain agent": w.plain,
    }[who]


OUTSIDERS = [
    "facilitator of A",
    "creator of A (network facilitator)",
    "network facilitator",
    "administrator",
    "member of B",
    "plain agent",
]
#: Network facilitators and administrators may suspend and lift, and so open any member's
#: page: only group facilitators, members and agents must be refused those.
GLOBAL_POWERS = {"suspend", "lift", "member page"}
GLOBAL_ROLES = {"creator of A (network facilitator)", "network facilitator", "administrator"}


def _cases() -> list[Any]:
    out = []
    for name, call, route in ACTIONS:
        for who in OUTSIDERS:
            if name in GLOBAL_POWERS and who in GLOBAL_ROLES:
                continue
            if name == "unlock":
                continue  # covered by lock below (needs a locked thread)
            out.append(pytest.param(name, call, route, who, id=f"{name}-{who}"))
    return out


@pytest.mark.parametrize(("name", "call", "route", "who"), _cases())
def test_no_power_outside_ones_groups(client, world: World, name, call, route, who) -> None:  # type: ignore[no-untyped-def]
    _prepare(world)
    actor = _actor(world, who)
    before = _snapshot(world)
    if call is not None:
        with pytest.raises(errors.Forbidden):
            call(actor, world)
        db.session.rollback()
    method, path, data = route
    values = {
        "post": world.b.post.id,
        "rex": world.b.rex.id,
        "thread": world.b.thread.id,
        "group": world.b.group.id,
        "author": world.b.author.handle,
        "reporter": world.net_author.handle,
        "slug": world.b.group.slug,
    }
    url = path.format(**values)
    payload = {k: v.format(**values) for k, v in data.items()}
    _login(client, actor)
    response = client.get(url) if method == "get" else client.post(url, data=payload)
    assert response.status_code in (403, 404), (name, who, response.status_code)
    db.session.expire_all()
    assert _snapshot(world) == before


def test_unlock_outside_ones_group_is_refused(world: World) -> None:  # type: ignore[no-untyped-def]
    services.set_lock(world.b.facilitator, targets.of(world.b.thread), True, "clos")
    db.session.commit()
    for actor in (world.a.facilitator, world.global_fac, world.admin, world.b.reporter):
        with pytest.raises(errors.Forbidden):
            _unlock(actor, world)
        db.session.rollback()
    assert world.b.thread.locked


@pytest.mark.parametrize(
    "path",
    ["/animation/", "/animation/signalements", "/animation/journal", "/animation/journal.csv"],
)
def test_members_and_anonymous_are_refused_the_facilitator_pages(
    client, world: World, path: str
) -> None:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 302  # to the login page
    _login(client, world.b.reporter)
    assert client.get(path).status_code == 403


def test_the_same_actions_work_for_bs_own_facilitator(world: World) -> None:  # type: ignore[no-untyped-def]
    """The refusals above are about who acts, not about the actions being impossible."""
    _prepare(world)
    fac = world.b.facilitator
    _dismiss(fac, world)
    _restore(fac, world)
    _hide(fac, world)
    _edit(fac, world)
    _lock(fac, world)
    _unlock(fac, world)
    _warn(fac, world)
    _note(fac, world)
    db.session.commit()
    assert world.b.post.hidden and world.b.post.source == "Texte réécrit"
    _suspend(world.global_fac, world)
    _lift(world.global_fac, world)
    db.session.commit()
    assert world.b.author.is_suspended and world.net_author.suspended_at is None
