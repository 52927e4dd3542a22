"""The search page ``/recherche``: French full-text search over what the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request
from flask_login import current_user

from .. import db
from ..collectivites import vocab as coll_vocab
from ..groups import policy as groups
from ..licensing import registry
from ..navigation import add_nav
from ..params import optional_number
from ..params import page as page_number
from ..security import client_address, hit
from ..wiki.vocab import themes as theme_vocab
from .backends import answer, get_backend
from .recheck import recheck, visible_hits
from .results import IndexBusy, SearchResults

bp = Blueprint("search", __name__, template_folder="templates")
KINDS = {
    "rex": "Retours d'expérience",
    "thread": "Discussions",
    "group": "Groupes",
    "collectivite": "Collectivités",
    "post": "Messages",
}
#: Query-string name -> facet name of the index.
FILTERS = {
    "type_doc": "kind",
    "theme": "themes",
    "type": "kind_coll",
    "licence": "licence",
    "annee": "year",
}


def _filters(args: Any) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for arg, facet in FILTERS.items():
        value = (args.get(arg) or "").strip()[:60]
        if not value:
            continue
        if facet == "year":
            if (year := optional_number(value, maximum=9999)) is not None:
                chosen[facet] = year
        else:
            chosen[facet] = [value] if facet in ("themes", "kind_coll") else value
    return chosen


def facet_labels() -> dict[str, dict[Any, str]]:
    """Readable labels of facet values."""
    return {
        "kind": KINDS,
        "themes": theme_vocab(),
        "kind_coll": coll_vocab.kinds(),
        "licence": {k: v.short_name for k, v in registry.licences().items()},
    }


def checked_search(text: str, **options: Any) -> SearchResults:
    """The answer of the backend for the current user (see :func:`.backends.answer`),
    re-checked against the database: a stale index never shows a title that is private or
    hidden now (:mod:`.recheck`). A correction or a suggestion is kept only when it finds
    something the user may see now (else it could reveal a word of a private document)."""
    backend = get_backend(current_app)
    scope = (bool(current_user.is_authenticated), groups.group_ids_of(current_user))
    results = recheck(db.session(), current_user, answer(backend, text, scope, **options))
    if results.corrected_from and not results.hits:
        results = recheck(
            db.session(), current_user, backend.search(text, visibility_filter=scope, **options)
        )
        results.suggestion = None
    if results.suggestion:
        probe = backend.search(
            results.suggestion, visibility_filter=scope, filters=options.get("filters")
        )
        if not visible_hits(db.session(), current_user, probe.hits):
            results.suggestion = None
    return results


@dataclass
class Outcome:
    """What the search page shows besides the form: results, or why there are none."""

    results: SearchResults | None = None
    busy: bool = False
    throttled: bool = False


def run(text: str, filters: dict[str, Any], sort: str, page: int) -> Outcome:
    """Search if there is anything to search for: at most ``SEARCHES_PER_MINUTE`` per address,
    and a busy or failing index is said, never a 500."""
    if not (text or filters):
        return Outcome()
    limit = int(current_app.config["SEARCHES_PER_MINUTE"])
    if not hit("search", client_address(), limit, timedelta(minutes=1)):
        return Outcome(throttled=True)
    try:
        return Outcome(checked_search(text, filters=filters, sort=sort, page=page))
    except (IndexBusy, ValueError):
        return Outcome(busy=True)


@bp.route("/recherche")
def search() -> tuple[str, int]:
    text = (request.args.get("q") or "").strip()[:1000]
    sort = "date" if request.args.get("tri") == "date" else "relevance"
    page = min(page_number(request.args), 500)
    outcome = run(text, _filters(request.args), sort, page)
    chosen = {arg: (request.args.get(arg) or "").strip()[:60] for arg in FILTERS}
    return render_template(
        "search/results.html", q=text, sort=sort, filters=chosen, **_page(outcome, chosen)
    ), (429 if outcome.throttled else 200)


def _page(outcome: Outcome, chosen: dict[str, str]) -> dict[str, Any]:
    """What the results template needs besides the query: the outcome and the facets."""
    results = outcome.results
    return {
        "results": results,
        "busy": outcome.busy,
        "throttled": outcome.throttled,
        "without": lambda arg: {k: v for k, v in chosen.items() if v and k != arg},
        "facet_args": FILTERS,
        "labels": facet_labels(),
        "has_facets": bool(results and any(results.facets.get(f) for f in FILTERS.values())),
    }


def init_app(app: Flask) -> None:
    """Register the search page and its navigation entry."""
    app.register_blueprint(bp)
    add_nav(app, "search.search", "Recherche")
