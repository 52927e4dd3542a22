"""The read-only JSON API ``/api/v1/``: lists with filters and pagination, one REX with its
Markdown and HTML, vocabularies, ETags, CORS, JSON errors in French, public content only, and
bounded queries. The OpenAPI conformance run (schemathesis) is in ``test_commons_openapi.py``."""

from __future__ import annotations

import json
from typing import Any

from commons import db
from commons.wiki import services

from .conftest import login
from .public_commons import CANARY, QueryCounter, make_rex, private_world


def _json(response: Any) -> Any:
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    return json.loads(response.get_data(as_text=True))


def test_rex_list_with_pagination_links(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    for n in range(7):
        make_rex(author, f"REX {n}", themes=["culture"])
    response = client.get("/api/v1/rex?par_page=3&theme=culture")
    assert response.status_code == 200
    data = _json(response)
    assert (data["total"], data["page"], data["per_page"], data["pages"]) == (7, 1, 3, 3)
    assert len(data["items"]) == 3 and data["previous"] is None
    assert data["next"] == "http://commons.test/api/v1/rex?theme=culture&page=2&par_page=3"
    link = response.headers["Link"]
    assert '<http://commons.test/api/v1/rex?theme=culture&page=2&par_page=3>; rel="next"' in link
    assert 'rel="last"' in link and 'rel="first"' in link and 'rel="prev"' not in link
    seen = [item["slug"] for item in data["items"]]
    page = "/api/v1/rex?par_page=3&theme=culture&page=2"
    while page:
        data = _json(client.get(page))
        seen += [item["slug"] for item in data["items"]]
        page = data["next"] and data["next"].removeprefix("http://commons.test")
    assert len(seen) == len(set(seen)) == 7
    assert data["previous"] == "http://commons.test/api/v1/rex?theme=culture&page=2&par_page=3"


def test_rex_list_item_fields(client, make_user, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    coll = make_collectivite("Bègles", departement="33")
    rex = make_rex(
        make_user(),
        "Cantine bio",
        summary="Résumé",
        themes=["alimentation"],
        collectivite_ids=[coll.id],
    )
    [item] = _json(client.get("/api/v1/rex"))["items"]
    assert item["uuid"] == rex.uuid and item["title"] == "Cantine bio"
    assert item["licence"] == {
        "id": "etalab-2.0",
        "name": "Licence Ouverte / Open Licence 2.0",
        "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    }
    assert item["collectivites"] == [
        {
            "slug": coll.slug,
            "name": "Bègles",
            "type": "commune",
            "departement": "33",
            "region": "75",
        }
    ]
    assert item["url"] == f"http://commons.test/rex/{rex.slug}"
    assert item["api_url"] == f"http://commons.test/api/v1/rex/{rex.slug}"


def test_rex_list_filters_and_bad_values(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    make_rex(author, "Cantine", themes=["alimentation"], status="termine")
    make_rex(author, "Musée", themes=["culture"], licence_id="CC0-1.0")
    assert [i["title"] for i in _json(client.get("/api/v1/rex?statut=termine"))["items"]] == [
        "Cantine"
    ]
    assert [i["title"] for i in _json(client.get("/api/v1/rex?licence=CC0-1.0"))["items"]] == [
        "Musée"
    ]
    assert [i["title"] for i in _json(client.get("/api/v1/rex?q=MUS"))["items"]] == ["Musée"]
    for query, word in (
        ("theme=inconnu", "theme"),
        ("licence=GPL-3.0", "licence"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("par_page=101", "par_page"),
        ("region=99", "region"),
        ("tri=hasard", "tri"),
        ("q=" + "x" * 201, "q"),
    ):
        response = client.get(f"/api/v1/rex?{query}")
        assert response.status_code == 400, query
        assert word in _json(response)["error"]
    assert _json(client.get("/api/v1/rex?page=9"))["items"] == []


def test_one_rex_with_markdown_html_and_credits(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user(name="Alice Martin")
    rex = make_rex(author, "Cantine bio", body="## Contexte\n\nDu **bio**.\n")
    services.save(
        make_user(name="Bruno Petit"), rex, base=rex.head, body="## Contexte\n\nDu **bio** local.\n"
    )
    db.session.commit()
    response = client.get(f"/api/v1/rex/{rex.slug}")
    data = _json(response)
    assert data["markdown"] == "## Contexte\n\nDu **bio** local.\n"
    assert "<strong>bio</strong> local" in data["html"]
    assert data["revision"] == 2
    assert sorted(c["name"] for c in data["credits"]) == ["Alice Martin", "Bruno Petit"]
    assert data["attribution_mode"] == "named"
    assert "Cantine bio" in data["citation"]


def test_renamed_rex_redirects_and_private_rex_are_404(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    world = private_world(make_user, make_group)
    rex = world["public"]
    old = rex.slug
    services.rename(world["author"], rex, "Cantine bio renommée")
    db.session.commit()
    response = client.get(f"/api/v1/rex/{old}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/api/v1/rex/{rex.slug}"
    listing = _json(client.get("/api/v1/rex?par_page=100"))
    for item in listing["items"]:
        assert item["slug"] == rex.slug
    for slug in (
        "groupe-" + CANARY.lower(),
        "reseau-" + CANARY.lower(),
        "masque-" + CANARY.lower(),
    ):
        response = client.get(f"/api/v1/rex/{slug}")
        assert response.status_code == 404
        assert _json(response) == {"error": "Aucun REX public ne porte cet identifiant."}


def test_api_shows_public_content_only_even_when_signed_in(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    world = private_world(make_user, make_group)
    login(client, world["insider"])
    for path in ("/api/v1/rex", "/api/v1/themes", "/api/v1/collectivites", "/api/v1/"):
        body = client.get(path).get_data(as_text=True)
        assert CANARY not in body and CANARY.lower() not in body, path
        assert "@exemple.fr" not in body
    themes = {t["code"]: t["rex_count"] for t in _json(client.get("/api/v1/themes"))["items"]}
    assert themes["culture"] == 1  # the public REX only, not the canary REX with that theme


def test_no_email_or_user_id_in_rex_detail(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user(name="Alice Martin", email="alice.secret@exemple.fr")
    rex = make_rex(author, "Cantine bio")
    data = _json(client.get(f"/api/v1/rex/{rex.slug}"))
    text = json.dumps(data)
    assert "alice.secret" not in text
    forbidden = {"email", "user_id", "author_id", "created_by_id", "group_id", "id"}
    assert not forbidden & set(data)
    for credit in data["credits"]:
        assert set(credit) == {"name", "role"}


def test_vocabularies(client, make_user, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    coll = make_collectivite("Bègles", departement="33")
    unused = make_collectivite("Sans REX public", departement="35")
    make_rex(make_user(), "Cantine", themes=["alimentation"], collectivite_ids=[coll.id])
    make_rex(make_user(), "Réseau", space="network", collectivite_ids=[unused.id])
    licences = _json(client.get("/api/v1/licences"))["items"]
    assert {lic["id"] for lic in licences} >= {"etalab-2.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0"}
    assert [lic["id"] for lic in licences if lic["default"]] == ["etalab-2.0"]
    colls = _json(client.get("/api/v1/collectivites"))
    assert [c["name"] for c in colls["items"]] == ["Bègles"]
    assert colls["items"][0]["rex_count"] == 1
    assert {"code": "75", "label": "Nouvelle-Aquitaine"} in colls["regions"]
    assert {"code": "commune", "label": "Commune"} in colls["types"]
    themes = _json(client.get("/api/v1/themes"))["items"]
    assert {"code": "alimentation", "label": "Alimentation", "rex_count": 1} in themes


def test_etag_and_conditional_get(client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Cantine")
    for path in (
        "/api/v1/rex",
        f"/api/v1/rex/{rex.slug}",
        "/api/v1/themes",
        "/api/v1/openapi.json",
    ):
        first = client.get(path)
        etag = first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"", path
        assert again.headers["Access-Control-Allow-Origin"] == "*"
    etag = client.get("/api/v1/rex").headers["ETag"]
    make_rex(make_user(), "Nouveau")
    assert client.get("/api/v1/rex", headers={"If-None-Match": etag}).status_code == 200


def test_cors_for_reading_without_credentials(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/rex", headers={"Origin": "https://ailleurs.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/rex",
        headers={
            "Origin": "https://ailleurs.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Set-Cookie" not in response.headers


def test_json_errors_in_french(client) -> None:  # type: ignore[no-untyped-def]
    missing = client.get("/api/v1/nulle-part")
    assert missing.status_code == 404 and _json(missing) == {"error": "Ressource introuvable."}
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/rex")
        assert response.status_code == 405, method
        assert "lecture seule" in _json(response)["error"]
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert client.post("/api/v1/").status_code == 405
    assert client.post("/api/v1/nulle-part").status_code == 404
    assert client.get("/api/v1/rex/%00").status_code == 404


def test_rex_list_queries_do_not_grow_with_the_page(
    app, client, make_user, make_collectivite
) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    coll = make_collectivite()
    for n in range(3):
        make_rex(author, f"REX {n}", collectivite_ids=[coll.id], themes=["culture"])
    with QueryCounter(app) as few:
        assert len(_json(client.get("/api/v1/rex?par_page=100"))["items"]) == 3
    for n in range(3, 60):
        make_rex(make_user(), f"REX {n}", collectivite_ids=[coll.id], themes=["culture"])
    with QueryCounter(app) as many:
        assert len(_json(client.get("/api/v1/rex?par_page=100"))["items"]) == 60
    assert many.count == few.count <= 5, many.statements  # 4 + the page cache generation


def test_index_lists_the_endpoints(client) -> None:  # type: ignore[no-untyped-def]
    data = _json(client.get("/api/v1/"))
    assert data["openapi"] == "http://commons.test/api/v1/openapi.json"
    for key in ("rex", "themes", "collectivites", "licences"):
        assert client.get(data[key].removeprefix("http://commons.test")).status_code == 200


def test_imported_rex_keeps_its_origin(client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Venu d'ailleurs")
    rex.provenance = "Commons Bretagne"
    rex.origin = {
        "source": {"instance": "Commons Bretagne", "url": "https://bzh.example/"},
        "chain": [{"instance": "Commons Bretagne", "url": "https://bzh.example/"}],
        "canonical_url": "https://bzh.example/rex/venu-d-ailleurs",
        "receipts": [],
    }
    db.session.commit()
    data = _json(client.get(f"/api/v1/rex/{rex.slug}"))
    assert data["canonical_url"] == "https://bzh.example/rex/venu-d-ailleurs"
    assert data["provenance_chain"] == [
        {"instance": "Commons Bretagne", "url": "https://bzh.example/"}
    ]
    assert data["provenance"] == "Commons Bretagne"
    page = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    assert '"isBasedOn": "https://bzh.example/rex/venu-d-ailleurs"' in page
    local = make_rex(make_user(), "Écrit ici")
    data = _json(client.get(f"/api/v1/rex/{local.slug}"))
    assert data["canonical_url"] == f"http://commons.test/rex/{local.slug}"
    assert data["provenance_chain"] == []
