"""Read-only JSON API of the public commons under ``/api/v1/`` (described by
``/api/v1/openapi.json``, see :mod:`commons.export.openapi`).

Public content only (:mod:`commons.export.public`): never network, group or hidden REX, e-mail
addresses or user ids. Every answer is JSON (errors too, in French: ``{"error": …}``), carries an
ETag (conditional GET → 304) and ``Access-Control-Allow-Origin: *`` without credentials.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, current_app, request, url_for
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response

from .. import db
from ..collectivites import vocab as coll_vocab
from ..collectivites.models import Collectivite
from ..licensing import registry
from ..pagecache import for_visitors
from ..security import csrf
from ..wiki.models import Revision, Rex, rex_collectivite, rex_theme
from ..wiki.vocab import themes as theme_vocab
from . import openapi, public
from .citation import Citation, canonical_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
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
    return answer({"error": message or MESSAGES.get(status, "Requête refusée.")}, status, headers)


def licence_ref(licence_id: str) -> dict[str, str]:
    licence = registry.get(licence_id)
    return {"id": licence.id, "name": licence.name, "url": licence.url}


def collectivite_ref(c: Collectivite) -> dict[str, Any]:
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
    source = db.session.scalar(
        select(Revision.source).where(Revision.rex_id == rex.id, Revision.number == rex.head)
    )
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


@bp.route("/")
def index() -> Response:
    return answer(
        {
            "name": f"API des communs de {public.site_name()}",
            "version": "1",
            "openapi": public.absolute("api.openapi"),
            "rex": public.absolute("api.rex_list"),
            "themes": public.absolute("api.themes"),
            "collectivites": public.absolute("api.collectivites"),
            "licences": public.absolute("api.licences"),
        }
    )


@bp.route("/rex")
@for_visitors
def rex_list() -> Response:
    try:
        filters = public.Filters.parse(request.args, strict=True)
    except public.FilterError as exc:
        return error(400, str(exc))
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
    return answer(data, headers=headers)


@bp.route("/rex/<slug>")
@for_visitors
def rex_detail(slug: str) -> Response:
    rex, old = public.lookup(slug)
    if rex is None:
        return error(404, "Aucun REX public ne porte cet identifiant.")
    if old:
        target = url_for("api.rex_detail", slug=rex.slug)
        return error(301, "Ce REX a été renommé.", Location=target)
    return answer(rex_full(rex))


@bp.route("/themes")
@for_visitors
def themes() -> Response:
    counts = dict(
        db.session.execute(
            select(rex_theme.c.theme, func.count())
            .join(Rex, Rex.id == rex_theme.c.rex_id)
            .where(public.public_clause())
            .group_by(rex_theme.c.theme)
        ).all()
    )
    items = [
        {"code": code, "label": label, "rex_count": counts.get(code, 0)}
        for code, label in theme_vocab().items()
    ]
    return answer({"items": items})


@bp.route("/collectivites")
@for_visitors
def collectivites() -> Response:
    rows = db.session.execute(
        select(Collectivite, func.count(Rex.id))
        .join(rex_collectivite, rex_collectivite.c.collectivite_id == Collectivite.id)
        .join(Rex, Rex.id == rex_collectivite.c.rex_id)
        .where(public.public_clause(), Collectivite.validated.is_(True))
        .group_by(Collectivite.id)
        .order_by(Collectivite.name, Collectivite.id)
    ).all()
    return answer(
        {
            "items": [collectivite_ref(c) | {"rex_count": int(n)} for c, n in rows],
            "types": [{"code": k, "label": v} for k, v in coll_vocab.kinds().items()],
            "regions": [{"code": k, "label": v} for k, v in coll_vocab.regions().items()],
        }
    )


@bp.route("/licences")
def licences() -> Response:
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
    return answer({"items": items})


@bp.route("/openapi.json", endpoint="openapi")
def openapi_document() -> Response:
    return answer(openapi.document())


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/", methods=["POST", "PUT", "PATCH", "DELETE"], endpoint="index_write")
def fallback(rest: str = "") -> Response:
    """Unknown API paths are 404 and writes to known ones 405, both in JSON (the site's HTML
    error pages would otherwise answer)."""
    if request.method != "GET" and _is_api_route(request.path):
        return error(405, Allow=READ_METHODS)
    return error(404)


def _is_api_route(path: str) -> bool:
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(path, method="GET")
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return False
    return endpoint not in ("api.fallback", "api.index_write")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return error(exc.code or 500)


@bp.errorhandler(Exception)
def _server_error(exc: Exception) -> Response:
    db.session.rollback()
    current_app.logger.exception("Erreur de l'API", exc_info=exc)
    return error(500)


@bp.after_request
def _cors(response: Response) -> Response:
    """Anyone may read the API from a browser: GET without credentials."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = READ_METHODS
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def init_app(app: Flask) -> None:
    """Register the API. It only reads, so CSRF does not apply: a write method gets a JSON 405
    rather than the site's CSRF page."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
