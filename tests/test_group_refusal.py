"""« Refus motivé »: declining a join request asks a reason, which the agent reads in the
e-mail, in an in-app notice and on the group's page; nobody else reads it."""

from __future__ import annotations

from sqlalchemy import select

from commons import db
from commons.groups import services
from commons.notifications.models import Notification

from .conftest import login, outbox


def _asked(make_user, make_group):  # type: ignore[no-untyped-def]
    facilitator, agent, member = make_user(role="facilitator"), make_user(), make_user()
    group = make_group(facilitator, members=(member,), name="Groupe sobriété")
    join = services.request_join(agent, group, message="Bonjour", accept_charter=True)
    db.session.commit()
    return facilitator, agent, member, group, join


def test_a_refusal_without_reason_is_refused_and_changes_nothing(  # type: ignore[no-untyped-def]
    app, client, make_user, make_group
) -> None:
    facilitator, agent, _member, group, join = _asked(make_user, make_group)
    login(client, facilitator)
    page = client.get(f"/groupes/{group.slug}/espace").get_data(as_text=True)
    assert "Motif du refus (obligatoire)" in page and 'name="note"' in page
    response = client.post(
        f"/groupes/{group.slug}/demandes/{join.id}/refuser",
        data={"note": "   "},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Indiquez le motif du refus" in response.get_data(as_text=True)
    db.session.refresh(join)
    assert join.status == "pending" and join.decision_note == ""
    assert not [m for m in outbox(app) if m["To"] == agent.email]


def test_the_reason_reaches_the_agent_and_only_them(  # type: ignore[no-untyped-def]
    app, client, make_user, make_group
) -> None:
    facilitator, agent, member, group, join = _asked(make_user, make_group)
    login(client, facilitator)
    client.post(
        f"/groupes/{group.slug}/demandes/{join.id}/refuser",
        data={"note": "Groupe réservé aux directions des finances."},
    )
    db.session.refresh(join)
    assert join.status == "declined"
    [mail] = [m for m in outbox(app) if m["To"] == agent.email]
    assert "réservé aux directions des finances" in mail.get_body(("plain",)).get_content()
    # In-app: the agent only (tell() marks it e-mailed: the decision's e-mail is the only one).
    notes = list(
        db.session.scalars(select(Notification).where(Notification.target_type == "membership"))
    )
    told = [n for n in notes if n.kind == "membership.decline"]
    assert [n.user_id for n in told] == [agent.id] and told[0].emailed_at is not None
    client.post("/deconnexion")
    login(client, agent)
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "Votre demande pour rejoindre le groupe a été refusée" in listing
    page = client.get(f"/groupes/{group.slug}").get_data(as_text=True)
    assert 'id="demande-refusee"' in page and "réservé aux directions des finances" in page
    assert "Envoyer ma demande" in page  # asking again stays possible
    client.post("/deconnexion")
    login(client, member)
    other = client.get(f"/groupes/{group.slug}").get_data(as_text=True)
    assert "réservé aux directions des finances" not in other
    assert "refusée" not in client.get("/notifications/").get_data(as_text=True)


def test_a_new_request_hides_the_old_refusal(  # type: ignore[no-untyped-def]
    client, make_user, make_group
) -> None:
    facilitator, agent, _member, group, join = _asked(make_user, make_group)
    services.decline(facilitator, join, note="Revenez en septembre.")
    services.request_join(agent, group, message="C'est septembre", accept_charter=True)
    db.session.commit()
    login(client, agent)
    page = client.get(f"/groupes/{group.slug}").get_data(as_text=True)
    assert "Revenez en septembre" not in page and "en attente de l'animation" in page
