"""Static files: fingerprinted URLs, immutable caching only for the current fingerprint."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import commons


def test_pages_link_fingerprinted_static_files(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/static/commons\.css\?v=([0-9a-f]{12}))"', html)
    assert href is not None, "the stylesheet link carries no fingerprint"
    css = Path(commons.__file__).parent / "static" / "commons.css"
    assert href.group(2) == hashlib.sha256(css.read_bytes()).hexdigest()[:12]
    response = client.get(href.group(1))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.get_data() == css.read_bytes()
    response.close()


def test_stale_or_missing_fingerprint_is_revalidated(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/static/commons.css", "/static/commons.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300, must-revalidate"
        response.close()


def test_unknown_static_file_is_a_404_without_cache(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/static/../config.py?v=x")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_public_page_answers_conditional_get(client) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/charte")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in first.headers["Vary"]
    again = client.get("/charte", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/charte", headers={"If-None-Match": '"autre-version"'})
    assert other.status_code == 200 and other.get_data() == first.get_data()


def test_signed_in_pages_are_private(client, make_user) -> None:  # type: ignore[no-untyped-def]
    from .conftest import login

    login(client, make_user())
    response = client.get("/charte")
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_posts_and_errors_get_no_etag(client) -> None:  # type: ignore[no-untyped-def]
    assert "ETag" not in client.get("/page-inexistante").headers
    assert "ETag" not in client.post("/connexion", data={}).headers
