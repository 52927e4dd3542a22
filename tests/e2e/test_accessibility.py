"""axe-core on every page type, anonymous and logged in, including error states.

A test fails on any violation of impact "serious" or "critical"; the message lists each rule,
its impact, the help text and the offending nodes. Moderate and minor findings are reported in
the output (``-rA``/``-s``) but do not fail the suite.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

AXE = Axe()
FAILING_IMPACTS = {"serious", "critical"}

ADMIN = "admin@demo.commons.fr"
FACILITATOR = "animatrice@demo.commons.fr"
MEMBER = "agent@demo.commons.fr"  # member of participation-citoyenne only
OTHER = "agente.donnees@demo.commons.fr"  # member of donnees-open-data only
REX = "angers-budget-participatif"  # one of the public REX shipped in content/rex
GROUP_REX = "restituer-une-concertation-ce-que-nous-avons-appris"  # demo, participation group
PUBLIC_COPY = "ouvrir-les-donnees-de-la-restauration-scolaire-2"  # demo, published by consent


def _fill(**fields: str) -> Callable[[Page], None]:
    """Fill the given fields (by id) and submit the main form."""

    def act(page: Page) -> None:
        form = page.locator("main form.stacked")
        for name, value in fields.items():
            page.locator(f"#{name}").fill(value)
        form.locator("button[type=submit]").last.click()
        expect(page.get_by_role("alert")).to_be_visible()

    return act


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
    Case("collectivites", "/collectivites/", shows=("Ville de Sceaux",)),
    Case("collectivite", "/collectivites/ville-de-sceaux-92", shows=("Ville de Sceaux",)),
    Case(
        "collectivite-connecte",
        "/collectivites/ville-de-sceaux-92",
        user=MEMBER,
        shows=("Julien Morel",),
    ),
    Case("collectivites-a-valider", "/collectivites/a-valider", user=ADMIN),
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
    ),
    Case(
        "connexion-erreur",
        "/connexion",
        act=_fill(email="personne@exemple.fr", password="mauvais mot de passe"),
        shows=("Connexion impossible",),
    ),
    Case(
        "mot-de-passe-oublie-erreur",
        "/mot-de-passe-oublie",
        act=_fill(email="pas-une-adresse"),
        shows=("Adresse électronique invalide",),
    ),
    Case(
        "mot-de-passe-changer-erreurs",
        "/compte/mot-de-passe",
        user=MEMBER,
        act=_fill(current="", password="court", password_confirm="différent"),
        shows=("à corriger",),
    ),
    Case(
        "groupe-rejoindre-erreur",
        "/groupes/participation-citoyenne",
        user=OTHER,
        act=lambda page: _submit_join_without_charter(page),
        shows=("Vous devez accepter",),
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


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_no_serious_axe_violation(page: Page, login: Callable[..., None], case: Case) -> None:
    if case.user:
        login(page, case.user)
    response = page.goto(case.path)
    assert response is not None
    assert response.status == case.status, f"{case.path} : statut {response.status}"
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
