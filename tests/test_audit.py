"""The audit log is append-only: in the ORM, in bulk statements and in the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from commons import audit, db
from commons.audit.models import AuditEntry, AuditTampering
from commons.groups import services as groups


def _entries() -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        select(AuditEntry.action, AuditEntry.actor_name, AuditEntry.target_label).order_by(
            AuditEntry.id
        )
    ).all()
    return [tuple(r) for r in rows]


def test_membership_actions_are_recorded(app, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator = make_user(name="Fanny Anim", role="facilitator")
    agent = make_user(name="Alex Agent")
    group = make_group(facilitator=facilitator)
    join = groups.request_join(agent, group, message="Bonjour", accept_charter=True)
    groups.approve(facilitator, join)
    groups.set_role(facilitator, group, agent, "facilitator")
    groups.set_role(facilitator, group, agent, "member")
    groups.remove_member(facilitator, group, agent)
    db.session.commit()
    assert _entries()[-5:] == [
        ("membership.request", "Alex Agent", "Alex Agent"),
        ("membership.approve", "Fanny Anim", "Alex Agent"),
        ("membership.role", "Fanny Anim", "Alex Agent"),
        ("membership.role", "Fanny Anim", "Alex Agent"),
        ("membership.remove", "Fanny Anim", "Alex Agent"),
    ]
    role = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "membership.role"))
    assert [e.detail for e in role] == [
        {"before": "member", "after": "facilitator"},
        {"before": "facilitator", "after": "member"},
    ]
    assert {e.group_id for e in db.session.scalars(select(AuditEntry))} == {group.id}


def test_unknown_action_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(None, "nimporte.quoi", target_type="rex", target_id=1)


def _one_entry() -> AuditEntry:
    entry = audit.record(
        None, "licence.change", target_type="rex", target_id=7, target_label="REX", reason="r"
    )
    db.session.commit()
    return entry


def test_orm_cannot_edit_or_delete(app) -> None:  # type: ignore[no-untyped-def]
    entry = _one_entry()
    entry.reason = "réécrit"
    with pytest.raises(AuditTampering):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditTampering):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AuditTampering):
        db.session.execute(update(AuditEntry).values(reason="x"))
    db.session.rollback()
    with pytest.raises(AuditTampering):
        db.session.execute(delete(AuditEntry))
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry.reason)) == "r"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entry SET reason = 'falsifié'", "DELETE FROM audit_entry"],
)
def test_database_refuses_raw_sql(app, statement: str) -> None:  # type: ignore[no-untyped-def]
    _one_entry()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry.reason)) == "r"


def test_deleting_the_actor_keeps_the_entry(app, make_user) -> None:  # type: ignore[no-untyped-def]
    actor = make_user(name="Claude Partie")
    audit.record(actor, "licence.change", target_type="rex", target_id=1)
    db.session.commit()
    db.session.execute(text("DELETE FROM user_account WHERE id = :id"), {"id": actor.id})
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry))
    assert entry is not None and entry.actor_id is None and entry.actor_name == "Claude Partie"
