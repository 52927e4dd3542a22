"""Routes of the read-only JSON API under ``/api/v1/`` (answers built in :mod:`..api`).

Every answer is JSON (errors too, in French), carries an ETag and
``Access-Control-Allow-Origin: *`` without credentials.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ... import lifecycle
from ...pagecache import for_visitors
from ...security import csrf
from .. import api, openapi, public
from ..api import READ_METHODS, answer, error

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/")
def index() -> Response:
    return answer(api.home())


@bp.route("/rex")
@for_visitors
def rex_list() -> Response:
    try:
        filters = public.Filters.parse(request.args, strict=True)
    except public.FilterError as exc:
        return error(400, exc.message)
    data, headers = api.rex_page(filters)
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
    return answer(api.rex_full(rex))


@bp.route("/themes")
@for_visitors
def themes() -> Response:
    return answer(api.themes())


@bp.route("/collectivites")
@for_visitors
def collectivites() -> Response:
    return answer(api.collectivites())


@bp.route("/licences")
def licences() -> Response:
    return answer(api.licences())


@bp.route("/openapi.json", endpoint="openapi")
def openapi_document() -> Response:
    return answer(openapi.document())


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/", methods=["POST", "PUT", "PATCH", "DELETE"], endpoint="index_write")
def fallback(rest: str = "") -> Response:
    """Unknown API paths are 404 and writes to known ones 405, both in JSON (the site's HTML
    error pages would otherwise answer)."""
    if request.method != "GET" and api.is_api_route(request.path):
        return error(405, Allow=READ_METHODS)
    return error(404)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return error(exc.code or 500)


@bp.errorhandler(Exception)
def _server_error(exc: Exception) -> Response:
    lifecycle.mark_failed()
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
