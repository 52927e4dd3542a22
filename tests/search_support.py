"""Shared by the search tests: the (database, backend) combinations and a French corpus.

Import the fixtures into a test module to run it on (SQLite, whoosh) and, when
``TEST_DATABASE_URL`` is set, (PostgreSQL, whoosh) and (PostgreSQL, postgres)::

    from .search_support import app_config, backend, combo  # noqa: F401
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from sqlalchemy import select, text

from commons import db
from commons.search.backends import SearchBackend, get_backend
from commons.search.models import IndexQueue
from commons.search.results import SearchResults

from .conftest import PG_URL, base_config

COMBOS = [("sqlite", "whoosh")] + (
    [("postgresql", "whoosh"), ("postgresql", "postgres")] if PG_URL else []
)
ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2024, 1, 1)
ANON: tuple[bool, set[int]] = (False, set())
SIGNED_IN: tuple[bool, set[int]] = (True, set())
GROUP_MEMBER: tuple[bool, set[int]] = (True, {42})
AGENT = SIGNED_IN
BODY = "Nous avons installé des composteurs partagés dans chaque quartier de la ville.\n"


@pytest.fixture(params=COMBOS, ids=lambda c: f"{c[0]}-{c[1]}")
def combo(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def backend(combo: tuple[str, str]) -> str:
    """The database of the ``app`` fixture (overrides conftest's parametrised one)."""
    return combo[0]


@pytest.fixture
def app_config(tmp_path: Path, backend: str, combo: tuple[str, str]) -> dict[str, Any]:
    return {**base_config(tmp_path, backend), "SEARCH_BACKEND": combo[1]}


def empty_backend(app: Flask) -> SearchBackend:
    """The app's search backend, emptied (the PostgreSQL tables outlive a test)."""
    if app.config["SEARCH_BACKEND"] == "postgres":
        with app.extensions["commons.engine"].begin() as conn:
            conn.execute(text("TRUNCATE search_document, search_word"))
    return get_backend(app)


def queued() -> list[tuple[str, str]]:
    """The queue rows, oldest first, as (doc_id, action)."""
    rows = db.session.execute(select(IndexQueue.doc_id, IndexQueue.action).order_by(IndexQueue.id))
    return [(doc_id, action) for doc_id, action in rows]


def found(app: Flask, text: str, who: tuple[bool, set[int]]) -> set[str]:
    """Ids of the documents ``who`` finds for ``text`` on the first page."""
    results = get_backend(app).search(text, visibility_filter=who)
    return {hit.id for hit in results.hits}


def ids(results: SearchResults) -> list[str]:
    return [h.id for h in results.hits]


def doc(doc_id: str, title: str, body: str, days: int, extra: dict[str, Any]) -> dict[str, Any]:
    """A public document unless ``extra`` says otherwise."""
    base = {"id": doc_id, "kind": doc_id.split(":")[0], "title": title, "body": body}
    return base | {"visibility": "public", "updated": T0 + timedelta(days)} | extra


def angers_rex() -> dict[str, Any]:
    """A real REX from content/ (front matter + Markdown body)."""
    path = ROOT / "content/rex/angers-budget-participatif.md"
    _, front, body = path.read_text().split("---", 2)
    meta = yaml.safe_load(front)
    kind_coll = [c["type"] for c in meta["collectivites"]]
    extra = {"themes": meta["themes"], "kind_coll": kind_coll, "licence": meta["licence"]}
    return doc("rex:100", meta["title"], body, -400, extra | {"summary": meta["summary"]})


DOCS = [
    doc(
        "rex:1",
        "Les budgets participatifs à Angers",
        "Le budget participatif d'Angers finance des projets proposés par les habitants.",
        10,
        {"themes": ["participation-citoyenne", "finances"], "kind_coll": ["commune"]}
        | {"collectivite": "Ville d'Angers", "licence": "etalab-2.0", "year": 2021},
    ),
    doc(
        "rex:2",
        "Publier des données ouvertes en Gironde",
        "L'ouverture des données publiques aide les petites collectivités <b>rurales</b>.",
        20,
        {"themes": ["donnees"], "kind_coll": ["departement"], "licence": "CC-BY-4.0"},
    ),
    doc(
        "rex:3",
        "Plan vélo de la métropole",
        "Des pistes cyclables et un service de location. Le réseau a doublé en cinq ans.",
        30,
        {"themes": ["mobilite"], "kind_coll": ["metropole"], "licence": "etalab-2.0"},
    ),
    doc(
        "rex:4",
        "Rénovation énergétique des logements",
        "Les conseillers visitent les logements, montent les dossiers d'aides, suivent "
        "les chantiers et mesurent les économies. Un agent s'y rend parfois à vélo.",
        40,
        {"themes": ["energie", "social"], "licence": "etalab-2.0", "year": 2023},
    ),
    doc(
        "thread:5",
        "Consultation sur le budget annuel",
        "Le budget annuel a été voté après une consultation participative des habitants.",
        50,
        {"themes": ["finances"], "kind_coll": ["commune"], "year": 2024},
    ),
    doc(  # Confidential: a group document with canary values in every facet.
        "post:6",
        "Compte rendu interne zorglub",
        "Le projet zorglub prépare un budget participatif confidentiel.",
        60,
        {"themes": ["zorglubisme"], "kind_coll": ["syndicat"], "licence": "CC0-1.0"}
        | {"visibility": "group", "group_id": 42, "year": 1999},
    ),
    doc(  # Network-only document.
        "rex:7",
        "Note réservée au réseau quidnunc",
        "Budget participatif : retours internes réservés aux membres connectés.",
        70,
        {"themes": ["finances"], "visibility": "network", "year": 2020},
    ),
]
