"""``/sitemap.xml`` (public pages only, index past the size limit) and ``/robots.txt``."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from commons.export import seo

from .public_commons import CANARY, make_rex, private_world

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _locs(client, path: str = "/sitemap.xml") -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{NS}urlset"
    return {
        url.findtext(f"{NS}loc") or "": url.findtext(f"{NS}lastmod")
        for url in root.iter(f"{NS}url")
    }


def test_sitemap_lists_public_pages_and_public_rex_only(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    world = private_world(make_user, make_group)
    listed = make_group(name="Groupe répertorié")
    response = client.get("/sitemap.xml")
    assert CANARY not in response.get_data(as_text=True)
    assert CANARY.lower() not in response.get_data(as_text=True)
    locs = _locs(client)
    base = "http://commons.test"
    rex = world["public"]
    assert locs[f"{base}/rex/{rex.slug}"] == rex.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    for path in (
        "/",
        "/communs/",
        "/rex/",
        "/licences/",
        "/licences/CC-BY-4.0",
        "/charte",
        "/aide",
    ):
        assert base + path in locs, path
    assert f"{base}/groupes/{listed.slug}" in locs
    assert f"{base}/groupes/{world['group'].slug}" not in locs  # unlisted
    assert sum(1 for loc in locs if "/rex/" in loc and loc != f"{base}/rex/") == 1
    for loc in locs:  # every listed URL answers an anonymous visitor
        assert client.get(loc.removeprefix(base)).status_code == 200, loc


def test_sitemap_becomes_an_index_past_the_limit(client, make_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rows = [make_rex(author, f"REX {n}") for n in range(5)]
    monkeypatch.setattr(seo, "CHUNK", 2)
    root = ET.fromstring(client.get("/sitemap.xml").get_data())
    assert root.tag == f"{NS}sitemapindex"
    parts = [s.findtext(f"{NS}loc") or "" for s in root.iter(f"{NS}sitemap")]
    assert len(parts) == 4  # the site's pages, then 3 blocks of at most 2 REX
    seen: list[str] = []
    for part in parts:
        seen += _locs(client, part.removeprefix("http://commons.test"))
    assert sorted(loc for loc in seen if "/rex/" in loc and not loc.endswith("/rex/")) == sorted(
        f"http://commons.test/rex/{r.slug}" for r in rows
    )
    assert client.get("/sitemap-4.xml").status_code == 404


def test_robots_points_to_the_sitemap_and_keeps_crawlers_out_of_private_areas(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert "Sitemap: http://commons.test/sitemap.xml" in lines
    for path in ("/compte/", "/groupes/*/espace", "/notifications/", "/forum/", "/connexion"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /communs/" not in lines and "Disallow: /rex/" not in lines
