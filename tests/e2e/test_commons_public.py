"""The public commons in a real browser: ``/communs/`` without an account, a public REX's
JSON-LD read as the browser sees it (no CSP violation: it is data, not a script), the citation
downloads, and the feed and API a re-user would fetch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
from playwright.sync_api import Page, expect

REX = "angers-budget-participatif"  # a public REX shipped in content/rex


def test_anonymous_visitor_browses_filters_and_cites(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(server.url("/communs/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Les communs")
    page.get_by_label("Mots du titre ou du résumé").fill("budget")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"/communs/\?q=budget"))
    page.locator(f'main a[href="/rex/{REX}"]').click()
    expect(page.get_by_role("heading", name="Comment citer")).to_be_visible()

    jsonld = page.locator('script[type="application/ld+json"]').text_content()
    data = json.loads(jsonld or "")
    assert data["@type"] == "Article" and data["headline"] == page.locator("h1").text_content()
    assert data["license"].startswith("https://")
    assert data["author"] and all(a["name"] for a in data["author"])
    assert not [m for m in console if "Content Security Policy" in m], console

    with page.expect_download() as info:
        page.get_by_role("link", name="BibTeX de ce REX").click()
    bibtex = Path(info.value.path()).read_text(encoding="utf-8")
    assert bibtex.startswith("@misc{") and data["url"] in bibtex


def test_feed_and_api_answer_a_reuser(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    feed = page.request.get(server.url("/communs/flux.atom"))
    parsed = feedparser.parse(feed.body())
    assert not parsed.bozo and parsed.entries
    api = page.request.get(server.url("/api/v1/rex?par_page=5"))
    assert api.headers["access-control-allow-origin"] == "*"
    data = api.json()
    assert data["items"] and data["total"] >= len(data["items"])
    one = page.request.get(data["items"][0]["api_url"])  # BASE_URL is the test server
    assert one.ok and one.json()["markdown"]
