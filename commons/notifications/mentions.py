"""@mentions: ``@handle`` shown as a link to the person's profile, and the autocomplete that
suggests only people who can read the content being written.

The link is added when a page is shown (the ``mentions`` template filter over the stored,
already sanitised HTML), so nothing is stored twice and ``commons.markup`` stays the only Markdown
renderer. Text inside links, ``code`` and ``pre`` is left as it is.
"""

from __future__ import annotations

import re
from typing import Any

from flask import g, url_for
from markupsafe import Markup
from sqlalchemy import func, or_, select

from .. import db
from ..accounts.models import User
from .services import MENTION

TAG = re.compile(r"(<[^>]*>)")
OPENING = re.compile(r"<(a|code|pre)[\s>]", re.IGNORECASE)
CLOSING = re.compile(r"</(a|code|pre)\s*>", re.IGNORECASE)
MAX_SUGGESTIONS = 8


def _known(handles: set[str]) -> set[str]:
    """Handles of existing accounts among ``handles``, cached for the request."""
    cache: dict[str, bool] = g.setdefault("_mention_handles", {})
    missing = {h for h in handles if h not in cache}
    if missing:
        found = set(db.session.scalars(select(User.handle).where(User.handle.in_(missing))))
        cache.update({h: h in found for h in missing})
    return {h for h in handles if cache[h]}


def link_mentions(html: str) -> Markup:
    """``html`` with each ``@handle`` of an existing account made a link to its profile."""
    html = str(html)
    if "@" not in html:
        return Markup(html)
    parts = TAG.split(html)
    handles = {
        m.group(1).lower() for i, p in enumerate(parts) if i % 2 == 0 for m in MENTION.finditer(p)
    }
    known = _known(handles) if handles else set()
    if not known:
        return Markup(html)
    depth = 0
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            if OPENING.match(part):
                depth += 1
            elif CLOSING.match(part):
                depth = max(depth - 1, 0)
            continue
        if depth == 0 and "@" in part:
            parts[i] = MENTION.sub(lambda m: _link(m, known), part)
    return Markup("".join(parts))


def _link(match: re.Match[str], known: set[str]) -> str:
    handle = match.group(1).lower()
    if handle not in known:
        return match.group(0)
    url = url_for("accounts.profile", handle=handle)
    return f'<a class="mention" href="{url}">@{handle}</a>'


def audience(thread: Any = None, group_id: int | None = None) -> Any:
    """SQL condition on :class:`User`: who can read a thread (or a new one in ``group_id``, or
    in the network when both are ``None``): a group's members, else every active agent."""
    from ..groups.models import Membership

    group_id = thread.group_id if thread is not None else group_id
    active = User.email_confirmed_at.is_not(None)
    if group_id is not None:
        members = select(Membership.user_id).where(Membership.group_id == group_id)
        return (User.id.in_(members), active)
    return (active,)


def suggest(actor: Any, prefix: str, thread: Any = None, group_id: int | None = None) -> list[Any]:
    """Up to eight people whose handle or name starts with ``prefix`` and who can read the
    thread (or the group's or network's new threads), checked again one by one with the
    forum's predicate when a thread is given. Never the actor."""
    from ..forum import policy as forum_policy

    prefix = prefix.strip().lstrip("@").lower()[:40]
    if not prefix or "\x00" in prefix:
        return []
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (
        select(User)
        .where(
            *audience(thread, group_id),
            User.id != actor.id,
            or_(
                User.handle.like(like, escape="\\"),
                func.lower(User.display_name).like(like, escape="\\"),
                func.lower(User.display_name).like("% " + like, escape="\\"),
            ),
        )
        .order_by(User.handle)
        .limit(MAX_SUGGESTIONS * 2)
    )
    people = [u for u in db.session.scalars(query) if u.is_active]
    if thread is not None:
        people = [u for u in people if forum_policy.can_view_thread(u, thread)]
    return people[:MAX_SUGGESTIONS]
