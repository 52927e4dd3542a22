"""Small peer groups: creation, join requests, invitations, cap, private space, permissions."""

from __future__ import annotations

import threading

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from commons import db
from commons.accounts.models import User
from commons.groups import editing, policy, queries, services
from commons.groups.models import Group, JoinRequest, Membership

from .conftest import login


def _members(group: Group) -> int:
    return services.member_count(group.id)


def test_only_facilitators_create_groups(client, make_user) -> None:  # type: ignore[no-untyped-def]
    agent, facilitator = make_user(), make_user(role="facilitator")
    login(client, agent)
    assert client.get("/groupes/nouveau").status_code == 403
    client.post("/deconnexion")
    login(client, facilitator)
    response = client.post(
        "/groupes/nouveau",
        data={
            "name": "Énergie & sobriété",
            "summary": "Entre pairs",
            "description": "## Objet\n\nÉchanger.",
            "charter": "Confidentialité.",
            "themes": ["energie", "environnement"],
            "member_cap": "8",
            "listed": "y",
        },
    )
    assert response.status_code == 302
    group = db.session.scalar(select(Group))
    assert group is not None and group.slug == "energie-sobriete" and group.member_cap == 8
    assert group.themes == ["energie", "environnement"] and "<h2" in group.description_html
    assert policy.is_group_facilitator(facilitator, group)


def test_group_form_bad_input(client, make_user, app) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user(role="facilitator"))
    cases = {
        "Entre 3 et 120 caractères": {"name": "ab"},
        "Ce champ est obligatoire": {"charter": ""},
        "comprise entre 2 et 30 membres": {"member_cap": "0"},
        "comprise entre 2 et 30 membres.": {"member_cap": "50"},
        "Thèmes : «\xa0pas-un-theme\xa0» n&#39;est pas un choix valide": {"themes": "pas-un-theme"},
        "Nombre maximum de membres : N&#39;est pas un entier valide.": {"member_cap": "douze"},
    }
    for message, override in cases.items():
        data = {"name": "Groupe valide", "charter": "Règles", "member_cap": "12"} | override
        assert message in client.post("/groupes/nouveau", data=data).get_data(as_text=True), message
    assert db.session.scalar(select(func.count(Group.id))) == 0


def test_join_approve_and_private_space(client, app, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator, agent, outsider = make_user(role="facilitator"), make_user(), make_user()
    group = make_group(facilitator)
    login(client, agent)
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 403
    response = client.post(f"/groupes/{group.slug}/rejoindre", data={"message": "Bonjour !"})
    assert (
        response.status_code == 200 and db.session.scalar(select(func.count(JoinRequest.id))) == 0
    )
    # The error is shown next to the checkbox, and the typed message is kept (RGAA 11.10).
    page = response.get_data(as_text=True)
    assert 'id="accept_charter-erreur"' in page and "Bonjour !</textarea>" in page
    client.post(
        f"/groupes/{group.slug}/rejoindre", data={"message": "Bonjour !", "accept_charter": "y"}
    )
    join = db.session.scalar(select(JoinRequest))
    assert join is not None and join.status == "pending" and join.message == "Bonjour !"
    again = client.post(
        f"/groupes/{group.slug}/rejoindre",
        data={"message": "x", "accept_charter": "y"},
        follow_redirects=True,
    )
    assert "déjà une demande en attente" in again.get_data(as_text=True)
    client.post("/deconnexion")

    login(client, facilitator)
    space = client.get(f"/groupes/{group.slug}/espace").get_data(as_text=True)
    assert agent.display_name in space and "Bonjour !" in space
    client.post(f"/groupes/{group.slug}/demandes/{join.id}/accepter")
    twice = client.post(f"/groupes/{group.slug}/demandes/{join.id}/accepter", follow_redirects=True)
    assert "déjà été traitée" in twice.get_data(as_text=True)
    assert _members(group) == 1
    client.post("/deconnexion")

    login(client, agent)
    space = client.get(f"/groupes/{group.slug}/espace")
    assert space.status_code == 200 and outsider.email not in space.get_data(as_text=True)
    client.post("/deconnexion")
    login(client, outsider)
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 403


def test_private_space_never_reaches_outsiders(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    for who in (None, outsider):
        if who:
            login(client, who)
        page = client.get(f"/groupes/{group.slug}").get_data(as_text=True)
        assert member.email not in page and "Annuaire du groupe" not in page
        assert client.get(f"/groupes/{group.slug}/espace").status_code in (302, 403)


def test_full_group_refuses_requests(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    a, b, late = make_user(), make_user(), make_user()
    group = make_group(members=(a, b), member_cap=2)
    login(client, late)
    page = client.get(f"/groupes/{group.slug}").get_data(as_text=True)
    assert "Ce groupe est complet" in page
    response = client.post(
        f"/groupes/{group.slug}/rejoindre", data={"accept_charter": "y"}, follow_redirects=True
    )
    assert "complet (2 membres)" in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count(JoinRequest.id)).where(JoinRequest.user_id == late.id))
        == 0
    )


def test_approval_past_the_cap_is_refused(make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator = make_user(role="facilitator")
    group = make_group(facilitator, member_cap=2)
    joins = [
        services.request_join(make_user(), group, message="", accept_charter=True) for _ in range(3)
    ]
    services.approve(facilitator, joins[0])
    services.approve(facilitator, joins[1])
    with pytest.raises(services.GroupError, match="complet"):
        services.approve(facilitator, joins[2])
    assert _members(group) == 2 and joins[2].status == "pending"


def test_cap_holds_under_concurrent_approvals(app, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator = make_user(role="facilitator")
    group = make_group(facilitator, member_cap=3)
    ids = [
        services.request_join(make_user(), group, message="", accept_charter=True).id
        for _ in range(8)
    ]
    db.session.commit()
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def approve(request_id: int) -> None:
        with app.app_context():
            barrier.wait()  # every thread starts its transaction at the same moment
            try:
                actor = db.session.get(User, facilitator.id)
                join = db.session.get(JoinRequest, request_id)
                services.approve(actor, join)
                db.session.commit()
                outcomes.append("ok")
            except services.GroupError:
                db.session.rollback()
                outcomes.append("full")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["full"] * 5 + ["ok"] * 3
    assert _members(group) == 3


def test_facilitator_of_one_group_has_no_power_in_another(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    fac_a, fac_b, agent, member_b = (
        (make_user(role="facilitator") for _ in range(2))
        if False
        else (
            make_user(role="facilitator"),
            make_user(role="facilitator"),
            make_user(),
            make_user(),
        )
    )
    make_group(fac_a)
    group_b = make_group(fac_b, members=(member_b,))
    join = services.request_join(agent, group_b, message="", accept_charter=True)
    db.session.commit()
    login(client, fac_a)
    slug = group_b.slug
    assert client.get(f"/groupes/{slug}/espace").status_code == 403
    assert client.get(f"/groupes/{slug}/modifier").status_code == 403
    assert client.post(f"/groupes/{slug}/demandes/{join.id}/accepter").status_code == 403
    assert client.post(f"/groupes/{slug}/demandes/{join.id}/refuser").status_code == 403
    assert client.post(f"/groupes/{slug}/membres/{member_b.handle}/retirer").status_code == 403
    assert (
        client.post(
            f"/groupes/{slug}/membres/{member_b.handle}/role", data={"role": "facilitator"}
        ).status_code
        == 403
    )
    assert client.post(f"/groupes/{slug}/inviter", data={"who": agent.email}).status_code == 403
    db.session.refresh(join)
    assert join.status == "pending" and _members(group_b) == 1


def test_decline_and_withdraw(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator, agent, other = make_user(role="facilitator"), make_user(), make_user()
    group = make_group(facilitator)
    join = services.request_join(agent, group, message="", accept_charter=True)
    db.session.commit()
    login(client, other)
    assert client.post(f"/groupes/{group.slug}/demandes/{join.id}/retirer").status_code == 403
    client.post("/deconnexion")
    login(client, agent)
    client.post(f"/groupes/{group.slug}/demandes/{join.id}/retirer")
    db.session.refresh(join)
    assert join.status == "withdrawn"
    second = services.request_join(agent, group, message="", accept_charter=True)
    db.session.commit()
    client.post("/deconnexion")
    login(client, facilitator)
    client.post(
        f"/groupes/{group.slug}/demandes/{second.id}/refuser",
        data={"note": "Groupe réservé aux DGS"},
    )
    db.session.refresh(second)
    assert second.status == "declined" and second.decision_note == "Groupe réservé aux DGS"
    assert _members(group) == 0


def test_invitation_to_an_unlisted_group(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator, invitee, stranger = make_user(role="facilitator"), make_user(), make_user()
    group = make_group(facilitator, listed=False, name="Groupe discret")
    login(client, stranger)
    assert client.get(f"/groupes/{group.slug}").status_code == 404
    assert "Groupe discret" not in client.get("/groupes/").get_data(as_text=True)
    client.post("/deconnexion")
    login(client, facilitator)
    unknown = client.post(
        f"/groupes/{group.slug}/inviter", data={"who": "personne@exemple.fr"}, follow_redirects=True
    )
    assert "Aucun compte actif" in unknown.get_data(as_text=True)
    client.post(
        f"/groupes/{group.slug}/inviter",
        data={"who": "@" + invitee.handle, "message": "Rejoins-nous"},
    )
    client.post("/deconnexion")
    login(client, invitee)
    assert "Groupe discret" in client.get("/groupes/").get_data(as_text=True)
    page = client.get(f"/groupes/{group.slug}").get_data(as_text=True)
    assert "Rejoins-nous" in page
    invitation_id = queries.pending_invitations_for(invitee)[0].id
    refused = client.post(
        f"/groupes/{group.slug}/invitations/{invitation_id}/accepter", follow_redirects=True
    )
    assert "accepter la charte" in refused.get_data(as_text=True)
    client.post(
        f"/groupes/{group.slug}/invitations/{invitation_id}/accepter", data={"accept_charter": "y"}
    )
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 200


def test_leave_remove_and_last_facilitator(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator, a, b = make_user(role="facilitator"), make_user(), make_user()
    group = make_group(facilitator, members=(a, b))
    login(client, facilitator)
    response = client.post(f"/groupes/{group.slug}/quitter", follow_redirects=True)
    assert "au moins un·e animateur·rice" in response.get_data(as_text=True)
    client.post(f"/groupes/{group.slug}/membres/{a.handle}/retirer")
    assert _members(group) == 1
    client.post(f"/groupes/{group.slug}/membres/{b.handle}/role", data={"role": "facilitator"})
    assert policy.is_group_facilitator(db.session.get(User, b.id), group)
    assert client.post(f"/groupes/{group.slug}/quitter").status_code == 302
    assert (
        db.session.scalar(
            select(func.count(Membership.id)).where(Membership.user_id == facilitator.id)
        )
        == 0
    )


def test_cap_cannot_drop_below_members(make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator = make_user(role="facilitator")
    group = make_group(facilitator, members=(make_user(), make_user(), make_user()))
    with pytest.raises(services.GroupError, match="déjà 3 membres"):
        editing.update_group(
            facilitator,
            group,
            name=group.name,
            summary="",
            description="",
            charter="c",
            themes=[],
            member_cap=2,
            listed=True,
        )


def test_policy_predicate_and_sql_filter_agree(app, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    facilitator, member, invitee, outsider = (
        make_user(role="facilitator"),
        make_user(),
        make_user(),
        make_user(),
    )
    admin = make_user(role="admin")
    listed = make_group(facilitator, members=(member,), listed=True)
    unlisted = make_group(facilitator, members=(member,), listed=False)
    services.invite(facilitator, unlisted, invitee)
    db.session.commit()
    actors = [AnonymousUserMixin(), facilitator, member, invitee, outsider, admin]
    for actor in actors:
        visible = set(db.session.scalars(select(Group.id).where(policy.visible_groups(actor))))
        private = set(db.session.scalars(select(Group.id).where(policy.private_groups_of(actor))))
        for group in (listed, unlisted):
            assert (group.id in visible) == policy.can_view_group(actor, group), (actor, group)
            assert (group.id in private) == policy.can_view_private(actor, group), (actor, group)
    assert not policy.can_view_private(admin, unlisted)  # admins do not read private spaces


def test_membership_emails_reach_only_the_people_concerned(
    app, client, make_user, make_group
) -> None:  # type: ignore[no-untyped-def]
    from .conftest import outbox

    facilitator, agent, member = make_user(role="facilitator"), make_user(), make_user()
    group = make_group(facilitator, members=(member,), name="Groupe mobilité")
    login(client, agent)
    client.post(
        f"/groupes/{group.slug}/rejoindre",
        data={"message": "Je viens de Bègles", "accept_charter": "y"},
    )
    [notice] = outbox(app)
    assert notice["To"] == facilitator.email and "Groupe mobilité" in notice["Subject"]
    assert "Je viens de Bègles" in notice.get_body(preferencelist=("plain",)).get_content()
    client.post("/deconnexion")
    login(client, facilitator)
    join = db.session.scalar(select(JoinRequest).where(JoinRequest.user_id == agent.id))
    client.post(
        f"/groupes/{group.slug}/demandes/{join.id}/refuser",
        data={"note": "Groupe complet ce semestre"},
    )
    decision = outbox(app)[-1]
    assert decision["To"] == agent.email
    text = decision.get_body(preferencelist=("plain",)).get_content()
    assert "n'a pas été acceptée" in text and "Groupe complet ce semestre" in text
    assert member.email not in text  # nothing of the group's private directory
    invitee = make_user()
    client.post(
        f"/groupes/{group.slug}/inviter", data={"who": invitee.email, "message": "Bienvenue"}
    )
    invitation = outbox(app)[-1]
    assert invitation["To"] == invitee.email and "Invitation au groupe" in invitation["Subject"]
    recipients = {m["To"] for m in outbox(app)}
    assert recipients == {facilitator.email, agent.email, invitee.email}


def test_home_lists_my_groups_only_to_me(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user()
    make_group(members=(member,), name="Groupe discret", listed=False)
    login(client, member)
    assert "Groupe discret" in client.get("/").get_data(as_text=True)
    client.post("/deconnexion")
    assert "Groupe discret" not in client.get("/").get_data(as_text=True)
    login(client, outsider)
    body = client.get("/").get_data(as_text=True)
    assert "Groupe discret" not in body and "Mes groupes" not in body
