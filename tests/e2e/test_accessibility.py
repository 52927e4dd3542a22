"""Accessibility of every page type and state of the RGAA sample (docs/accessibilite/).

On each state (anonymous and logged in, error and confirmation states included), one page load
checks: axe-core (a violation of impact "serious" or "critical" fails; moderate and minor ones are
printed), unique ids, exactly one accessible name source for every form control, no horizontal
scrolling at 320 CSS pixels (RGAA 10.11), and for error states the focus on the error summary and
« Erreur : » in the title (RGAA 11.10). The HTML of every state is saved and checked at the end by
the Nu HTML Checker (``vnu.jar``, installed by ``make e2e`` from the npm registry) in a single run:
zero errors (RGAA 8.2).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

AXE = Axe()
FAILING_IMPACTS = {"serious", "critical"}
ROOT = Path(__file__).resolve().parents[2]
VNU = Path(
    os.environ.get("COMMONS_E2E_VNU", ROOT / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar")
)
#: HTML of every audited state (file name -> text), checked by the Nu HTML Checker at the end.
SAVED: dict[str, str] = {}

ADMIN = "admin@demo.commons.fr"
FACILITATOR = "animatrice@demo.commons.fr"
MEMBER = "agent@demo.commons.fr"  # member of participation-citoyenne only
OTHER = "agente.donnees@demo.commons.fr"  # member of donnees-open-data only
REX = "angers-budget-participatif"  # one of the public REX shipped in content/rex
#: A demo REX of the participation group: group REX slugs end with a random suffix (no oracle
#: for private titles), so the page is found by its title when the case runs.
GROUP_REX = "{group_rex}"
GROUP_REX_TITLE = "Restituer une concertation : ce que nous avons appris"
PUBLIC_COPY = "ouvrir-les-donnees-de-la-restauration-scolaire"  # demo, published by consent
GROUP = "/groupes/participation-citoyenne"
#: The session the « seance-nouvelle » case schedules (found by its title when a case runs).
SESSION = "{session}"
SESSION_TITLE = "Atelier de restitution des concertations citoyennes"


def _fill(**fields: str) -> Callable[[Page], None]:
    """Fill the given fields (by id) and submit the main form."""

    def act(page: Page) -> None:
        form = page.locator("main form.stacked")
        for name, value in fields.items():
            page.locator(f"#{name}").fill(value)
        form.locator("button[type=submit]").last.click()
        expect(page.get_by_role("alert")).to_be_visible()

    return act


CONFLICT_REX = "accropolis-politique-accessible-aux-jeunes"  # public, edited only here


def _edit_conflict(page: Page) -> None:
    """Someone else saves the REX while this page holds the form: a conflict on submission."""
    other = page.context.new_page()
    other.goto(f"/rex/{CONFLICT_REX}/modifier")
    body = other.locator("#body")
    body.fill(body.input_value() + "\n\nAjout enregistré entre-temps.")
    other.get_by_role("button", name="Enregistrer").click()
    expect(other.get_by_role("heading", level=1)).to_be_visible()
    other.close()
    mine = page.locator("#body")
    mine.fill(mine.input_value() + "\n\nMon propre ajout, différent.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Conflit de modification")).to_be_visible()


def _schedule_session(page: Page) -> None:
    """The facilitator schedules a session (a long unbroken video link included)."""
    page.locator("#title").fill(SESSION_TITLE)
    page.locator("#day").fill("2099-06-04")
    page.locator("#start").fill("14:00")
    page.locator("#end").fill("16:30")
    page.locator("#video_url").fill(
        "https://visio.exemple.fr/atelier-participation-citoyenne-restitution-7391-8842-1177"
    )
    page.get_by_role("button", name="Prévoir").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SESSION_TITLE)


def _write_with_live_preview(page: Page) -> None:
    """The editor in use: a collectivité picked through the search box, the live preview shown."""
    page.locator("#collectivites-filtre").fill("gueret")
    page.locator("#collectivites-filtre").press("Enter")
    page.locator("#body").fill("## Contexte\n\n**Une commune rurale**.\n")
    expect(page.locator("#apercu-contenu strong")).to_have_text("Une commune rurale")


def _compose_conflict(page: Page) -> None:
    """The conflict page, then « Garder les deux versions partout »: the composed text to check."""
    _edit_conflict(page)
    page.get_by_role("button", name="Garder les deux versions partout").click()
    expect(
        page.get_by_role("heading", name="Texte composé : relisez-le, puis enregistrez")
    ).to_be_visible()


def _submit_join_without_charter(page: Page) -> None:
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("alert")).to_be_visible()


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    user: str | None = None
    status: int = 200
    #: Something done on the page before the audit (e.g. submit a form with errors).
    act: Callable[[Page], None] | None = None
    #: Text that must be on the page, to be sure the intended state is audited.
    shows: tuple[str, ...] = field(default_factory=tuple)
    #: A failed submission: focus on the error summary, « Erreur : » in the title.
    error: bool = False


CASES = [
    Case("accueil", "/"),
    Case("inscription", "/inscription", shows=("Créer un compte",)),
    Case("connexion", "/connexion", shows=("Se connecter",)),
    Case("mot-de-passe-oublie", "/mot-de-passe-oublie"),
    Case("securite-du-compte", "/compte/securite", user=MEMBER, shows=("Identités externes",)),
    Case("deux-etapes", "/compte/securite/deux-etapes", user=OTHER, shows=("Code QR à scanner",)),
    Case("mes-donnees", "/compte/mes-donnees", user=MEMBER, shows=("Supprimer mon compte",)),
    Case("groupes", "/groupes/", shows=("Participation citoyenne",)),
    Case("groupe-anonyme", "/groupes/participation-citoyenne", shows=("Connectez-vous",)),
    Case(
        "groupe-non-membre",
        "/groupes/participation-citoyenne",
        user=OTHER,
        shows=("Demander à rejoindre", "Envoyer ma demande"),
    ),
    Case(
        "groupe-membre",
        "/groupes/participation-citoyenne",
        user=MEMBER,
        shows=("Entrer dans l'espace du groupe",),
    ),
    Case(
        "espace-animation",
        "/groupes/participation-citoyenne/espace",
        user=FACILITATOR,
        shows=("Espace du groupe", "Sophie Garnier", "Accepter", "Refuser", "Inviter un agent"),
    ),
    Case(
        "espace-membre",
        "/groupes/participation-citoyenne/espace",
        user=MEMBER,
        shows=("Espace du groupe", "Annuaire du groupe"),
    ),
    Case("groupe-nouveau", "/groupes/nouveau", user=FACILITATOR),
    Case("groupe-modifier", "/groupes/participation-citoyenne/modifier", user=FACILITATOR),
    Case("profil", "/agents/julien-morel", user=MEMBER, shows=("Julien Morel",)),
    Case("profil-autre-agent", "/agents/nadia-benali", user=MEMBER, shows=("Nadia Benali",)),
    Case("profil-modifier", "/compte/profil", user=MEMBER),
    Case("mot-de-passe-changer", "/compte/mot-de-passe", user=MEMBER),
    Case("adresse-changer", "/compte/adresse", user=MEMBER, shows=("Adresse actuelle",)),
    Case("collectivites", "/collectivites/", shows=("Ville de Sceaux",)),
    Case("collectivite", "/collectivites/ville-de-sceaux-92", shows=("Ville de Sceaux",)),
    Case(
        "collectivite-connecte",
        "/collectivites/ville-de-sceaux-92",
        user=MEMBER,
        shows=("Julien Morel",),
    ),
    Case("collectivites-a-valider", "/collectivites/a-valider", user=ADMIN),
    Case(
        "collectivite-modifier",
        "/collectivites/ville-de-sceaux-92/modifier",
        user=ADMIN,
        shows=("Modifier « Ville de Sceaux »",),
    ),
    Case("charte", "/charte"),
    Case("aide", "/aide"),
    Case("mentions-legales", "/mentions-legales"),
    Case("accessibilite", "/accessibilite"),
    Case("erreur-404", "/cette-page-n-existe-pas", status=404, shows=("Page introuvable",)),
    Case(
        "erreur-403",
        "/groupes/donnees-open-data/espace",
        user=MEMBER,
        status=403,
        shows=("Accès refusé",),
    ),
    Case(
        "inscription-erreurs",
        "/inscription",
        act=_fill(email="pas-une-adresse", password="court", password_confirm="autre"),
        shows=("à corriger", "Ce champ est obligatoire."),
        error=True,
    ),
    Case(
        "connexion-erreur",
        "/connexion",
        act=_fill(email="personne@exemple.fr", password="mauvais mot de passe"),
        shows=("Connexion impossible",),
        error=True,
    ),
    Case(
        "mot-de-passe-oublie-erreur",
        "/mot-de-passe-oublie",
        act=_fill(email="pas-une-adresse"),
        shows=("Adresse électronique invalide",),
        error=True,
    ),
    Case(
        "mot-de-passe-changer-erreurs",
        "/compte/mot-de-passe",
        user=MEMBER,
        act=_fill(current="", password="court", password_confirm="différent"),
        shows=("à corriger",),
        error=True,
    ),
    Case(
        "adresse-changer-erreurs",
        "/compte/adresse",
        user=MEMBER,
        act=_fill(new_email="pas-une-adresse", password=""),
        shows=("à corriger", "Adresse électronique invalide"),
        error=True,
    ),
    Case(
        "groupe-rejoindre-erreur",
        "/groupes/participation-citoyenne",
        user=OTHER,
        act=lambda page: _submit_join_without_charter(page),
        shows=("Vous devez accepter",),
        error=True,
    ),
    # Retours d'expérience (the corpus shipped in content/rex is loaded by `content load`).
    Case("rex-liste", "/rex/", shows=("budget participatif",)),
    Case("rex-liste-filtree", "/rex/?theme=participation-citoyenne&tri=titre"),
    Case("rex-page", f"/rex/{REX}", shows=("Comment citer", "Ce qui n'a pas marché")),
    # Public commons: the list with its filters, and a public REX's citation block.
    Case("communs", "/communs/", shows=("Les communs", "Flux Atom")),
    Case("communs-filtre", "/communs/?theme=participation-citoyenne&tri=titre&q=budget"),
    Case("communs-vide", "/communs/?q=zzz-introuvable", shows=("Aucun retour d'expérience",)),
    Case("rex-public-citer", f"/rex/{REX}", shows=("Comment citer", "BibTeX", "CSL-JSON")),
    Case("rex-page-connecte", f"/rex/{REX}", user=MEMBER, shows=("Modifier",)),
    Case(
        "rex-page-plus-d-actions",
        f"/rex/{REX}",
        user=MEMBER,
        act=lambda page: _open_rex_menus(page),
        shows=("Changer la licence",),
    ),
    Case("rex-nouveau", "/rex/nouveau", user=MEMBER, shows=("Écrire un retour d'expérience",)),
    Case(
        "rex-apercu",
        "/rex/nouveau",
        user=MEMBER,
        act=lambda page: page.get_by_role("button", name="Prévisualiser").click(),
        shows=("Aperçu (non enregistré)",),
    ),
    Case(
        "rex-nouveau-erreurs",
        "/rex/nouveau",
        user=MEMBER,
        act=_fill(title=""),
        shows=("à corriger",),
        error=True,
    ),
    Case(
        "rex-nouveau-en-cours",
        "/rex/nouveau",
        user=MEMBER,
        act=_write_with_live_preview,
        shows=("Aperçu à jour.", "Votre sélection"),
    ),
    Case("rex-modifier", f"/rex/{REX}/modifier", user=MEMBER),
    Case("rex-historique", f"/rex/{REX}/historique", shows=("Version",)),
    Case("rex-version", f"/rex/{REX}/version/1"),
    Case("rex-diff", f"/rex/{REX}/diff?de=1&a=1"),
    Case("rex-licence", f"/rex/{REX}/licence", user=MEMBER, shows=("Licence Ouverte",)),
    Case("rex-deplacer", f"/rex/{REX}/deplacer", user=MEMBER),
    # Forum, agenda and notifications (demo threads: 1 in the Agora, 2 in the group).
    Case("forum", "/forum/", user=MEMBER, shows=("budget participatif",)),
    Case("forum-nouveau", "/forum/nouveau", user=MEMBER),
    Case("forum-nouveau-groupe", "/forum/nouveau?groupe=1", user=MEMBER),
    Case(
        "forum-nouveau-erreurs",
        "/forum/nouveau",
        user=MEMBER,
        act=lambda page: page.get_by_role("button", name="Publier la discussion").click(),
        shows=("à corriger",),
        error=True,
    ),
    Case("forum-sujet", "/forum/sujet/1", user=MEMBER, shows=("Répondre",)),
    Case("forum-sujet-groupe", "/forum/sujet/2", user=FACILITATOR, shows=("Épingler",)),
    Case("forum-discussion-rex", f"/forum/rex/{REX}", user=MEMBER),
    Case(
        "agenda-membre", "/groupes/participation-citoyenne/sujets", user=MEMBER, shows=("soutien",)
    ),
    Case("agenda-animation", "/groupes/participation-citoyenne/sujets", user=FACILITATOR),
    Case("notifications", "/notifications/", user="dgs@demo.commons.fr"),
    Case("recherche-vide", "/recherche", shows=("Saisissez quelques mots",)),
    Case("recherche", "/recherche?q=budget+participatif", user=MEMBER, shows=("résultat",)),
    Case("notifications-preferences", "/notifications/preferences", user=MEMBER),
    # Import of another instance's commons (admins).
    Case("communs-importer", "/communs/importer", user=ADMIN, shows=("Ce qui est vérifié",)),
    Case(
        "communs-importer-erreur",
        "/communs/importer",
        user=ADMIN,
        act=_fill(),
        shows=("Choisissez le fichier .zip",),
        error=True,
    ),
    # Publication by consent (demo: proposal 1 awaits consents, proposal 2 is published).
    Case(
        "publication-proposer",
        f"/publication/rex/{GROUP_REX}/proposer",
        user=MEMBER,
        shows=("Attribution", "Règle de Chatham House"),
    ),
    Case(
        "publication-proposition",
        "/publication/1",
        user=MEMBER,
        shows=("Aperçu exact de la page publique", "Je donne mon accord"),
    ),
    Case(
        "publication-proposition-animation",
        "/publication/1",
        user=FACILITATOR,
        shows=("Relecture et attestation", "Marc Lefèvre"),
    ),
    Case("publication-relecture", "/publication/1/relecture", user=FACILITATOR),
    Case("publication-registre", "/publication/2/registre", shows=("Empreintes",)),
    Case("publication-copie-publique", f"/rex/{PUBLIC_COPY}", shows=("Publié par consentement",)),
    Case("publication-mes-publications", "/publication/mes-publications", user=OTHER),
    Case(
        "publication-synthese",
        "/publication/groupe/participation-citoyenne/synthese",
        user=FACILITATOR,
        shows=("Discussions récentes du groupe",),
    ),
    # Moderation (demo: thread 2 is the group's discussion, its posts are 3 and 4).
    Case("moderation-signaler", "/animation/signaler/post/3", user=MEMBER, shows=("Motif",)),
    Case(
        "moderation-signaler-erreur",
        "/animation/signaler/post/3",
        user=MEMBER,
        act=lambda page: page.get_by_role("button", name="Envoyer le signalement").click(),
        shows=("à corriger",),
        error=True,
    ),
    Case("moderation-tableau", "/animation/", user=FACILITATOR, shows=("Vos groupes",)),
    Case(
        "moderation-tableau-groupe",
        "/groupes/participation-citoyenne/animation",
        user=FACILITATOR,
        shows=("Demandes d'adhésion", "Activité du groupe"),
    ),
    Case("moderation-signalements", "/animation/signalements", user=FACILITATOR),
    Case(
        "moderation-contenu",
        "/animation/contenu/thread/2",
        user=FACILITATOR,
        shows=("Verrouiller",),
    ),
    Case("moderation-modifier", "/animation/contenu/post/3/modifier", user=FACILITATOR),
    Case(
        "moderation-membre", "/animation/membres/julien-morel", user=FACILITATOR, shows=("Notes",)
    ),
    Case("moderation-journal", "/animation/journal", user=ADMIN, shows=("Journal d'audit",)),
    # Issue 19: edit conflict, site map, confirmation steps of irreversible actions.
    Case(
        "rex-conflit",
        f"/rex/{CONFLICT_REX}/modifier",
        user=MEMBER,
        act=_edit_conflict,
        shows=("Conflit de modification", "Votre texte est conservé ci-dessous", "Passage 1 sur 1"),
        error=True,
    ),
    Case(
        "rex-conflit-compose",
        f"/rex/{CONFLICT_REX}/modifier",
        user=MEMBER,
        act=_compose_conflict,
        shows=("Texte composé", "Rien n'est encore enregistré"),
    ),
    Case("plan-du-site", "/plan-du-site", shows=("Plan du site", "Déclaration d'accessibilité")),
    Case(
        "forum-supprimer-confirmation",
        "/forum/message/1/supprimer",
        user=MEMBER,
        shows=("Supprimer votre message n°1 ?", "Confirmer la suppression", "Annuler"),
    ),
    # Issue 18: every remaining page type, measured at 320 px like the others.
    Case(
        "dernieres-modifications",
        "/rex/dernieres-modifications",
        user=MEMBER,
        shows=("Dernières modifications", "Filtrer"),
    ),
    Case(
        "dernieres-modifications-filtrees",
        "/rex/dernieres-modifications?espace=public&theme=participation-citoyenne",
        shows=("Filtres actifs", "Retirer le filtre Espace"),
    ),
    Case(
        "moderation-journal-filtre",
        "/animation/journal?acteur=Nadia&du=2026-01-01",
        user=ADMIN,
        shows=("Filtres actifs", "Retirer le filtre Auteur·rice : Nadia"),
    ),
    Case("mes-suivis", "/notifications/suivis", user=MEMBER, shows=("Mes suivis",)),
    Case("administration", "/administration", user=ADMIN, shows=("Administration",)),
    Case("sessions-du-compte", "/compte/sessions/", user=MEMBER),
    Case("licences", "/licences/", shows=("Licence Ouverte",)),
    Case("licence", "/licences/CC-BY-SA-4.0"),
    Case(
        "rex-historique-groupe",
        f"/rex/{GROUP_REX}/historique",
        user=MEMBER,
        shows=("Version",),
    ),
    Case("rex-diff-groupe", f"/rex/{GROUP_REX}/diff?de=1&a=3", user=MEMBER),
    Case("rex-fichiers", f"/rex/{GROUP_REX}/fichiers", user=MEMBER, shows=("Joindre un fichier",)),
    Case("forum-message-fichiers", "/forum/message/3/fichiers", user=MEMBER),
    Case(
        "seance-nouvelle",
        f"{GROUP}/seances/nouvelle",
        user=FACILITATOR,
        act=_schedule_session,
        shows=(SESSION_TITLE, "visio.exemple.fr"),
    ),
    Case("seances-groupe", f"{GROUP}/seances/", user=MEMBER, shows=(SESSION_TITLE,)),
    Case("seance", SESSION, user=MEMBER, shows=(SESSION_TITLE, "Je viens")),
    Case("seance-compte-rendu", f"{SESSION}/compte-rendu", user=MEMBER),
    Case("mes-seances", "/seances/", user=MEMBER, shows=(SESSION_TITLE,)),
    Case(
        "groupe-quitter-confirmation",
        "/groupes/participation-citoyenne/quitter",
        user=MEMBER,
        shows=("Quitter le groupe « Participation citoyenne", "Annuler"),
    ),
]


def describe(violations: list[dict]) -> str:  # type: ignore[type-arg]
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            target = " > ".join(str(t) for t in node["target"])
            lines.append(f"    · {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


UNIQUE_IDS_AND_NAMES = """() => {
  const ids = {};
  for (const el of document.querySelectorAll('[id]')) { ids[el.id] = (ids[el.id] || 0) + 1; }
  const duplicates = Object.keys(ids).filter((id) => ids[id] > 1);
  const unnamed = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') { continue; }
    const sources = (el.labels ? el.labels.length : 0) + (el.hasAttribute('aria-label') ? 1 : 0)
      + (el.hasAttribute('aria-labelledby') ? 1 : 0);
    if (sources !== 1) { unnamed.push(`${el.outerHTML.slice(0, 120)} (${sources} noms)`); }
  }
  return {duplicates, unnamed};
}"""


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > 321 && !el.closest('.table-scroll'))
  .slice(-6)
  .map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)"""


#: Same link text for different destinations (RGAA 6.1 asks each link to be explicit alone or
#: with its context): reported, per page, to review by hand.
AMBIGUOUS_LINKS = """() => {
  const seen = {};
  for (const a of document.querySelectorAll('main a[href]')) {
    const name = (a.getAttribute('aria-label') || a.textContent).replace(/\\s+/g, ' ').trim();
    const href = a.getAttribute('href').split('#')[0];
    (seen[name] = seen[name] || new Set()).add(href);
  }
  return Object.keys(seen).filter((name) => seen[name].size > 1);
}"""
#: WCAG 1.4.12 text spacing; afterwards no text may be clipped by an overflow-hidden box.
TEXT_SPACING = """() => {
  const style = document.createElement('style');
  style.textContent = '* { line-height: 1.5 !important; letter-spacing: 0.12em !important;'
    + ' word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }';
  document.head.appendChild(style);
  const clipped = [];
  for (const el of document.querySelectorAll('body *')) {
    // Form controls scroll their own text (caret): nothing is lost there.
    if (el.closest('.visually-hidden') || el.matches('input, textarea, select')
        || el.getBoundingClientRect().width <= 1) { continue; }
    const css = getComputedStyle(el);
    const hides = (v) => v === 'hidden' || v === 'clip';
    if ((hides(css.overflowX) && el.scrollWidth > el.clientWidth + 1)
        || (hides(css.overflowY) && el.scrollHeight > el.clientHeight + 1)) {
      clipped.push(`${el.tagName}.${el.className}`);
    }
  }
  const wide = document.documentElement.scrollWidth > window.innerWidth;
  style.remove();
  return {clipped, wide};
}"""
AMBIGUOUS: dict[str, list[str]] = {}


def check_state(page: Page, case: Case) -> None:
    """Ids, names, error focus and title, reflow at 320 px; save the HTML for the checker."""
    found = page.evaluate(UNIQUE_IDS_AND_NAMES)
    assert not found["duplicates"], f"{case.id} : ids en double {found['duplicates']}"
    assert not found["unnamed"], f"{case.id} : champs sans nom unique {found['unnamed']}"
    if case.error:
        assert page.title().startswith("Erreur : "), f"{case.id} : titre {page.title()!r}"
        focused = page.evaluate(
            "() => !!document.activeElement.closest('.error-summary, .flash-error')"
        )
        assert focused, f"{case.id} : le focus n'est pas sur le récapitulatif des erreurs"
    else:
        assert not page.title().startswith("Erreur"), f"{case.id} : titre {page.title()!r}"
    SAVED[f"{case.id}.html"] = page.content()
    AMBIGUOUS[case.id] = page.evaluate(AMBIGUOUS_LINKS)
    spacing = page.evaluate(TEXT_SPACING)
    assert not spacing["clipped"] and not spacing["wide"], f"{case.id} : espacement {spacing}"
    page.set_viewport_size({"width": 320, "height": 640})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(WIDEST) if width > 320 else []
    assert width <= 320, f"{case.id} ({case.path}) : {width} px à 320 px (RGAA 10.11) : {wide}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_no_serious_axe_violation(page: Page, login: Callable[..., None], case: Case) -> None:
    if case.user:
        login(page, case.user)
    path = case.path
    if GROUP_REX in path:
        page.goto("/rex/")
        href = page.get_by_role("link", name=GROUP_REX_TITLE, exact=True).first.get_attribute(
            "href"
        )
        assert href is not None
        path = path.replace(GROUP_REX, href.rsplit("/", 1)[-1])
    if SESSION in path:
        page.goto(f"{GROUP}/seances/")
        href = page.get_by_role("link", name=SESSION_TITLE, exact=True).first.get_attribute("href")
        assert href is not None, "la séance du cas « seance-nouvelle » est introuvable"
        path = path.replace(SESSION, href.rstrip("/"))
    response = page.goto(path)
    assert response is not None
    assert response.status == case.status, f"{path} : statut {response.status}"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if case.act:
        case.act(page)
    for text in case.shows:
        expect(page.locator("main")).to_contain_text(re.compile(re.escape(text)))

    violations = AXE.run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
    others = [v for v in violations if v.get("impact") not in FAILING_IMPACTS]
    if others:
        print(f"\n{case.id} — constats non bloquants :\n{describe(others)}")
    assert not blocking, (
        f"{case.id} ({case.path}) : {len(blocking)} violation(s) axe grave(s) ou critique(s) :\n"
        + describe(blocking)
    )
    check_state(page, case)


def test_nu_html_checker_finds_no_error(tmp_path: Path) -> None:
    """Every state saved above, in one run of the Nu HTML Checker: zero errors (RGAA 8.2)."""
    if not SAVED:
        pytest.skip("aucune page enregistrée (lancez le module entier)")
    if not VNU.is_file():
        pytest.fail(f"vnu.jar introuvable ({VNU}) : lancez `make e2e` ou COMMONS_E2E_VNU=…")
    for name, html in SAVED.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", "--stdout"]
        + sorted(str(p) for p in tmp_path.glob("*.html")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.lstrip().startswith("{"), f"vnu n'a pas répondu :\n{done.stderr[-2000:]}"
    messages = json.loads(done.stdout).get("messages", [])
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')} {m.get('message')}"
        f" « {m.get('extract', '')} »"
        for m in messages
        if m.get("type") == "error"
    ]
    for name, links in AMBIGUOUS.items():
        if links:
            print(f"{name} — liens de même intitulé vers des pages différentes : {links}")
    assert not errors, f"{len(errors)} erreur(s) HTML :\n" + "\n".join(errors[:80])
    assert len(SAVED) >= len(CASES) - 1


def _open_rex_menus(page: Page) -> None:
    """The REX page's « Plus d'actions » menu, open (its panel must reflow at 320 px too)."""
    page.locator("summary", has_text="Plus d'actions").click()
    expect(page.get_by_role("link", name="Changer la licence")).to_be_visible()
