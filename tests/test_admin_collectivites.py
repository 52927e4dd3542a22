"""Admin work made visible (issue 18): the « Administration » entry, admins told of proposed
collectivités, validation with SIREN and proposer, refusal with a reason, and a profile that
keeps (or proposes) a collectivité."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from commons import db
from commons.accounts.models import User
from commons.collectivites.models import Collectivite
from commons.notifications.models import Notification

from .conftest import PASSWORD, login, outbox

PROPOSAL = {
    "collectivite": "nouvelle",
    "new_collectivite_name": "Commune de Saint-Émilion",
    "new_collectivite_kind": "commune",
    "new_collectivite_departement": "33",
}


def _register(client: Any) -> User:
    data = {
        "email": "claire.dubois@mairie-exemple.fr",
        "display_name": "Claire Dubois",
        "job_title": "Chargée de mission transition",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "accept_charter": "y",
        **PROPOSAL,
    }
    assert "Vérifiez votre messagerie" in client.post("/inscription", data=data).get_data(
        as_text=True
    )
    user = db.session.scalar(select(User).where(User.display_name == "Claire Dubois"))
    user.email_confirmed_at = db.utcnow()
    db.session.commit()
    return user


def _as(client: Any, user: Any) -> None:
    client.post("/deconnexion")
    login(client, user)


def _profile(user: Any, **data: Any) -> dict[str, Any]:
    return {"display_name": user.display_name, "job_title": user.job_title, "bio": "", **data}


def test_administration_entry_for_admins_only(client: Any, make_user: Any) -> None:
    agent, admin = make_user(), make_user(role="admin")
    login(client, agent)
    assert "Administration" not in client.get("/").get_data(as_text=True)
    assert client.get("/administration").status_code == 403
    _as(client, admin)
    home = client.get("/groupes/").get_data(as_text=True)
    assert 'href="/administration"' in home
    page = client.get("/administration").get_data(as_text=True)
    assert 'href="/collectivites/a-valider"' in page and 'href="/communs/importer"' in page


def test_proposal_notifies_admins_and_shows_proposer(app: Any, client: Any, make_user: Any) -> None:
    admin, agent = make_user("Adèle Admin", role="admin"), make_user()
    claire = _register(client)
    proposed = db.session.scalar(select(Collectivite).where(Collectivite.validated.is_(False)))
    assert proposed.proposed_by_id == claire.id
    notes = db.session.scalars(
        select(Notification).where(Notification.target_type == "collectivite")
    ).all()
    assert [n.user_id for n in notes] == [admin.id]
    login(client, admin)
    assert "Commune de Saint-Émilion" in client.get("/notifications/").get_data(as_text=True)
    review = client.get("/collectivites/a-valider").get_data(as_text=True)
    assert "Claire Dubois" in review and "SIREN" in review and "Motif du refus" in review
    _as(client, agent)  # an agent is shown nothing of the admins' notice
    assert "Saint-Émilion" not in client.get("/notifications/").get_data(as_text=True)


def test_saving_profile_keeps_the_proposed_collectivite(client: Any, make_user: Any) -> None:
    claire = _register(client)
    proposed_id = claire.collectivite_id
    login(client, claire)
    form = client.get("/compte/profil").get_data(as_text=True)
    assert "en attente de validation" in form and "la proposer" in form
    response = client.post("/compte/profil", data=_profile(claire, collectivite=str(proposed_id)))
    assert response.status_code == 302
    db.session.refresh(claire)
    assert claire.collectivite_id == proposed_id


def test_profile_can_propose_a_collectivite(client: Any, make_user: Any) -> None:
    admin, agent = make_user(role="admin"), make_user()
    login(client, agent)
    assert client.post("/compte/profil", data=_profile(agent, **PROPOSAL)).status_code == 302
    db.session.refresh(agent)
    proposed = db.session.get(Collectivite, agent.collectivite_id)
    assert proposed.validated is False and proposed.proposed_by_id == agent.id
    assert db.session.scalar(
        select(Notification).where(
            Notification.user_id == admin.id, Notification.target_id == proposed.id
        )
    )
    missing = client.post(
        "/compte/profil", data=_profile(agent, collectivite="nouvelle", new_collectivite_name="")
    )
    assert "Indiquez le nom de la collectivité à proposer." in missing.get_data(as_text=True)


def test_validation_with_siren_attaches_the_proposer(app: Any, client: Any, make_user: Any) -> None:
    admin = make_user(role="admin")
    claire = _register(client)
    proposed = db.session.get(Collectivite, claire.collectivite_id)
    claire.collectivite_id = None  # left empty in the meantime: attached again on validation
    db.session.commit()
    login(client, admin)
    bad = client.post(
        "/collectivites/a-valider",
        data={"id": proposed.id, "decision": "valider", "siren": "123"},
        follow_redirects=True,
    )
    assert "numéro SIREN n&#39;est pas valide" in bad.get_data(as_text=True)
    db.session.refresh(proposed)
    assert proposed.validated is False
    client.post(
        "/collectivites/a-valider",
        data={"id": proposed.id, "decision": "valider", "siren": "217 500 016"},
    )
    db.session.refresh(proposed)
    db.session.refresh(claire)
    assert proposed.validated is True and proposed.siren == "217500016"
    assert claire.collectivite_id == proposed.id
    assert any(m["To"] == claire.email and "validée" in m["Subject"] for m in outbox(app))


def test_refusal_needs_a_reason_and_tells_the_proposer(
    app: Any, client: Any, make_user: Any
) -> None:
    admin = make_user(role="admin")
    claire = _register(client)
    proposed = db.session.get(Collectivite, claire.collectivite_id)
    login(client, admin)
    page = client.post(
        "/collectivites/a-valider",
        data={"id": proposed.id, "decision": "refuser", "motif": "  "},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Indiquez le motif du refus" in page
    db.session.refresh(proposed)
    assert proposed.refused_at is None
    client.post(
        "/collectivites/a-valider",
        data={"id": proposed.id, "decision": "refuser", "motif": "C'est une association."},
    )
    db.session.refresh(proposed)
    db.session.refresh(claire)
    assert proposed.refused_at is not None and proposed.validated is False
    assert claire.collectivite_id is None
    assert "Aucune proposition en attente" in client.get("/collectivites/a-valider").get_data(
        as_text=True
    )
    [mail] = [m for m in outbox(app) if m["To"] == claire.email and "retenue" in m["Subject"]]
    assert "C'est une association." in mail.get_body(preferencelist=("plain",)).get_content()
    # Deciding twice is refused (404), never a 500.
    again = client.post("/collectivites/a-valider", data={"id": proposed.id, "decision": "x"})
    assert again.status_code == 404
    assert client.post("/collectivites/a-valider", data={"id": "abc"}).status_code == 404
