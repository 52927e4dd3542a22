"""What the read-only JSON API of the public commons answers (its routes are in
:mod:`.views.api`, under ``/api/v1/``, described by ``/api/v1/openapi.json``, see
:mod:`commons.export.openapi`).

Public content only (:mod:`commons.export.public`): never network, group or hidden REX, e-mail
addresses or user ids. Every answer is JSON (errors too, in French: ``{"error": …}``), carries an
ETag (conditional GET → 304) and ``Access-Control-Allow-Origin: *`` without credentials.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response

from ..collectivites import vocab as coll_vocab
from ..collectivites.models import Collectivite
from ..licensing import registry
from ..wiki.models import Rex
from ..wiki.vocab import themes as theme_vocab
from . import public, queries
from .citation import Citation, canonical_url

READ_METHODS = "GET, HEAD, OPTIONS"
MESSAGES = {
    400: "Requête invalide.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée : l'API est en lecture seule (GET).",
    500: "Erreur interne du serveur.",
}


def answer(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with an ETag, answered 304 when the client already has it."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json", headers=headers)
    if status == 200:
        response.cache_control.public = True
        response.cache_control.max_age = 60
        response.add_etag()
        return response.make_conditional(request)
    return response


def error(status: int, message: str | None = None, **headers: str) -> Response:
    """A JSON error: ``{"error": "message en français"}``."""
    return answer({"error": message or MESSAGES.get(status, "Requête refusée.")}, status, headers)


def licence_ref(licence_id: str) -> dict[str, str]:
    """A licence as lists show it."""
    licence = registry.get(licence_id)
    return {"id": licence.id, "name": licence.name, "url": licence.url}


def collectivite_ref(c: Collectivite) -> dict[str, Any]:
    """A collectivité as lists show it."""
    return {
        "slug": c.slug,
        "name": c.name,
        "type": c.kind,
        "departement": c.departement_code,
        "region": c.region_code,
    }


def rex_summary(rex: Rex) -> dict[str, Any]:
    """A REX in lists (no extra query: collectivités are loaded with the page)."""
    return {
        "uuid": rex.uuid,
        "slug": rex.slug,
        "title": rex.title,
        "summary": rex.summary,
        "kind": rex.kind,
        "status": rex.status,
        "themes": list(rex.themes),
        "licence": licence_ref(rex.licence_id),
        "collectivites": [collectivite_ref(c) for c in rex.collectivites if c.validated],
        "revision": rex.head,
        "created_at": rex.created_at.isoformat(),
        "updated_at": rex.updated_at.isoformat(),
        "provenance": rex.provenance,
        "url": public.rex_url(rex),
        "api_url": public.absolute("api.rex_detail", slug=rex.slug),
    }


def rex_full(rex: Rex) -> dict[str, Any]:
    """One REX with its credits, Markdown source and stored HTML."""
    source = queries.head_source(rex)
    citation = Citation.of(rex)
    return rex_summary(rex) | {
        "period": rex.period,
        "budget": rex.budget,
        "team_size": rex.team_size,
        "attribution_mode": rex.attribution_mode,
        "credits": [{"name": c.name, "role": c.role} for c in citation.credits],
        "citation": citation.text(),
        "canonical_url": canonical_url(rex),
        "provenance_chain": [
            {"instance": str(step.get("instance", "")), "url": str(step.get("url", ""))}
            for step in (rex.origin or {}).get("chain", [])
            if isinstance(step, dict)
        ],
        "markdown": source or "",
        "html": rex.html,
    }


def home() -> dict[str, str]:
    """The API's entry point: where each list is."""
    return {
        "name": f"API des communs de {public.site_name()}",
        "version": "1",
        "openapi": public.absolute("api.openapi"),
        "rex": public.absolute("api.rex_list"),
        "themes": public.absolute("api.themes"),
        "collectivites": public.absolute("api.collectivites"),
        "licences": public.absolute("api.licences"),
    }


def rex_page(filters: public.Filters) -> tuple[dict[str, Any], dict[str, str]]:
    """One page of public REX and its ``Link`` header (first, last, prev, next)."""
    page = public.listing(filters)

    def link(number: int) -> str:
        return public.absolute("api.rex_list", **filters.args(page=number))

    nav = {"first": link(1), "last": link(page.pages)}
    if page.page > 1:
        nav["prev"] = link(min(page.page - 1, page.pages))
    if page.page < page.pages:
        nav["next"] = link(page.page + 1)
    headers = {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in nav.items())}
    data = {
        "items": [rex_summary(rex) for rex in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "next": nav.get("next"),
        "previous": nav.get("prev"),
    }
    return data, headers


def themes() -> dict[str, Any]:
    """Every theme with its count of public REX."""
    counts = queries.theme_counts()
    items = [
        {"code": code, "label": label, "rex_count": counts.get(code, 0)}
        for code, label in theme_vocab().items()
    ]
    return {"items": items}


def collectivites() -> dict[str, Any]:
    """The collectivités of public REX, and the vocabularies of types and regions."""
    return {
        "items": [collectivite_ref(c) | {"rex_count": n} for c, n in queries.collectivite_counts()],
        "types": [{"code": k, "label": v} for k, v in coll_vocab.kinds().items()],
        "regions": [{"code": k, "label": v} for k, v in coll_vocab.regions().items()],
    }


def licences() -> dict[str, Any]:
    """The licences this instance knows."""
    items = [
        {
            "id": lic.id,
            "name": lic.name,
            "short_name": lic.short_name,
            "url": lic.url,
            "legal_code_url": lic.legal_code_url,
            "open": lic.open,
            "requires_attribution": lic.requires_attribution,
            "share_alike": lic.share_alike,
            "default": lic.default,
        }
        for lic in registry.licences().values()
    ]
    return {"items": items}


def is_api_route(path: str) -> bool:
    """Whether ``path`` is an API route that reads (so a write there is a 405, not a 404)."""
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(path, method="GET")
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return False
    return endpoint not in ("api.fallback", "api.index_write")
