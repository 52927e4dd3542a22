"""The REX editor (issue 18): the title first and the fields in a writer's order, the template's
guidance as hints that are never saved, the searchable pickers' markup over the plain
``<select multiple>``, and the live preview endpoint (sign-in, CSRF, size limit, throttle, and
nothing read from any REX)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from commons import db
from commons.wiki import services, template
from commons.wiki.models import Rex

from .conftest import PASSWORD, login

OLD_TEMPLATE = template.PATH.read_text(encoding="utf-8").split("-->", 1)[1].lstrip()
NEW_ORDER = [
    "title",
    "body",
    "summary",
    "collectivites",
    "themes",
    "status",
    "period",
    "budget",
    "team_size",
    "space",
    "licence",
    "comment",
]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "PREVIEWS_PER_MINUTE": 4}


def _field_ids(page: str) -> list[str]:
    """The ids of the form's controls, in document order."""
    found = re.findall(r'<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"', page)
    return [i for i in found if i in NEW_ORDER]


def _form(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Compostage partagé à Lorient",
        "body": "## Contexte\n\nUne commune littorale.\n",
        "space": "network",
        "licence": "etalab-2.0",
        "status": "termine",
        "comment": "Création",
        **changes,
    }


# --- Field order ---------------------------------------------------------------------------


def test_the_new_rex_form_starts_with_the_title_then_the_text(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    page = client.get("/rex/nouveau").get_data(as_text=True)
    assert _field_ids(page) == NEW_ORDER
    legends = re.findall(r"<legend>([^<]+)</legend>", page)
    assert legends == ["Votre texte", "Fichiers joints", "Le projet", "Partage"]


def test_the_edit_form_starts_with_the_title_then_the_text(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = services.create_rex(author, title="REX à modifier", body="Texte.", space="network")
    db.session.commit()
    login(client, author)
    page = client.get(f"/rex/{rex.slug}/modifier").get_data(as_text=True)
    expected = [n for n in NEW_ORDER if n not in ("space", "licence")]
    assert _field_ids(page) == expected
    assert "<legend>Description du projet</legend>" in page


# --- Guidance ------------------------------------------------------------------------------


def test_a_new_rex_is_prefilled_with_the_headings_only(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    page = client.get("/rex/nouveau").get_data(as_text=True)
    textarea = page.split('id="body"', 1)[1].split("</textarea>", 1)[0]
    assert "## Contexte" in textarea and "## Ressources et contacts" in textarea
    for section in template.sections():
        assert section.guidance
        assert section.guidance.replace("'", "&#39;") not in textarea
        assert section.guidance.replace("'", "&#39;") in page  # in the guidance panel
    assert "Que raconter dans chaque section ?" in page


def test_guidance_left_unchanged_is_not_saved_on_creation(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    body = OLD_TEMPLATE.replace(
        "Ce que vous cherchiez à obtenir, et pour qui.",
        "Ce que vous cherchiez à obtenir, et pour qui. Réduire les déchets verts de 30 %.",
    ).replace(
        "Les étapes, les moyens (équipe, budget, prestataires), le calendrier, les partenaires.",
        "Un appel à volontaires, puis\n\nLes étapes, les moyens (équipe, budget, prestataires), "
        "le calendrier, les partenaires.",
    )
    response = client.post("/rex/nouveau", data=_form(body=body))
    assert response.status_code == 302
    rex = db.session.scalars(select(Rex)).one()
    source = services.revision(rex, rex.head).source
    assert "Quelle collectivité" not in source and "Les étapes, les moyens" not in source
    assert "Les réussites, même modestes" not in source and "Documents, liens" not in source
    # Changed guidance is the writer's text: kept, with its section.
    assert "## Objectifs\n\nCe que vous cherchiez à obtenir, et pour qui. Réduire" in source
    assert "## Démarche\n\nUn appel à volontaires, puis\n" in source
    # The template's headings of empty sections are dropped; nothing else.
    assert "## Contexte" not in source and "## Ressources et contacts" not in source
    assert source.startswith("## Objectifs")
    assert "Quelle collectivité" not in rex.html and "Contexte" not in rex.html


def test_guidance_left_in_an_old_rex_is_removed_at_its_next_edit(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    old = OLD_TEMPLATE.replace(
        "Quelle collectivité, quel territoire, quel point de départ ? Qui portait le projet ?",
        "Une commune de 4 000 habitants.",
    )
    rex = services.create_rex(author, title="Un ancien REX", body=old, space="network")
    db.session.commit()
    assert "Ce que vous cherchiez à obtenir" in services.revision(rex, rex.head).source
    login(client, author)
    data = {"title": rex.title, "body": old, "base": str(rex.head), "comment": "relu"}
    assert client.post(f"/rex/{rex.slug}/modifier", data=data).status_code == 302
    db.session.expire_all()
    source = services.revision(rex, rex.head).source
    assert source == "## Contexte\n\nUne commune de 4 000 habitants.\n"


def test_without_guidance_keeps_everything_the_writer_typed() -> None:
    written = (
        "Introduction libre.\n\n## Contexte\n\n### Le territoire\n\nVallée.\n\n"
        "## Objectifs\n\n```\nligne\n\n\n\nautre\n```\n\n## Une section à moi\n\n"
    )
    assert template.without_guidance(written) == written  # no guidance, no empty template section
    assert template.without_guidance(template.body()) == ""
    assert template.without_guidance(None) is None
    spaced = "## Objectifs\n\n  Ce que vous cherchiez   à obtenir,\net pour qui.  \n\nFin.\n"
    assert template.without_guidance(spaced) == "## Objectifs\n\nFin.\n"


def test_a_preview_of_the_template_shows_no_guidance(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    page = client.post("/rex/nouveau", data=_form(body=OLD_TEMPLATE, apercu="1"))
    preview = page.get_data(as_text=True).split('id="apercu-contenu"', 1)[1]
    assert "Quelle collectivité" not in preview.split("</section>", 1)[0]


# --- Pickers (markup: the browser journey covers the script) ---------------------------------


def test_the_multi_selects_carry_the_picker_and_a_no_script_hint(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    page = client.get("/rex/nouveau").get_data(as_text=True)
    for name in ("collectivites", "themes"):
        tag = re.search(rf'<select[^>]*id="{name}"[^>]*>', page)
        assert tag and "multiple" in tag.group(0) and "data-picker" in tag.group(0)
        assert f'aria-describedby="{name}-aide"' in tag.group(0)
        assert "Ctrl" not in tag.group(0)  # the script's hint is not about Ctrl
    assert page.count("Maintenez Ctrl (ou Cmd sur Mac)") == 2  # without the script
    assert "picker.js" in page and "editor.js" in page


# --- The live preview endpoint --------------------------------------------------------------


def test_the_preview_endpoint_renders_the_text_as_a_saved_rex(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    response = client.post(
        "/rex/apercu",
        data={"body": "## Bilan\n\n**Gras** <script>alert(1)</script> [x](javascript:y)"},
    )
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert '<h2 id="bilan">Bilan</h2>' in html and "<strong>Gras</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert response.get_json()["message"] is None


def test_the_preview_endpoint_needs_a_signed_in_person(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/rex/apercu", data={"body": "**texte**"})
    assert response.status_code in (302, 401)
    assert "<strong>" not in response.get_data(as_text=True)


def test_the_preview_endpoint_refuses_too_large_a_text_in_french(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    response = client.post("/rex/apercu", data={"body": "mot " * 60_000})
    assert response.status_code == 413
    answer = response.get_json()
    assert answer["html"] is None
    assert answer["message"].startswith("Le texte dépasse la taille maximale (200 Ko)")
    assert "ci-dessous" not in answer["message"]


def test_the_preview_endpoint_is_throttled_with_the_editor_button(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    for _ in range(3):
        assert client.post("/rex/apercu", data={"body": "un"}).status_code == 200
    assert client.post("/rex/nouveau", data=_form(apercu="1")).status_code == 200  # the 4th
    refused = client.post("/rex/apercu", data={"body": "**cinquième**"})
    assert refused.status_code == 429
    assert refused.get_json()["html"] is None
    assert "beaucoup d'aperçus" in refused.get_json()["message"]
    assert client.post("/rex/nouveau", data=_form(apercu="1")).status_code == 429


def test_the_preview_endpoint_reads_no_rex(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    """An outsider who names a group REX gets back their own words, nothing of the REX: no
    link, no slug, no sign that it exists (a wikilink stays plain text)."""
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    secret = services.create_rex(
        member,
        title="Bilan secret Canari",
        body="Contenu confidentiel du groupe.",
        space="group",
        group_id=group.id,
    )
    public = services.create_rex(member, title="Page publique", body="Ouvert.", space="public")
    db.session.commit()
    login(client, outsider)
    text = f"Voir [[Bilan secret Canari]], [[{secret.slug}]] et [[Page publique]]."
    answer = client.post("/rex/apercu", data={"body": text}).get_json()
    assert answer["html"] == (f"<p>Voir Bilan secret Canari, {secret.slug} et Page publique.</p>")
    assert "/rex/" not in answer["html"] and public.slug not in answer["html"].replace(
        "Page publique", ""
    )
    assert "confidentiel" not in answer["html"]


def test_the_preview_endpoint_only_answers_posts(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    assert client.get("/rex/apercu").status_code == 404  # a REX that does not exist


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config: dict[str, Any]) -> dict[str, Any]:
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_the_preview_endpoint_checks_the_csrf_token(self, client, make_user) -> None:  # type: ignore[no-untyped-def]
        user = make_user()
        page = client.get("/connexion").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token
        client.post(
            "/connexion",
            data={"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        editor = client.get("/rex/nouveau").get_data(as_text=True)
        assert 'data-preview="/rex/apercu"' in editor
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', editor)
        assert token
        forged = client.post("/rex/apercu", data={"body": "**forgé**"})
        assert forged.status_code == 400 and "<strong>forgé" not in forged.get_data(as_text=True)
        sent = client.post("/rex/apercu", data={"body": "**vrai**", "csrf_token": token.group(1)})
        assert sent.status_code == 200 and "<strong>vrai</strong>" in sent.get_json()["html"]
