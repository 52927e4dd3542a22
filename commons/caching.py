"""HTTP caching: fingerprinted static files, and conditional GET on pages.

Pages and JSON/XML responses to GET get an ``ETag`` (a hash of the body) and answer
``If-None-Match`` with ``304 Not Modified``; ``Cache-Control: no-cache`` makes clients and
proxies revalidate every time, ``private`` whenever the request carries a cookie (a signed-in
page, a flash message) and ``Vary: Cookie``. Views that set their own validators (the export
archive) or stream their body are left alone.

Static files:

``url_for('static', filename='commons.css')`` gains ``?v=<content hash>``; a request carrying
the current hash is served ``Cache-Control: public, max-age=31536000, immutable``, anything
else (no or stale hash) gets a short revalidated cache. A new deployment changes the hash, so
browsers fetch the new file at once. Hashes are computed once per file per process.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

YEAR = 31_536_000


def init_app(app: Flask) -> None:
    """Add the version parameter to static URLs and the matching cache headers."""
    hashes: dict[str, str | None] = {}
    root = Path(app.static_folder or "")

    def fingerprint(filename: str) -> str | None:
        if filename not in hashes:
            path = (root / filename).resolve()
            ok = path.is_file() and path.is_relative_to(root.resolve())
            hashes[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if ok else None
        return hashes[filename]

    @app.url_defaults
    def _version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or "v" in values or not values.get("filename"):
            return
        if (digest := fingerprint(str(values["filename"]))) is not None:
            values["v"] = digest

    @app.after_request
    def _cache(response: Response) -> Response:
        if request.endpoint != "static":
            return _conditional(response)
        if response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        current = fingerprint(str(filename))
        if current is not None and request.args.get("v") == current:
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        else:
            response.headers["Cache-Control"] = "public, max-age=300, must-revalidate"
        return response


CONDITIONAL_TYPES = frozenset(
    {"text/html", "application/json", "application/xml", "application/atom+xml", "text/plain"}
)


def _conditional(response: Response) -> Response:
    """ETag + ``304`` for a cacheable GET response (see the module docstring)."""
    if (
        request.method not in ("GET", "HEAD")
        or response.status_code != 200
        or response.is_streamed
        or response.direct_passthrough
        or response.mimetype not in CONDITIONAL_TYPES
    ):
        return response
    response.vary.add("Cookie")
    if "Cache-Control" not in response.headers:
        scope = "private" if request.cookies else "public"
        response.headers["Cache-Control"] = f"{scope}, no-cache"
    if "ETag" not in response.headers:
        response.add_etag()
    response.make_conditional(request)  # changes the response in place (304…)
    return response
