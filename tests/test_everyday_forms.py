"""Issue 18, forms: a join request keeps its message when the charter is not ticked; the group
form offers themes as choices (no comma-separated slugs) and states one member-cap rule; the
error summary shows each error once, with the label only before a generic message."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import func, select

from commons import db
from commons.groups.models import Group, JoinRequest

from .conftest import login
from .integrity_support import form_of


def _page(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _summary(page: str) -> list[str]:
    """The items of the error summaries of a page, as text."""
    boxes = re.findall(r'<div class="error-summary".*?</div>', page, re.S)
    items = [item for box in boxes for item in re.findall(r"<li>(.*?)</li>", box, re.S)]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


def _tag(page: str, name: str) -> str:
    found = re.search(r'<input[^>]*name="' + name + '"[^>]*>', page)
    assert found, name
    return found.group(0)


def test_join_request_keeps_its_message_when_the_charter_is_not_ticked(
    client: Any, make_user: Any, make_group: Any
) -> None:
    group, agent = make_group(), make_user()
    login(client, agent)
    message = "Bonjour, je pilote le budget participatif <de> ma commune."
    response = client.post(f"/groupes/{group.slug}/rejoindre", data={"message": message})
    page = _page(response)
    assert response.status_code == 200
    assert re.search(r"<textarea[^>]*>\s*" + re.escape(message) + "</textarea>", page)
    assert _summary(page) == ["Vous devez accepter la charte du groupe."]  # no label, no « : »
    assert page.count('id="erreurs"') == 1
    assert db.session.scalar(select(func.count(JoinRequest.id))) == 0
    sent = client.post(
        f"/groupes/{group.slug}/rejoindre", data={"message": message, "accept_charter": "y"}
    )
    assert sent.status_code == 302
    assert db.session.scalar(select(JoinRequest.message)) == message


def test_generic_messages_keep_their_label_in_the_summary(client: Any, make_user: Any) -> None:
    user = make_user()
    login(client, user)
    data = {"display_name": "", "job_title": "x", "collectivite": str(user.collectivite_id)}
    page = _page(client.post("/compte/profil", data=data))
    assert "Nom affiché : Ce champ est obligatoire." in _summary(page)
    assert "Métier : Entre 2 et 120 caractères." in _summary(page)
    # next to the field, the message alone (the label is just above it)
    assert 'id="display_name-erreur">Ce champ est obligatoire.' in page


def test_group_form_offers_themes_as_choices(client: Any, make_user: Any) -> None:
    login(client, make_user(role="facilitator"))
    page = _page(client.get("/groupes/nouveau"))
    select_tag = re.search(r'<select[^>]*name="themes"[^>]*>', page)
    assert select_tag and "multiple" in select_tag.group(0) and "data-picker" in select_tag.group(0)
    assert '<option value="participation-citoyenne">Participation citoyenne</option>' in page
    assert "séparés par des virgules" not in page
    data = {
        "name": "Données ouvertes",
        "charter": "Bienveillance.",
        "member_cap": "10",
        "themes": ["donnees", "numerique", "donnees"],
    }
    assert client.post("/groupes/nouveau", data=data).status_code == 302
    group = db.session.scalar(select(Group))
    assert group is not None and group.themes == ["donnees", "numerique"]
    shown = _page(client.get(f"/groupes/{group.slug}"))
    assert "Thèmes : Données, Numérique" in shown


def test_group_edit_keeps_a_theme_that_left_the_vocabulary(
    client: Any, make_user: Any, make_group: Any
) -> None:
    facilitator = make_user(role="facilitator")
    group = make_group(facilitator, themes=["ancien-theme", "culture"])
    login(client, facilitator)
    path = f"/groupes/{group.slug}/modifier"
    page = _page(client.get(path))
    assert re.search(r'<option selected value="ancien-theme">ancien-theme</option>', page)
    data = form_of(client, path) | {
        "name": group.name,
        "charter": group.charter_md,
        "member_cap": "12",
        "themes": ["ancien-theme", "culture", "sante"],
        "listed": "y",
    }
    assert client.post(path, data=data).status_code == 302
    db.session.refresh(group)
    assert group.themes == ["ancien-theme", "culture", "sante"]


def test_one_member_cap_rule_for_field_service_and_hint(
    app: Any, client: Any, make_user: Any, make_group: Any
) -> None:
    facilitator = make_user(role="facilitator")
    login(client, facilitator)
    page = _page(client.get("/groupes/nouveau"))
    assert "Entre 2 et 30 membres (plafond fixé par l'instance)" in page
    assert 'max="30"' in _tag(page, "member_cap") and 'min="2"' in _tag(page, "member_cap")
    base = {"name": "Groupe valide", "charter": "Règles"}
    for cap in ("1", "31", "100"):
        refused = _page(client.post("/groupes/nouveau", data=base | {"member_cap": cap}))
        assert "La taille maximale du groupe doit être comprise entre 2 et 30 membres." in refused
    app.config["GROUP_MAX_CAP"] = 40  # the instance's setting moves every bound
    page = _page(client.get("/groupes/nouveau"))
    assert "Entre 2 et 40 membres" in page and 'max="40"' in _tag(page, "member_cap")
    assert client.post("/groupes/nouveau", data=base | {"member_cap": "35"}).status_code == 302
    assert db.session.scalar(select(Group.member_cap)) == 35


def test_a_refusal_of_the_whole_form_is_shown_once(
    client: Any, make_user: Any, make_group: Any
) -> None:
    facilitator = make_user(role="facilitator")
    group = make_group(facilitator, members=(make_user(), make_user(), make_user()))
    login(client, facilitator)
    path = f"/groupes/{group.slug}/modifier"
    data = form_of(client, path) | {
        "name": group.name,
        "charter": group.charter_md,
        "member_cap": "2",
        "listed": "y",
    }
    page = _page(client.post(path, data=data))
    assert page.count("Le groupe compte déjà 3 membres") == 1
    assert page.count('id="erreurs"') == 1
