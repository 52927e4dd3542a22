"""A group session in a real browser, from the topics to the commons: members propose and
support topics, the facilitator schedules a session with three of them, members answer and
receive the .ics, the facilitator records attendance, two members write the minutes at the same
time (merged), the facilitator drafts a synthesis and the consent workflow publishes it, every
attendee consenting. Then axe-core on the session pages."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

FACILITATOR = "animatrice@demo.commons.fr"  # Nadia Benali
JULIEN = "agent@demo.commons.fr"
MARC = "dgs@demo.commons.fr"
OTHER = "agente.donnees@demo.commons.fr"  # not a member of participation-citoyenne
GROUP = "/groupes/participation-citoyenne"
VIDEO = "https://visio.exemple.fr/atelier-participation-7391"
TOPICS = ("Évaluer un budget participatif", "Toucher les jeunes", "Associer les habitants au bilan")


def _held(server, session_id: int) -> None:  # type: ignore[no-untyped-def]
    """Move the session three hours into the past, as time would."""
    with sqlite3.connect(server.instance / "commons.db") as conn:
        (stored,) = conn.execute(
            "SELECT starts_at FROM group_session WHERE id = ?", (session_id,)
        ).fetchone()
        past = datetime.now(UTC) - timedelta(hours=3)
        value = past.strftime("%Y-%m-%d %H:%M:%S.%f")
        if "+" in stored[10:]:
            value += "+00:00"
        conn.execute("UPDATE group_session SET starts_at = ? WHERE id = ?", (value, session_id))


def _axe_clean(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v.get("impact") in {"serious", "critical"}]
    assert not blocking, f"{page.url} : {blocking}"


def test_session_from_topics_to_commons(  # type: ignore[no-untyped-def]
    new_page: Callable[[], Page], login: Callable[..., None], mailbox, server
) -> None:
    julien, marc, nadia, other = new_page(), new_page(), new_page(), new_page()
    for page, email in ((julien, JULIEN), (marc, MARC), (nadia, FACILITATOR), (other, OTHER)):
        login(page, email)

    # Members propose and support topics.
    julien.goto(f"{GROUP}/sujets")
    for title in TOPICS:
        julien.locator("#sujet-titre").fill(title)
        julien.get_by_role("button", name="Proposer", exact=True).click()
        expect(julien.locator(".flash-success")).to_be_visible()
    marc.goto(f"{GROUP}/sujets")
    marc.locator("li", has_text=TOPICS[1]).first.get_by_role("button", name="Soutenir").click()

    # The facilitator schedules a session, with a DST-gap mistake first.
    nadia.goto(f"{GROUP}/seances/nouvelle")
    nadia.locator("#title").fill("Atelier de juin")
    nadia.locator("#day").fill("2099-03-29")
    nadia.locator("#start").fill("02:30")
    nadia.locator("#end").fill("04:00")
    nadia.locator("#video_url").fill(VIDEO)
    nadia.get_by_role("button", name="Prévoir").click()
    expect(nadia.locator(".error-summary")).to_contain_text("n'existe pas à Paris")
    nadia.locator("#day").fill("2099-06-04")
    nadia.locator("#start").fill("14:00")
    nadia.locator("#end").fill("16:30")
    before = mailbox.count()
    nadia.get_by_role("button", name="Prévoir").click()
    expect(nadia.get_by_role("heading", level=1)).to_have_text("Atelier de juin")
    session_url = nadia.url
    session_id = int(session_url.rstrip("/").rsplit("/", 1)[-1])
    for title in TOPICS:
        option = nadia.locator(
            "#topic option", has_text=re.compile("^" + re.escape(title) + " \\(")
        )
        value = option.get_attribute("value")
        nadia.locator("#topic").select_option(value)
        nadia.get_by_role("button", name="Ajouter à l'ordre du jour").click()
        expect(nadia.locator(".flash-success")).to_be_visible()
    expect(nadia.locator("#ordre-du-jour + ol > li")).to_have_count(3)

    # Members are invited by e-mail with an .ics (without the video link); they answer.
    invitation = mailbox.newest(JULIEN, after=before)
    ics = [p for p in invitation.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics and "BEGIN:VEVENT" in ics[0].get_content()
    assert VIDEO not in ics[0].get_content()
    julien.goto(session_url)
    expect(julien.get_by_role("link", name=VIDEO)).to_be_visible()
    julien.get_by_role("button", name="Je viens", exact=True).click()
    expect(julien.locator(".flash-success")).to_contain_text("Je viens")
    marc.goto(session_url)
    marc.get_by_role("button", name="Peut-être").click()
    expect(marc.locator(".flash-success")).to_contain_text("Peut-être")
    # Someone from another group gets nothing.
    assert other.goto(session_url).status == 403
    assert VIDEO not in other.content()

    # After the session: attendance.
    _held(server, session_id)
    nadia.goto(session_url)
    nadia.get_by_label(re.compile("Julien Morel")).check()
    nadia.get_by_label(re.compile("Marc Lefèvre")).check()
    nadia.get_by_role("button", name="Enregistrer les présences").click()
    expect(nadia.locator(".flash-success")).to_contain_text("2 personnes")

    # Two members write the minutes at the same time: both edits are kept.
    minutes = f"{session_url}/compte-rendu"
    julien.goto(f"{minutes}/modifier")
    marc.goto(f"{minutes}/modifier")
    prefilled = julien.locator("#body").input_value()
    assert f"### 1. {TOPICS[0]}" in prefilled
    julien.locator("#body").fill(
        prefilled.replace(f"### 1. {TOPICS[0]}\n", f"### 1. {TOPICS[0]}\n\nUn bilan à trois ans.\n")
    )
    marc.locator("#body").fill(
        prefilled.replace("## Décisions\n", "## Décisions\n\nOn mutualise le questionnaire.\n")
    )
    julien.get_by_role("button", name="Enregistrer").click()
    expect(julien.locator(".flash-success")).to_contain_text("Compte rendu enregistré")
    marc.get_by_role("button", name="Enregistrer").click()
    expect(marc.locator(".flash-success")).to_contain_text("fusionné")
    expect(marc.locator(".prose")).to_contain_text("Un bilan à trois ans.")
    expect(marc.locator(".prose")).to_contain_text("On mutualise le questionnaire.")

    # From the minutes to the commons.
    nadia.goto(minutes)
    nadia.get_by_role("button", name="Créer le brouillon de synthèse").click()
    expect(nadia.locator(".flash-success")).to_contain_text("brouillon de synthèse")
    nadia.get_by_role("link", name="Proposer la publication").click()
    nadia.locator("#licence").select_option("CC-BY-4.0")
    nadia.get_by_label("Règle de Chatham House (sans noms)").check()
    nadia.get_by_role("button", name="Proposer la publication").click()
    expect(nadia.get_by_role("heading", level=1)).to_contain_text("dans les communs")
    proposal = nadia.url
    for page in (julien, marc, nadia):  # every attendee, and the author, is asked
        page.goto(proposal)
        page.get_by_role("button", name="Je donne mon accord").click()
        expect(page.locator(".flash-success")).to_contain_text("Votre accord est enregistré")
    nadia.goto(proposal)
    for label in ("aucune donnée personnelle", "aucune information confidentielle", "aucun tiers"):
        nadia.get_by_label(re.compile(label)).check()
    nadia.get_by_role("button", name="Attester et publier").click()
    expect(nadia.locator(".flash-success")).to_contain_text("publié dans les communs")

    # The group's space shows the last minutes; pages pass axe-core.
    julien.goto(f"{GROUP}/espace")
    expect(julien.get_by_role("link", name="Atelier de juin", exact=True)).to_be_visible()
    for path in (session_url, minutes, f"{minutes}/modifier", f"{GROUP}/seances/", "/seances/"):
        nadia.goto(path)
        _axe_clean(nadia)
