"""Accessibility of the templates (RGAA 4.1), checked on the HTML the app serves: form errors
(summary, inline, title), labels, unique ids on the moderation member page, confirmation of
irreversible actions, nested licence headings, site map, and the statement computed from the
audit grid in docs/accessibilite/. The browser checks (axe, Nu HTML Checker, reflow, focus) are
in tests/e2e/test_accessibility.py."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from commons import a11y, create_app, dates, db
from commons.forum import services as forum
from commons.forum.models import Post
from commons.models import Base
from commons.wiki import services as wiki
from tests.conftest import base_config, login
from tests.moderation_world import World, world_fixture  # noqa: F401


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def ids(page: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', page)


def title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match
    return match.group(1)


def test_error_title_prefix_and_login_error_once(client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    assert not title(html(client.get("/connexion"))).startswith("Erreur")
    page = html(client.post("/connexion", data={"email": user.email, "password": "faux"}))
    assert title(page).startswith("Erreur : Se connecter")
    assert page.count("Adresse électronique ou mot de passe incorrect.") == 1
    assert 'href="#"' not in page and "> : " not in page
    assert 'class="error-summary" role="alert" tabindex="-1" id="erreurs"' in page
    assert '<script src="/static/commons.js' in page  # moves the focus to #erreurs


def test_error_summary_links_to_existing_ids(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client.post("/inscription", data={"email": "pas-une-adresse"}))
    assert title(page).startswith("Erreur : ")
    targets = re.findall(r'<li><a href="#([^"]+)">', page)
    assert targets and all(f'id="{t}"' in page for t in targets)
    assert 'aria-invalid="true"' in page


def test_required_inside_label(client) -> None:  # type: ignore[no-untyped-def]
    page = html(client.get("/inscription"))
    labels = re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)
    assert any("(obligatoire)" in label for label in labels)
    assert not re.search(r"</label>\s*<span class=\"required\">", page)


def test_report_radios_marked_invalid(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.a.reporter)
    page = html(client.post(f"/animation/signaler/post/{world.a.post.id}", data={}))
    assert title(page).startswith("Erreur : ")
    target = re.search(r'<li><a href="#([^"]+)">Choisissez un motif', page)
    assert target and f'id="{target.group(1)}"' in page and target.group(1) == "reason-1"
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', page)
    assert radios and all('aria-invalid="true"' in r for r in radios)
    assert all('aria-describedby="reason-erreur"' in r for r in radios)


def test_member_page_forms_have_unique_ids(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.a.creator)
    page = html(client.get(f"/animation/membres/{world.a.author.handle}"))
    found = ids(page)
    duplicates = [i for i, n in Counter(found).items() if n > 1]
    assert not duplicates, duplicates
    for control in ("note-scope", "note-body", "avertir-scope", "avertir-reason"):
        assert page.count(f'for="{control}"') == 1 and f'id="{control}"' in page
    assert 'for="suspendre-reason"' in page or 'for="lever-reason"' in page
    # The field names did not change: a warning posted as before still works.
    response = client.post(
        f"/animation/membres/{world.a.author.handle}/avertir",
        data={"scope": str(world.a.group.id), "reason": "Ton à revoir"},
    )
    assert response.status_code == 302
    assert "enregistré" in html(client.get(response.headers["Location"]))


def test_delete_buttons_are_distinct_and_confirmed(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.a.author)
    second = forum.reply(world.a.author, world.a.thread, "Encore un mot")
    db.session.commit()
    page = html(client.get(f"/forum/sujet/{world.a.thread.id}"))
    assert 'Supprimer<span class="visually-hidden"> votre message n°2</span>' in page
    assert f"votre message n°{second.number}</span>" in page
    # The link leads to a confirmation page; nothing is deleted until « Confirmer ».
    confirm = client.get(f"/forum/message/{second.id}/supprimer")
    assert confirm.status_code == 200
    text = html(confirm)
    assert f"Supprimer votre message n°{second.number} ?" in title(text)
    assert "Confirmer la suppression" in text and "Annuler" in text
    assert db.session.get(Post, second.id).deleted_at is None
    client.post(f"/forum/message/{second.id}/supprimer")
    assert db.session.get(Post, second.id).deleted_at is not None
    # Somebody else's message: no confirmation page either.
    client.post("/deconnexion")
    login(client, world.a.reporter)
    assert client.get(f"/forum/message/{world.a.post.id}/supprimer").status_code == 403


def test_leaving_a_group_asks_first(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.a.reporter)
    group = world.a.group
    assert f'href="/groupes/{group.slug}/quitter"' in html(client.get(f"/groupes/{group.slug}"))
    page = html(client.get(f"/groupes/{group.slug}/quitter"))
    assert "Quitter le groupe" in title(page) and "Annuler" in page
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 200  # still a member
    assert client.post(f"/groupes/{group.slug}/quitter").status_code == 302
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 403


def test_licence_headings_nested_and_lang(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = wiki.create_rex(author, title="Un REX à licencier", body="Texte.", space="network")
    db.session.commit()
    login(client, author)
    page = html(client.get(f"/rex/{rex.slug}/licence"))
    after = page[page.index('id="les-licences"') :]
    assert "<h2" not in after.split("</h2>", 1)[1]  # nothing at the level of « Les licences »
    assert re.search(r'<h3 id="licence-etalab-2.0">.*<span lang="en">Open Licence</span>', page)
    assert re.search(r'<h4 id="licence-etalab-2\.0-[^"]+"', page)
    assert not [i for i, n in Counter(ids(page)).items() if n > 1]


def test_missing_rex_link_differs_by_more_than_colour(app) -> None:  # type: ignore[no-untyped-def]
    text = (Path(app.static_folder or "") / "commons.css").read_text(encoding="utf-8")
    rules = re.findall(r"\.wikilink-missing(::after)?\s*\{([^}]*)\}", text)
    joined = " ".join(body for _, body in rules)
    assert "dashed" in joined and "(à créer)" in joined


def test_flash_messages_have_status_roles(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    page = html(client.post("/deconnexion", follow_redirects=True))
    assert 'class="flash flash-success" role="status"' in page


def test_isodatetime_has_no_microseconds() -> None:
    from datetime import UTC, date, datetime

    assert dates.machine(datetime(2026, 12, 3, 9, 5, 7, 123456)) == "2026-12-03T09:05:07Z"
    stamp = datetime(2026, 12, 3, 9, 5, 7, 9, tzinfo=UTC)
    assert dates.machine(stamp) == "2026-12-03T09:05:07Z"
    assert dates.machine(date(2026, 12, 3)) == "2026-12-03"


def test_site_map_and_menu_order(client) -> None:  # type: ignore[no-untyped-def]
    home = html(client.get("/"))
    assert 'href="/plan-du-site">Plan du site</a>' in home
    nav = home[home.index('aria-label="Navigation principale"') :]
    assert nav.index(">Accueil<") < nav.index(">Recherche<")
    page = html(client.get("/plan-du-site"))
    assert title(page).startswith("Plan du site")
    for path in ("/rex/", "/communs/", "/groupes/", "/forum/", "/recherche", "/accessibilite"):
        assert f'href="{path}"' in page, path


def test_menu_marks_only_the_current_section(client) -> None:  # type: ignore[no-untyped-def]
    """« Accueil » is the current page on the home page only, not on the other pages of its
    blueprint (site map, statement); found while reviewing the screen-reader journeys."""
    assert '<a href="/" aria-current="page">Accueil</a>' in html(client.get("/"))
    for path in ("/plan-du-site", "/accessibilite"):
        page = html(client.get(path))
        assert '<a href="/">Accueil</a>' in page and 'href="/" aria-current' not in page, path
    assert 'href="/rex/" aria-current="page"' in html(client.get("/rex/"))


def test_grid_has_the_106_criteria_and_the_statement_matches(client) -> None:  # type: ignore[no-untyped-def]
    rows = a11y.read_grid()
    assert len(rows) == 106 and len({r["critere"] for r in rows}) == 106
    themes = Counter(r["critere"].split(".")[0] for r in rows)
    expected = {1: 9, 2: 2, 3: 3, 4: 13, 5: 8, 6: 2, 7: 5, 8: 10, 9: 4, 10: 14, 11: 13, 12: 11}
    assert {int(k): v for k, v in themes.items()} == expected | {13: 12}
    assert {r["statut"] for r in rows} <= {"C", "NC", "NA"}
    assert all(r["preuve"].strip() for r in rows)
    result = a11y.conformity()
    met = sum(r["statut"] == "C" for r in rows)
    failed = sum(r["statut"] == "NC" for r in rows)
    assert (result.met, result.not_met) == (met, failed)
    rate = round(100 * met / (met + failed), 1)
    status = (
        "totalement conforme"
        if failed == 0
        else ("partiellement conforme" if rate >= 50 else "non conforme")
    )
    page = html(client.get("/accessibilite"))
    assert f"est {status}</strong>" in page and f"Accessibilité : {status}" in page
    assert f"{rate:.1f}".replace(".", ",") + " %" in page
    for row in rows:
        if row["statut"] == "NC":
            assert f"Critère {row['critere']}</strong>" in page
    assert "[adresse" not in page and "Voies de recours" in page and "Plan d'action" in page
    assert "Orca" in page and "Nu HTML Checker" in page


def test_statement_contact_comes_from_the_settings(client, tmp_path, backend) -> None:  # type: ignore[no-untyped-def]
    assert "COMMONS_ACCESSIBILITY_CONTACT" in html(client.get("/accessibilite"))
    (tmp_path / "autre").mkdir()
    settings = base_config(tmp_path / "autre", backend) | {
        "ACCESSIBILITY_CONTACT": "accessibilite@exemple.fr",
        "ACCESSIBILITY_ORGANISATION": "La Ville d'Exemple",
        "ACCESSIBILITY_POSTAL_ADDRESS": "1 place de la Mairie, 00000 Exemple",
    }
    other = create_app(settings)
    if backend == "sqlite":
        Base.metadata.create_all(other.extensions["commons.engine"])
    page = html(other.test_client().get("/accessibilite"))
    assert 'href="mailto:accessibilite@exemple.fr"' in page
    assert "La Ville d&#39;Exemple s'engage" in page and "1 place de la Mairie" in page
    assert "COMMONS_ACCESSIBILITY_CONTACT" not in page
    other.extensions["commons.engine"].dispose()


def test_grid_file_is_plain_csv() -> None:
    with a11y.GRID.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["critere", "thematique", "titre", "statut", "preuve", "test"]


def test_grid_names_tests_that_exist() -> None:
    """Every test the grid cites as evidence exists (file and function)."""
    root = Path(__file__).resolve().parents[1]
    cited = 0
    for row in a11y.read_grid():
        for reference in filter(None, (part.strip() for part in row["test"].split(";"))):
            path, _, name = reference.partition("::")
            source = (root / path.split(" ")[0]).read_text(encoding="utf-8")
            name = name.split(" ")[0]
            assert not name or f"def {name}(" in source, (row["critere"], reference)
            cited += 1
    assert cited >= 30


def test_screen_reader_transcripts_back_the_grid() -> None:
    """Criterion 7.1 is met on the evidence of the Orca run (``make a11y-sr``): one transcript
    per journey, every expected utterance heard, no control without a name."""
    from tests.a11y.journeys import JOURNEYS

    folder = a11y.GRID.parent / "lecteur-ecran"
    passed = True
    for name in JOURNEYS:
        text = (folder / f"{name}.txt").read_text(encoding="utf-8")
        assert "Orca 43" in text and "Date : " in text, name
        passed &= "Résultat : toutes les attentes entendues" in text and " : NON" not in text
    statuses = {row["critere"]: row["statut"] for row in a11y.read_grid()}
    assert statuses["7.1"] == ("C" if passed else "NC")
