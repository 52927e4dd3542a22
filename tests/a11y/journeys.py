"""The journeys played with Orca (keys are real X key events; Orca's own single-key commands in
browse mode: ``h`` next heading, ``e`` next text field, ``b`` next button, ``k`` next link).

Each step says what a person does and what Orca must say for the step to pass (``expect``: pieces
of the spoken text, case-insensitive). ``run.focus`` places the focus directly (a shortcut for
« Tab until… », used only where the number of Tab presses is not the point).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MEMBER = "agent@demo.commons.fr"  # Julien Morel, member of participation-citoyenne
FACILITATOR = "animatrice@demo.commons.fr"  # Nadia Benali

Journey = Callable[[Any], None]


def accueil_titres_reperes(run: Any) -> None:
    """Home page: page summary, skip link, main menu, headings, the site map."""
    run.goto("/", expect=("Accueil · Commons", "points de repère", "en-têtes"))
    run.keys("Tab", expect=("Aller au contenu", "lien"))
    run.keys("Tab", expect=("Commons",))
    run.keys("Tab", expect=("Accueil", "lien"))  # aria-current: not spoken by Orca 43
    run.keys("Tab", expect=("Recherche", "lien"))
    run.keys("h", expect=("niveau 1",))
    run.keys("h", expect=("niveau 2",))
    run.keys("h", expect=("niveau",))
    run.tree()
    run.goto("/plan-du-site", expect=("Plan du site",))
    run.keys("h", expect=("Plan du site", "niveau 1"))
    run.keys("h", expect=("niveau 2",))
    run.keys("k", expect=("lien",))
    run.tree()


def connexion_erreur(run: Any) -> None:
    """A failed login: the error summary is announced, focus and title tell the error."""
    run.goto("/connexion", expect=("Se connecter",))
    run.keys("e", expect=("Adresse électronique", "requis"))
    run.keys("Insert+a", expect=("Mode focus",))
    run.type("personne@exemple.fr")
    run.keys("Tab", expect=("Mot de passe",))
    run.type("pas-le-bon-mot-de-passe")
    run.keys("Return", expect=("Erreur", "incorrect"))
    run.check_title("Erreur : ")
    run.tree()


def inscription_erreurs(run: Any) -> None:
    """Registration sent empty: summary announced, its links lead to invalid fields."""
    run.goto("/inscription", expect=("Créer un compte",))
    run.keys("e", expect=("Adresse électronique", "obligatoire"))
    run.keys("Insert+a", expect=("Mode focus",))
    run.keys("Tab", expect=("Nom affiché", "obligatoire"))
    run.keys("Tab", expect=("Métier",))
    run.keys("Return", expect=("Erreur", "notification"))
    run.check_title("Erreur : ")
    run.keys("Tab", expect=("lien",))
    run.keys("Return", expect=("Nom affiché", "saisie non valable", "Ce champ est obligatoire"))
    run.tree()


def recherche(run: Any) -> None:
    """Search: the field, the results, their headings."""
    run.goto("/recherche", expect=("Recherche",))
    run.keys("e", expect=("Rechercher",))
    run.keys("Insert+a", expect=("Mode focus",))
    run.type("budget participatif")
    run.keys("Return", expect=("résultat",))
    run.keys("h", expect=("niveau",))
    run.keys("h", expect=("niveau",))
    run.tree()


def rex_editeur(run: Any) -> None:
    """The REX editor: the title first, every field announced with its label and help, the
    guidance, a collectivité picked through the searchable picker (its live region), the file
    input (drop zone script); sent empty: the summary, then its link to the title field."""
    run.login(MEMBER)
    run.goto("/rex/nouveau", expect=("Écrire un REX",))
    run.keys("h", expect=("Écrire un retour d'expérience", "niveau 1"))
    run.keys("e", expect=("Titre", "obligatoire"))
    run.keys("Insert+a", expect=("Mode focus",))
    run.keys("Tab", expect=("Que raconter dans chaque section",))
    run.keys("Tab", expect=("Texte du REX", "Markdown"))
    run.focus("#collectivites-filtre", expect=("Chercher une collectivité", "Tapez quelques"))
    run.type("gueret", expect=("1 proposition",))
    run.keys("Return", expect=("fait partie de la sélection",))
    run.focus("#editeur-fichiers", expect=("Joindre des fichiers", "Ils sont joints"))
    run.tree()
    run.focus("main form button[type=submit] >> nth=-1", expect=("bouton",))
    run.keys("Return", expect=("Erreur", "notification", "Titre : Ce champ est obligatoire"))
    run.check_title("Erreur : ")
    run.keys("Tab", expect=("Titre : Ce champ est obligatoire", "lien"))
    run.keys("Return", expect=("Titre", "saisie non valable"))
    run.tree()


def forum_reponse_mention(run: Any) -> None:
    """Reply in a thread, with the @mention suggestions (listbox, live region)."""
    run.login(MEMBER)
    run.goto("/forum/sujet/2", expect=("Concertation sur le projet de territoire",))
    run.keys("h", expect=("niveau 1",))
    run.keys("h", expect=("niveau",))
    run.focus("#repondre textarea", expect=("Votre message", "obligatoire"))
    run.keys("Insert+a", expect=("Mode focus",))
    run.type("Merci @nad", expect=("Personnes à mentionner", "Nadia Benali", "1 suggestion"))
    run.keys("Return", expect=("@nadia-benali ajouté",))
    run.type("pour ce retour, et @m", expect=("Marc Lefèvre", "1 suggestion"))
    run.keys("Down")  # a single suggestion: it stays selected, nothing new to say
    run.keys("Escape", expect=("Votre message",))  # list closed, back to the text
    run.type("erci.")
    run.focus("#repondre button[type=submit]", expect=("Publier la réponse", "bouton"))
    run.keys("Return", expect=("Votre réponse est publiée",))
    run.tree()


def confirmations(run: Any) -> None:
    """Irreversible actions: the own-post « Supprimer » link and « Quitter le groupe » lead to a
    confirmation page whose heading, button and cancel link are announced (nothing is deleted)."""
    run.login(MEMBER)
    run.goto("/forum/sujet/1", expect=("budget participatif",))
    run.focus("a[href='/forum/message/1/supprimer']", expect=("Supprimer votre message n°1",))
    run.keys("Return", expect=("Supprimer votre message n°1 ?",))
    run.keys("h", expect=("Supprimer votre message n°1 ?", "niveau 1"))
    run.keys("b", expect=("Confirmer la suppression", "bouton"))
    run.keys("Tab", expect=("Annuler et revenir", "lien"))
    run.tree()
    run.goto("/groupes/participation-citoyenne", expect=("Participation citoyenne",))
    run.focus("a[href$='/quitter']", expect=("Quitter le groupe", "lien"))
    run.keys("Return", expect=("Quitter le groupe",))
    run.keys("h", expect=("niveau",))
    run.keys("b", expect=("bouton",))
    run.tree()


def animation_membre(run: Any) -> None:
    """The facilitator's member page: note, warning and suspension forms, each field named."""
    run.login(FACILITATOR)
    run.goto("/animation/membres/julien-morel", expect=("Julien Morel",))
    run.keys("e", expect=("Note privée", "obligatoire"))
    run.keys("Tab", expect=("Ajouter la note", "bouton"))
    run.keys("Tab", expect=("région Avertir", "Au nom de", "liste déroulante"))
    run.keys("Tab", expect=("Motif de l'avertissement", "obligatoire", "Transmis à la personne"))
    run.keys("Tab", expect=("Envoyer l'avertissement", "bouton"))
    run.keys("Tab", expect=("Suspendre le compte", "Motif de la suspension", "obligatoire"))
    run.tree()


JOURNEYS: dict[str, Journey] = {
    "accueil-titres-reperes": accueil_titres_reperes,
    "connexion-erreur": connexion_erreur,
    "inscription-erreurs": inscription_erreurs,
    "recherche": recherche,
    "rex-editeur": rex_editeur,
    "forum-reponse-mention": forum_reponse_mention,
    "confirmations": confirmations,
    "animation-membre": animation_membre,
}
#: What each journey covers, in the transcripts' language.
TITLES = {
    "accueil-titres-reperes": "Accueil : résumé de la page, lien d'évitement, menu, titres ; "
    "plan du site.",
    "connexion-erreur": "Connexion refusée : le récapitulatif d'erreur est annoncé, le titre de "
    "la page commence par « Erreur : ».",
    "inscription-erreurs": "Inscription envoyée vide : récapitulatif annoncé, ses liens mènent "
    "aux champs invalides.",
    "recherche": "Recherche : le champ, les résultats et leurs titres.",
    "rex-editeur": "Éditeur de REX : chaque champ avec son libellé et son aide, le champ fichier "
    "(zone de dépôt) ; envoyé vide : le récapitulatif, puis son lien vers le titre.",
    "forum-reponse-mention": "Réponse dans une discussion avec les suggestions de @mentions "
    "(liste de suggestions, zone live).",
    "confirmations": "Actions irréversibles : « Supprimer » un message et « Quitter le groupe » "
    "mènent à une page de confirmation (rien n'est supprimé).",
    "animation-membre": "Page d'un membre pour l'animation : formulaires de note, "
    "d'avertissement et de suspension, chaque champ nommé.",
}
