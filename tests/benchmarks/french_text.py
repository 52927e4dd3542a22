"""Realistic French text for benchmark corpora, drawn from what ships in ``content/``.

Sentences come from the REX of ``content/rex/`` (front matter, headings and boiler-plate
removed), section headings from the template ``content/modeles/rex.md``, and the vocabulary
(themes, types of collectivité, départements, régions) from ``content/vocabulaires/``. Every
function takes a :class:`random.Random` so that a seed gives the same corpus.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CONTENT = Path(__file__).resolve().parents[2] / "content"
#: Sentences that only say the source is silent: true of the demo corpus, noise in a benchmark.
_BOILERPLATE = re.compile(r"non document|source disponible|à compléter|la rédaction", re.I)
_MARKS = re.compile(r"\*\*|[\[\]]|\s\d+\.$")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀÂÉÈÊÎÔÛÇ«])")

# fmt: off
TOPICS = [
    "budget participatif", "cantine en circuit court", "tiers-lieu numérique",
    "conseil citoyen", "rénovation énergétique des écoles", "covoiturage domicile-travail",
    "plan vélo", "compostage partagé", "ouverture des données publiques",
    "maison France services", "jardins partagés", "télétravail des agents",
    "fusion de services", "droit à l'erreur des agents", "consultation en ligne",
    "laboratoire d'innovation publique", "carte culture jeunes", "végétalisation des rues",
    "transport à la demande", "accueil des nouveaux habitants", "mutualisation des achats",
    "extinction de l'éclairage nocturne", "démarche zéro papier", "marchés publics responsables",
    "lutte contre la précarité énergétique", "conférence de citoyens", "médiation numérique",
    "recyclerie", "navette autonome", "sobriété foncière", "cité éducative",
    "plateforme de signalement", "groupement de commandes", "schéma cyclable intercommunal",
    "projet alimentaire territorial", "assemblée citoyenne du climat",
]
ANGLES = [
    "retour sur trois ans", "ce qui a marché, ce qui a coincé", "premiers enseignements",
    "bilan d'étape", "de l'idée au déploiement", "une démarche à reprendre",
    "le regard des agents", "ce que nous referions autrement", "un an après",
]
CITIES = [
    "Angers", "Dunkerque", "Mulhouse", "Pantin", "Sceaux", "Rueil-Malmaison", "Toulouse",
    "Loos-en-Gohelle", "Guéret", "Grenoble", "Brest", "Lorient", "Poitiers", "Besançon",
    "Nancy", "Metz", "Tours", "Limoges", "Valence", "Annecy", "Chambéry", "Bayonne", "Pau",
    "Albi", "Rodez", "Millau", "Saintes", "Niort", "Quimper", "Vannes", "Saint-Brieuc",
    "Lannion", "Dieppe", "Évreux", "Alençon", "Laval", "Cholet", "Montluçon", "Vichy",
    "Aurillac", "Le Puy-en-Velay", "Mâcon", "Auxerre", "Troyes", "Épinal", "Colmar",
    "Haguenau", "Arras", "Béthune", "Cambrai", "Saint-Quentin", "Compiègne", "Beauvais",
    "Chartres", "Blois", "Bourges", "Châteauroux", "Périgueux", "Agen", "Mont-de-Marsan",
]
FIRST_NAMES = [
    "Camille", "Dominique", "Claude", "Sacha", "Morgane", "Yannick", "Nadia", "Karim", "Élise",
    "Thomas", "Inès", "Louis", "Chloé", "Mathieu", "Aïcha", "Hélène", "Julien", "Léa", "Omar",
]
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Bertrand", "Roux", "Fournier",
]
JOBS = [
    "Chargée de mission participation", "Directeur général des services",
    "Responsable de la commande publique", "Chef de projet numérique", "Agente de développement",
    "Responsable transition écologique", "Chargé de mission mobilités", "Secrétaire de mairie",
]
OPENERS = [
    "Chez nous, ", "De notre côté, ", "Retour d'expérience rapide : ", "Même constat ici : ",
    "Question aux pairs : ", "Pour compléter, ", "Attention toutefois : ", "",
]
# fmt: on


@dataclass(frozen=True)
class Vocabulary:
    themes: list[tuple[str, str]]  # (code, label)
    kinds: list[tuple[str, str]]
    departements: list[tuple[str, str, str]]  # (code, name, region code)
    regions: dict[str, str]


def _rows(name: str) -> list[dict[str, str]]:
    with (CONTENT / "vocabulaires" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def vocabulary() -> Vocabulary:
    return Vocabulary(
        themes=[(r["code"], r["libelle"]) for r in _rows("themes.csv")],
        kinds=[(r["code"], r["libelle"]) for r in _rows("types_collectivite.csv")],
        departements=[(r["code"], r["nom"], r["region"]) for r in _rows("departements.csv")],
        regions={r["code"]: r["nom"] for r in _rows("regions.csv")},
    )


@cache
def headings() -> list[str]:
    """The section headings of the REX template, in order."""
    text = (CONTENT / "modeles" / "rex.md").read_text(encoding="utf-8")
    return re.findall(r"^## (.+)$", text, flags=re.M)


@cache
def sentences() -> list[str]:
    """Every usable sentence of the shipped REX (list items included)."""
    out: list[str] = []
    for path in sorted((CONTENT / "rex").glob("*.md")):
        if path.name == "README.md":
            continue
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        for block in body.split("\n\n"):
            block = block.strip()
            if not block or block.startswith(("#", "|", ">", "*")):
                continue
            lines = block.splitlines()
            items = [ln.lstrip("-*0123456789. ") for ln in lines if ln[:2] in ("- ", "* ")]
            for part in items or [" ".join(" ".join(lines).split())]:
                for sentence in _SENTENCE_END.split(part):
                    if _usable(sentence):
                        out.append(_MARKS.sub("", sentence))
    return out


def _usable(sentence: str) -> bool:
    return (
        40 <= len(sentence) <= 400
        and sentence[0].isupper()
        and sentence[-1] in ".!?…;:»)"
        and not _BOILERPLATE.search(sentence)
    )


def paragraph(rng: random.Random, low: int = 2, high: int = 5) -> str:
    return " ".join(rng.sample(sentences(), rng.randint(low, high)))


def rex_title(rng: random.Random, place: str) -> str:
    topic = rng.choice(TOPICS)
    return f"{topic[0].upper()}{topic[1:]} — {place} : {rng.choice(ANGLES)}"


def rex_summary(rng: random.Random) -> str:
    return rng.choice(sentences())[:300]


def post_body(rng: random.Random) -> str:
    return rng.choice(OPENERS) + paragraph(rng, 1, 3)


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
