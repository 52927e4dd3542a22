"""The ``rex_theme`` index of ``Rex.themes``: kept in step by every writer (services, importer,
plain attribute changes), emptied with its REX, and used by the lists filtered by theme (wiki
list, ``/communs/``, API) without leaking private REX, in a bounded number of queries."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from commons import db
from commons.wiki import vocab
from commons.wiki.importer import import_rex
from commons.wiki.models import Rex, rex_theme
from commons.wiki.rexfile import parse_rex_file

from .conftest import login
from .public_commons import CANARY, QueryCounter, make_rex, private_world

CONTENT_REX = Path(__file__).resolve().parents[1] / "content" / "rex"


def indexed(rex: Rex | int) -> list[str]:
    """The theme codes ``rex_theme`` holds for a REX, sorted."""
    rex_id = rex if isinstance(rex, int) else rex.id
    return sorted(db.session.scalars(select(rex_theme.c.theme).where(rex_theme.c.rex_id == rex_id)))


def test_create_indexes_the_themes_once_each(app, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Cantine", themes=["culture", "alimentation", "culture"])
    assert indexed(rex) == ["alimentation", "culture"]
    assert indexed(make_rex(make_user(), "Sans thème")) == []


def test_assigning_themes_rewrites_the_rows_at_flush(app, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Cantine", themes=["culture", "alimentation"])
    rex.themes = ["alimentation", "energie"]
    db.session.flush()
    assert indexed(rex) == ["alimentation", "energie"]
    rex.themes = []  # every theme removed
    db.session.commit()
    assert indexed(rex) == []
    rex.themes = ["social"]
    rex.title = "Cantine et social"
    db.session.commit()
    assert indexed(rex) == ["social"]


def test_other_changes_and_in_place_changes_marked_modified(app, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Cantine", themes=["culture"])
    rex.summary = "Autre résumé."
    db.session.commit()
    assert indexed(rex) == ["culture"]
    rex.themes.append("social")
    flag_modified(rex, "themes")
    db.session.commit()
    assert indexed(rex) == ["culture", "social"]


def test_deleting_a_rex_leaves_no_rows(app, make_user) -> None:  # type: ignore[no-untyped-def]
    gone = make_rex(make_user(), "Cantine", themes=["culture", "social"])
    kept = make_rex(make_user(), "Musée", themes=["culture"])
    gone_id = gone.id
    db.session.delete(gone)
    db.session.commit()
    assert indexed(gone_id) == []
    assert db.session.scalar(select(func.count()).select_from(rex_theme)) == 1
    assert indexed(kept) == ["culture"]


def test_import_and_reimport_follow_the_file(app) -> None:  # type: ignore[no-untyped-def]
    doc = parse_rex_file(CONTENT_REX / "angers-budget-participatif.md")
    rex, created = import_rex(doc)
    db.session.commit()
    assert created and indexed(rex) == sorted(set(doc.themes))
    assert doc.themes != ["energie"]
    rex, created = import_rex(dataclasses.replace(doc, themes=["energie"]))
    db.session.commit()
    assert not created and indexed(rex) == ["energie"] == rex.themes


# --- lists filtered by theme ----------------------------------------------------------------


@pytest.fixture
def longer_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Theme codes where one is a prefix and a substring of others, and one holds ``_``
    (a LIKE wildcard)."""
    extra = {"eau": "Eau", "eau-potable": "Eau potable", "reseau-eau": "Réseau d'eau"}
    extra |= {"e_u": "Code à tiret bas"}
    monkeypatch.setattr(vocab, "themes", lambda: {**_VOCAB, **extra})
    for module in ("commons.wiki.queries", "commons.export.public", "commons.export.api"):
        monkeypatch.setattr(f"{module}.theme_vocab", vocab.themes)


_VOCAB = dict(vocab.themes())


def _titles(html: str, titles: list[str]) -> set[str]:
    return {t for t in titles if t in html}


def test_member_list_by_theme_is_exact(app, client, make_user, make_group, longer_codes) -> None:  # type: ignore[no-untyped-def]
    member, outsider, stranger = make_user(), make_user(), make_user()
    group = make_group(members=(member,))
    other = make_group(members=(stranger,))
    made = {
        "Eau publique": {"themes": ["eau"], "status": "termine"},
        "Eau réseau": {"themes": ["social", "eau"], "status": "termine", "space": "network"},
        "Eau groupe": {"themes": ["eau"], "status": "termine", "space": "group", "group": group},
        "Eau autre groupe": {
            "themes": ["eau"],
            "status": "termine",
            "space": "group",
            "group": other,
            "author": stranger,
        },
        "Eau en cours": {"themes": ["eau"], "status": "en-cours"},
        "Eau potable": {"themes": ["eau-potable"], "status": "termine"},
        "Réseau eau": {"themes": ["reseau-eau"], "status": "termine"},
        "Tiret bas": {"themes": ["e_u"], "status": "termine"},
    }
    for title, kw in made.items():
        make_rex(kw.pop("author", member), title, **kw)
    login(client, member)
    page = client.get("/rex/?theme=eau&statut=termine").get_data(as_text=True)
    assert _titles(page, list(made)) == {"Eau publique", "Eau réseau", "Eau groupe"}
    page = client.get("/rex/?theme=e_u").get_data(as_text=True)
    assert _titles(page, list(made)) == {"Tiret bas"}
    other_client = client.application.test_client()
    login(other_client, outsider)
    page = other_client.get("/rex/?theme=eau&statut=termine").get_data(as_text=True)
    assert _titles(page, list(made)) == {"Eau publique", "Eau réseau"}


def test_public_filters_never_show_private_rex(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    world = private_world(make_user, make_group)  # every REX there has the theme "culture"
    make_rex(world["author"], "Musée public", themes=["culture", "social"])
    make_rex(world["author"], "Autre thème", themes=["social"])
    page = client.get("/communs/?theme=culture").get_data(as_text=True)
    assert CANARY not in page
    assert _titles(page, ["Cantine bio à Bègles", "Musée public", "Autre thème"]) == {
        "Cantine bio à Bègles",
        "Musée public",
    }
    data = json.loads(client.get("/api/v1/rex?theme=culture").get_data(as_text=True))
    assert CANARY not in json.dumps(data)
    assert sorted(item["title"] for item in data["items"]) == [
        "Cantine bio à Bègles",
        "Musée public",
    ]
    themes = json.loads(client.get("/api/v1/themes").get_data(as_text=True))["items"]
    counts = {t["code"]: t["rex_count"] for t in themes}
    assert counts["culture"] == 2 and counts["social"] == 2 and counts["energie"] == 0
    login(client, world["insider"])  # signed in, the public paths still show public REX only
    page = client.get("/communs/?theme=culture").get_data(as_text=True)
    assert "Cantine bio à Bègles" in page
    assert not [
        t for t in (f"Résumé {CANARY}", f"Réseau {CANARY}", f"Masqué {CANARY}") if t in page
    ]


def _list_queries(app: Any, client: Any, path: str) -> int:
    with QueryCounter(app) as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_filtered_lists_run_a_bounded_number_of_queries(app, client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member = make_user()
    make_group(members=(member,))
    make_rex(member, "Premier", themes=["culture"], status="termine")
    login(client, member)
    paths = ("/rex/?theme=culture&statut=termine", "/communs/?theme=culture")
    before = [_list_queries(app, client, p) for p in paths]
    for n in range(25):  # more than a page
        make_rex(member, f"REX {n}", themes=["culture", "social"], status="termine")
    after = [_list_queries(app, client, p) for p in paths]
    assert after == before and max(after) <= 12, (before, after)
    assert "REX 24" in client.get(paths[0]).get_data(as_text=True)
