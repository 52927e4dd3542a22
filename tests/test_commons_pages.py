"""``/communs/`` (public REX list with filters, without login), the JSON-LD and « Comment
citer » of public REX pages, and the citation downloads."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from commons import db

from .conftest import login
from .public_commons import CANARY, QueryCounter, make_rex, private_world


def _jsonld(page: str) -> list[Any]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, flags=re.S)
    return [json.loads(block) for block in blocks]


def _titles(page: str) -> list[str]:
    return [
        html.unescape(t) for t in re.findall(r'<h2 class="h3"><a href="[^"]+">([^<]+)</a>', page)
    ]


def test_communs_lists_public_rex_to_anonymous_visitors(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    world = private_world(make_user, make_group)
    response = client.get("/communs/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _titles(page) == [world["public"].title]
    assert CANARY not in page and CANARY.lower() not in page
    assert "1 retour d'expérience en communs" in page


def test_communs_shows_only_public_rex_even_to_group_members(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    world = private_world(make_user, make_group)
    login(client, world["insider"])
    page = client.get("/communs/").get_data(as_text=True)
    assert _titles(page) == [world["public"].title]
    assert f"Groupe {CANARY}" not in page and f"Réseau {CANARY}" not in page


def test_communs_filters(client, make_user, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    bordeaux = make_collectivite("Bordeaux", kind="commune", departement="33")
    gironde = make_collectivite("Gironde", kind="departement", departement="33")
    rennes = make_collectivite("Rennes", kind="commune", departement="35")
    author = make_user()
    make_rex(author, "Cantine bio", themes=["alimentation"], collectivite_ids=[bordeaux.id])
    make_rex(
        author,
        "Plan vélo",
        themes=["culture"],
        collectivite_ids=[gironde.id],
        licence_id="CC-BY-4.0",
        status="termine",
    )
    make_rex(
        author, "Budget participatif", summary="Un vote en ligne", collectivite_ids=[rennes.id]
    )

    def titles(query: str) -> set[str]:
        response = client.get("/communs/" + query)
        assert response.status_code == 200
        return set(_titles(response.get_data(as_text=True)))

    assert titles("?theme=alimentation") == {"Cantine bio"}
    assert titles("?type=departement") == {"Plan vélo"}
    assert titles("?region=53") == {"Budget participatif"}  # Bretagne
    assert titles("?region=75") == {"Cantine bio", "Plan vélo"}  # Nouvelle-Aquitaine
    assert titles("?licence=CC-BY-4.0") == {"Plan vélo"}
    assert titles("?statut=termine") == {"Plan vélo"}
    assert titles("?q=VOTE+en") == {"Budget participatif"}  # summary, case-insensitive
    assert titles("?q=cantine") == {"Cantine bio"}
    assert titles("?q=100%25") == set()  # LIKE wildcards are literal
    assert titles("?theme=alimentation&region=53") == set()
    # Unknown values are ignored, never an error.
    assert len(titles("?theme=inconnu&type=%00&region=999&licence=x&statut=y&page=abc")) == 3


def test_communs_paginates_and_counts_queries_independently_of_size(
    app, client, make_user, make_collectivite
) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    coll = make_collectivite()
    for n in range(5):
        make_rex(author, f"REX {n:02d}", themes=["culture"], collectivite_ids=[coll.id])
    with QueryCounter(app) as few:
        assert client.get("/communs/").status_code == 200
    for n in range(5, 45):
        make_rex(author, f"REX {n:02d}", themes=["culture"], collectivite_ids=[coll.id])
    with QueryCounter(app) as many:
        page = client.get("/communs/").get_data(as_text=True)
    assert len(_titles(page)) == 20
    assert many.count == few.count, many.statements
    assert 'rel="next"' in page and "Page 1 sur 3" in page
    last = client.get("/communs/?page=3").get_data(as_text=True)
    assert _titles(last) == [f"REX {n:02d}" for n in range(4, -1, -1)]
    assert 'rel="prev"' in last and 'rel="next"' not in last
    by_title = client.get("/communs/?tri=titre").get_data(as_text=True)
    assert _titles(by_title)[:2] == ["REX 00", "REX 01"]


def test_public_rex_page_has_jsonld_with_credits_licence_and_dates(
    client, make_user, make_collectivite
) -> None:  # type: ignore[no-untyped-def]
    author = make_user(name="Alice Martin")
    coll = make_collectivite("Bègles")
    rex = make_rex(
        author,
        "Cantine bio",
        summary="Du bio à la cantine.",
        themes=["alimentation", "culture"],
        collectivite_ids=[coll.id],
        licence_id="CC-BY-SA-4.0",
    )
    response = client.get(f"/rex/{rex.slug}")
    assert response.status_code == 200
    [data] = _jsonld(response.get_data(as_text=True))
    assert data["@context"] == "https://schema.org" and data["@type"] == "Article"
    assert data["headline"] == "Cantine bio"
    assert data["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert data["author"] == [{"@type": "Person", "name": "Alice Martin"}]
    assert data["keywords"] == ["Alimentation", "Culture"]
    assert data["datePublished"] == rex.created_at.isoformat()
    assert data["dateModified"] == rex.updated_at.isoformat()
    assert data["url"] == f"http://commons.test/rex/{rex.slug}"
    assert data["identifier"] == f"urn:uuid:{rex.uuid}"
    assert data["publisher"]["name"] == "Commons"
    assert data["isPartOf"]["url"] == "http://commons.test/communs/"
    assert data["about"][0]["name"] == "Bègles"
    assert data["description"] == "Du bio à la cantine."


def test_jsonld_follows_the_attribution_mode(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user(name="Nom Secret Camille")
    chatham = make_rex(author, "Publié sans noms")
    chatham.attribution_mode = "chatham"
    chatham.credits = [{"name": "un·e chargé·e de mission d'une commune", "role": "chatham"}]
    grouped = make_rex(author, "Publié au nom du groupe")
    grouped.attribution_mode = "group"
    grouped.credits = [{"name": "Groupe « Cantines »", "role": "group"}]
    db.session.commit()
    page = client.get(f"/rex/{chatham.slug}").get_data(as_text=True)
    [data] = _jsonld(page)
    assert data["author"] == [{"@type": "Person", "name": "un·e chargé·e de mission d'une commune"}]
    assert "Nom Secret Camille" not in json.dumps(data, ensure_ascii=False)
    citation = page[page.index('id="titre-citer"') :]
    assert "Nom Secret Camille" not in citation
    assert "un·e chargé·e de mission d&#39;une commune (20" in citation
    [data] = _jsonld(client.get(f"/rex/{grouped.slug}").get_data(as_text=True))
    assert data["author"] == [{"@type": "Organization", "name": "Groupe « Cantines »"}]


def test_jsonld_cannot_be_broken_out_of(client, make_user) -> None:  # type: ignore[no-untyped-def]
    title = "Fin </script><script>alert(1)</script> & <!-- « »"
    rex = make_rex(make_user(), title, summary="</SCRIPT>resume")
    page = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "</SCRIPT>resume" not in page
    # The JSON-LD block plus the site's own script files (commons.js, disclosure.js: no inline
    # code).
    head = page[: page.index("</head>")]
    for own in ('<script src="/static/commons.js', '<script src="/static/disclosure.js'):
        head = head.replace(own, "")
    assert head.count("<script") == 1 and head.count("</script>") == 3
    [data] = _jsonld(page)
    assert data["headline"] == title and data["description"] == "</SCRIPT>resume"


def test_jsonld_and_public_citation_only_for_public_rex(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member = make_user()
    group = make_group(members=(member,))
    network = make_rex(member, "REX réseau", space="network")
    private = make_rex(member, "REX de groupe", space="group", group=group)
    login(client, member)
    for rex in (network, private):
        page = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
        assert rex.title in page
        assert "application/ld+json" not in page
        assert "citation.bib" not in page
        assert client.get(f"/communs/rex/{rex.slug}/citation.bib").status_code == 404
        assert client.get(f"/communs/rex/{rex.slug}/citation.json").status_code == 404


def test_hidden_public_rex_has_no_jsonld_nor_citation(client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Masqué")
    rex.hidden = True
    db.session.commit()
    assert client.get(f"/communs/rex/{rex.slug}/citation.bib").status_code == 404
    response = client.get(f"/rex/{rex.slug}")
    assert "application/ld+json" not in response.get_data(as_text=True)


def test_citation_block_and_downloads(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user(name="Alice Martin")
    rex = make_rex(author, "Cantine bio 100% & {local}_", licence_id="CC-BY-4.0")
    page = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    block = page[page.index('id="titre-citer"') :]
    year = rex.updated_at.year
    assert f"Alice Martin ({year}). « Cantine bio 100% &amp; {{local}}_ », retour" in block
    assert f"http://commons.test/rex/{rex.slug}" in block
    assert "Creative Commons Attribution 4.0" in block
    bib = client.get(f"/communs/rex/{rex.slug}/citation.bib")
    assert bib.status_code == 200 and bib.mimetype == "application/x-bibtex"
    assert "attachment" in bib.headers["Content-Disposition"]
    text = bib.get_data(as_text=True)
    assert text.startswith("@misc{commons-")
    assert "title = {Cantine bio 100\\% \\& \\{local\\}\\_}" in text
    assert "author = {Alice Martin}" in text
    assert text.count("{") == text.count("}") + text.count("\\}") - text.count("\\{")
    csl = client.get(f"/communs/rex/{rex.slug}/citation.json")
    [item] = json.loads(csl.get_data(as_text=True))
    assert item["title"] == rex.title and item["author"] == [{"literal": "Alice Martin"}]
    assert item["URL"] == f"http://commons.test/rex/{rex.slug}"
    assert item["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_citation_downloads_say_their_charset(client, make_user) -> None:  # type: ignore[no-untyped-def]
    """BibTeX and CSL-JSON are ``application/…`` types, to which Werkzeug adds no charset: the
    downloads say UTF-8 themselves, and the bytes are UTF-8 (a non-ASCII title survives)."""
    rex = make_rex(
        make_user(name="Élodie Gaël"), "Réseau de chaleur à Brest", licence_id="CC-BY-4.0"
    )
    for path, mimetype in (
        ("citation.bib", "application/x-bibtex"),
        ("citation.json", "application/vnd.citationstyles.csl+json"),
    ):
        response = client.get(f"/communs/rex/{rex.slug}/{path}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == f"{mimetype}; charset=utf-8", path
        assert response.mimetype_params == {"charset": "utf-8"}
        assert "Réseau de chaleur à Brest".encode() in response.get_data(), path
        assert "Élodie Gaël".encode() in response.get_data(), path


def test_feed_links_in_page_heads(client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Cantine bio", themes=["culture"])
    for path in ("/communs/", f"/rex/{rex.slug}"):
        head = client.get(path).get_data(as_text=True).split("</head>")[0]
        assert 'rel="alternate" type="application/atom+xml"' in head
        assert 'href="/communs/flux.atom"' in head
    head = client.get("/communs/?theme=culture").get_data(as_text=True).split("</head>")[0]
    assert 'href="/communs/themes/culture/flux.atom"' in head


def test_csp_does_not_allow_inline_scripts_and_jsonld_is_data(client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Cantine bio")
    response = client.get(f"/rex/{rex.slug}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    scripts = re.findall(r"<script([^>]*)>", response.get_data(as_text=True))
    assert scripts[2:] == [' type="application/ld+json"']
    assert re.fullmatch(r' src="/static/commons\.js\?v=\w+" defer', scripts[0])
    assert re.fullmatch(r' src="/static/disclosure\.js\?v=\w+" defer', scripts[1])
