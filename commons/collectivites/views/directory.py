"""The directory of collectivités and the page of one of them, with its agents."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from ... import params
from ...pagecache import for_visitors
from .. import policy, queries, vocab
from . import bp

PER_PAGE = 50


@bp.route("/")
@for_visitors
def index() -> str:
    q = (request.args.get("q") or "").strip()[:100]
    kind, region = request.args.get("type") or "", request.args.get("region") or ""
    page = params.page(request.args)
    rows = queries.directory(q, kind, region)
    shown = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    return render_template(
        "collectivites/index.html",
        **{"rows": shown, "total": len(rows), "page": page, "per_page": PER_PAGE},
        **{"q": q, "kind": kind, "region": region, "vocab": vocab},
    )


@bp.route("/<slug>")
def show(slug: str) -> str:
    collectivite = queries.by_slug(slug)
    if collectivite is None or not policy.can_view_collectivite(current_user, collectivite):
        abort(404)
    members = policy.can_view_members(current_user, collectivite)
    return render_template(
        "collectivites/show.html",
        c=collectivite,
        members=queries.confirmed_agents(collectivite) if members else [],
        count=queries.agent_count(collectivite),
        vocab=vocab,
        can_see_members=members,
        can_edit=policy.can_review(current_user),
    )
