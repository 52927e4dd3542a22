"""The search page ``/recherche``: French full-text search over what the reader may see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request
from flask_login import current_user

from .. import db
from ..collectivites import vocab as coll_vocab
from ..groups import policy as groups
from ..licensing import registry
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
    backend = get_backend(current_app._get_current_object())  # type: ignore[attr-defined]
    scope = (bool(current_user.is_authenticated), groups.group_ids_of(current_user))
    results = recheck(db.session, current_user, answer(backend, text, scope, **options))
    if results.corrected_from and not results.hits:
        results = recheck(
            db.session, current_user, backend.search(text, visibility_filter=scope, **options)
        )
        results.suggestion = None
    if results.suggestion:
        probe = backend.search(
            results.suggestion, visibility_filter=scope, filters=options.get("filters")
        )
        if not visible_hits(db.session, current_user, probe.hits):
            results.suggestion = None
    return results


@bp.route("/recherche")
def search() -> tuple[str, int]:
    text = (request.args.get("q") or "").strip()[:1000]
    sort = "date" if request.args.get("tri") == "date" else "relevance"
    page = min(page_number(request.args), 500)
    filters = _filters(request.args)
    chosen = {arg: (request.args.get(arg) or "").strip()[:60] for arg in FILTERS}
    results, busy, throttled = None, False, False
    if (text or filters) and not hit(
        "search",
        client_address(),
        int(current_app.config["SEARCHES_PER_MINUTE"]),
        timedelta(minutes=1),
    ):
        throttled = True
    elif text or filters:
        try:
            results = checked_search(text, filters=filters, sort=sort, page=page)
        except (IndexBusy, ValueError):
            busy = True
    return render_template(
        "search/results.html",
        q=text,
        results=results,
        busy=busy,
        throttled=throttled,
        sort=sort,
        filters=chosen,
        without=lambda arg: {k: v for k, v in chosen.items() if v and k != arg},
        facet_args=FILTERS,
        labels=facet_labels(),
        has_facets=bool(results and any(results.facets.get(f) for f in FILTERS.values())),
    ), (429 if throttled else 200)


def init_app(app: Flask) -> None:
    """Register the search page and its navigation entry."""
    from ..navigation import add_nav

    app.register_blueprint(bp)
    add_nav(app, "search.search", "Recherche")
