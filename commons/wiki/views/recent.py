"""« Dernières modifications »: the recent revisions and events of every REX the reader may
see, filterable by space, group and theme, paginated (:func:`..timeline.recent`)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import current_user

from ...groups import policy as groups_policy
from .. import queries, timeline
from ..models import SPACE_LABELS, Space
from ..vocab import themes as theme_vocab
from . import bp

MAX_PAGE = 200


def _args() -> dict[str, Any]:
    """Filters from the query string; unknown values are ignored, never an error."""
    space = request.args.get("espace", "")
    theme = request.args.get("theme", "")[:60]
    group = request.args.get("groupe", 0, type=int) or 0
    return {
        "espace": space if space in {s.value for s in Space} else "",
        "theme": theme if theme in theme_vocab() else "",
        "groupe": group if group in groups_policy.group_ids_of(current_user) else 0,
    }


@bp.route("/dernieres-modifications")
def recent_changes() -> str:
    args = _args()
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    items, pages = timeline.recent(current_user, args, page)
    return render_template(
        "wiki/recent.html",
        items=items,
        page=min(page, pages),
        pages=pages,
        args=args,
        link_args={k: v for k, v in args.items() if v},
        spaces=[(s.value, SPACE_LABELS[s]) for s in Space],
        themes=sorted(theme_vocab().items(), key=lambda kv: kv[1]),
        my_groups=queries.groups_by_ids(groups_policy.group_ids_of(current_user)),
    )
