"""Issue 13, case 5: nobody enters a private space by their own hand.

An administrator runs the instance, not the groups: over HTTP, every path by which an admin
could enter a group (invite themselves, invite an accomplice, approve their own request,
accept an invitation they wrote, promote themselves) is refused with a French message, and the
private space stays closed. A group left without an active facilitator gets one from an admin,
never the admin, with a notice to every member. Every membership change is audited and told.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import func, select

from commons import db, errors
from commons.audit.models import AuditEntry
from commons.groups import services as groups
from commons.groups.models import Invitation, JoinRequest, Membership
from commons.notifications.models import Notification

from .conftest import login


def _page(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _role(group: Any, user: Any) -> str | None:
    return db.session.scalar(
        select(Membership.role).where(
            Membership.group_id == group.id, Membership.user_id == user.id
        )
    )


def _membership_notes(user: Any) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.target_type == "membership"
            )
        )
    )


def _actions(group: Any) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.group_id == group.id).order_by(AuditEntry.id)
        )
    )


def test_admin_cannot_invite_themselves_nor_anyone(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    admin, colleague, member = make_user(role="admin"), make_user(), make_user()
    group = make_group(members=(member,))
    login(client, admin)
    for who in (f"@{admin.handle}", admin.email, f"@{colleague.handle}"):
        response = client.post(f"/groupes/{group.slug}/inviter", data={"who": who})
        assert response.status_code == 403
        assert "n'entre pas dans les groupes" in _page(response)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 403
    # Nor remove a member, nor change a role.
    response = client.post(f"/groupes/{group.slug}/membres/{member.handle}/retirer")
    assert response.status_code == 403 and "animateur·rices de ce groupe" in _page(response)
    response = client.post(
        f"/groupes/{group.slug}/membres/{member.handle}/role", data={"role": "facilitator"}
    )
    assert response.status_code == 403
    assert _role(group, member) == "member"


def test_admin_cannot_approve_their_own_request(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(role="admin")
    group = make_group()
    login(client, admin)
    client.post(f"/groupes/{group.slug}/rejoindre", data={"message": "?", "accept_charter": "y"})
    join = db.session.scalar(select(JoinRequest).where(JoinRequest.user_id == admin.id))
    assert join is not None and join.status == "pending"  # asking is allowed, like anyone
    response = client.post(f"/groupes/{group.slug}/demandes/{join.id}/accepter")
    assert response.status_code == 403
    assert "n'entre pas dans les groupes" in _page(response)
    db.session.refresh(join)
    assert join.status == "pending" and _role(group, admin) is None
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 403


def test_an_invitation_one_wrote_to_oneself_cannot_be_accepted(
    client, make_user, make_group
) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(role="admin")
    group = make_group(listed=False)
    # Written before the rule (or straight into the database): still refused on acceptance.
    invitation = Invitation(group_id=group.id, user_id=admin.id, invited_by_id=admin.id)
    db.session.add(invitation)
    db.session.commit()
    login(client, admin)
    response = client.post(
        f"/groupes/{group.slug}/invitations/{invitation.id}/accepter",
        data={"accept_charter": "y"},
    )
    assert response.status_code == 403
    assert "Personne n'entre dans un groupe de sa propre main" in _page(response)
    assert _role(group, admin) is None
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 403


def test_a_member_admin_cannot_promote_themselves(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(role="admin")
    group = make_group(members=(admin,))  # admitted by the facilitator, like anyone
    login(client, admin)
    response = client.post(
        f"/groupes/{group.slug}/membres/{admin.handle}/role", data={"role": "facilitator"}
    )
    assert response.status_code == 403
    assert "Personne n'entre dans un groupe de sa propre main" in _page(response)
    assert _role(group, admin) == "member"
    # Nor invite an accomplice, as a mere member.
    other = make_user()
    response = client.post(f"/groupes/{group.slug}/inviter", data={"who": f"@{other.handle}"})
    assert response.status_code == 403


def test_orphan_group_gets_a_facilitator_from_an_admin_never_the_admin(
    client, make_user, make_group
) -> None:  # type: ignore[no-untyped-def]
    facilitator, admin = make_user(role="facilitator"), make_user(role="admin")
    alice, bob = make_user("Alice"), make_user("Bob")
    group = make_group(facilitator, members=(alice, bob))
    login(client, admin)
    # While the group has an active facilitator, the admin has nothing to say.
    assert "Groupe sans animation" not in _page(client.get(f"/groupes/{group.slug}"))
    response = client.post(f"/groupes/{group.slug}/animation", data={"who": f"@{alice.handle}"})
    assert response.status_code == 403 and "animateur·rice actif·ve" in _page(response)
    assert _role(group, alice) == "member"

    facilitator.suspended_at = db.utcnow()  # the only facilitator is suspended: orphan group
    db.session.commit()
    assert "Groupe sans animation" in _page(client.get(f"/groupes/{group.slug}"))
    response = client.post(f"/groupes/{group.slug}/animation", data={"who": f"@{admin.handle}"})
    assert response.status_code == 403
    assert "Personne n'entre dans un groupe de sa propre main" in _page(response)
    assert _role(group, admin) is None

    page = client.post(
        f"/groupes/{group.slug}/animation",
        data={"who": f"@{alice.handle}"},
        follow_redirects=True,
    )
    assert "anime désormais le groupe" in _page(page)
    assert _role(group, alice) == "facilitator"
    assert _actions(group)[-1] == "membership.appoint"
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 403  # admin still out
    # Every member is told (the new facilitator too), in the notification centre.
    assert [n.kind for n in _membership_notes(bob)] == ["membership.appoint"]
    assert [n.kind for n in _membership_notes(alice)] == [
        "membership.approve",
        "membership.appoint",
    ]
    client.post("/deconnexion")
    login(client, bob)
    centre = _page(client.get("/notifications/"))
    assert "l'administration" in centre and "Alice" in centre and group.name in centre


def test_orphan_group_without_members_invites_a_facilitator(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator, admin, newcomer = (
        make_user(role="facilitator"),
        make_user(role="admin"),
        make_user("Nina"),
    )
    group = make_group(facilitator, listed=False)
    login(client, admin)
    assert client.get(f"/groupes/{group.slug}").status_code == 404  # unlisted: not for admins
    facilitator.suspended_at = db.utcnow()
    db.session.commit()
    # Left without facilitator, its card (never its private space) shows to administrators.
    assert group.name in _page(client.get("/groupes/"))
    assert "Groupe sans animation" in _page(client.get(f"/groupes/{group.slug}"))
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 403
    page = client.post(
        f"/groupes/{group.slug}/animation",
        data={"who": newcomer.email, "message": "Le groupe a besoin de vous."},
        follow_redirects=True,
    )
    assert "invité·e à animer le groupe" in _page(page)
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == newcomer.id))
    assert invitation is not None and invitation.role == "facilitator"
    client.post("/deconnexion")
    login(client, newcomer)
    client.post(
        f"/groupes/{group.slug}/invitations/{invitation.id}/accepter",
        data={"accept_charter": "y"},
    )
    assert _role(group, newcomer) == "facilitator"
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 200


def test_every_membership_change_is_audited_and_told(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator = make_user(role="facilitator")
    alice, bob, carol = make_user("Alice"), make_user("Bob"), make_user("Carol")
    group = make_group(facilitator, members=(alice,))
    login(client, bob)
    client.post(f"/groupes/{group.slug}/rejoindre", data={"message": "", "accept_charter": "y"})
    join = db.session.scalar(select(JoinRequest).where(JoinRequest.user_id == bob.id))
    client.post("/deconnexion")
    login(client, facilitator)
    client.post(f"/groupes/{group.slug}/demandes/{join.id}/accepter")
    assert [n.kind for n in _membership_notes(alice)] == ["membership.approve"]
    assert _membership_notes(bob) == []  # the newcomer has the decision's e-mail
    client.post(f"/groupes/{group.slug}/inviter", data={"who": f"@{carol.handle}"})
    assert [n.kind for n in _membership_notes(carol)] == ["membership.invite"]
    client.post(f"/groupes/{group.slug}/membres/{bob.handle}/role", data={"role": "facilitator"})
    client.post(f"/groupes/{group.slug}/membres/{alice.handle}/retirer")
    client.post("/deconnexion")
    login(client, carol)
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == carol.id))
    client.post(
        f"/groupes/{group.slug}/invitations/{invitation.id}/accepter",
        data={"accept_charter": "y"},
    )
    client.post(f"/groupes/{group.slug}/quitter")
    actions = _actions(group)
    for action in (
        "membership.approve",
        "membership.invite",
        "membership.role",
        "membership.remove",
        "membership.accept",
        "membership.leave",
    ):
        assert action in actions, action
    # The removed member is told, and sees it; outsiders and ex-members see nothing more.
    kinds = [n.kind for n in _membership_notes(alice)]
    assert kinds == ["membership.approve", "membership.role", "membership.remove"]
    client.post("/deconnexion")
    login(client, alice)
    centre = _page(client.get("/notifications/"))
    assert "Vous avez été retiré·e du groupe par" in centre  # told as « vous »
    assert "Bob a désormais le rôle" not in centre  # no longer a member: that one is closed
    # Bob (now facilitator) was told of Carol's arrival and departure.
    assert [n.kind for n in _membership_notes(bob)][-2:] == [
        "membership.accept",
        "membership.leave",
    ]


def test_services_refuse_self_entry_too(make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    """The CLI, importers and tests call the services: the rule holds there as well."""
    import pytest

    admin = make_user(role="admin")
    group = make_group()
    with pytest.raises(errors.Forbidden):
        groups.invite(admin, group, admin)
    db.session.rollback()
    with pytest.raises(errors.Forbidden):
        groups.appoint_facilitator(admin, group, admin)
    db.session.rollback()
    join = groups.request_join(admin, group, message="", accept_charter=True)
    with pytest.raises(errors.Forbidden):
        groups.approve(admin, join)
    db.session.rollback()


def test_orphan_card_predicate_and_sql_filter_agree(make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from flask_login import AnonymousUserMixin

    from commons.groups import policy
    from commons.groups.models import Group

    admin, agent = make_user(role="admin"), make_user()
    lapsed, active = make_user(role="facilitator"), make_user(role="facilitator")
    orphan = make_group(make_user(role="facilitator"), listed=False)
    lapsed_group = make_group(lapsed, listed=False)
    run = make_group(active, listed=False)
    listed = make_group()
    db.session.execute(
        Membership.__table__.delete().where(Membership.group_id == orphan.id)
    )  # its facilitator's account was deleted
    lapsed.suspended_at = db.utcnow() - timedelta(days=2)
    lapsed.suspended_until = db.utcnow() - timedelta(days=1)  # suspension over: active again
    db.session.commit()
    groups_ = [orphan, lapsed_group, run, listed]
    for actor in (AnonymousUserMixin(), agent, admin):
        policy.forget_memberships(actor)
        by_predicate = {g.id for g in groups_ if policy.can_view_group(actor, g)}
        by_sql = set(db.session.scalars(select(Group.id).where(policy.visible_groups(actor))))
        assert by_predicate == by_sql & {g.id for g in groups_}, actor
    assert policy.can_view_group(admin, orphan) and not policy.can_view_group(agent, orphan)
    assert not policy.can_view_group(admin, lapsed_group) and not policy.can_view_group(admin, run)
    assert not policy.can_view_private(admin, orphan)
