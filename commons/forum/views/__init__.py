"""Forum pages: the Agora and its categories, thread pages, posts, REX talk pages and the
group agenda. ``bp`` is the forum's blueprint; the submodules add their routes to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask

from ... import lifecycle
from ...integrity.forms import OnceForm
from ...navigation import add_nav
from ..compose import add_compose_part as add_compose_part  # the files room adds its part

bp = Blueprint("forum", __name__, url_prefix="/forum", template_folder="../templates")


def created_once(target: Any, form: OnceForm, create: Callable[[], str]) -> Any:
    """Claim the form's one-time token, then create, in one savepoint
    (:func:`lifecycle.attempt`): ``(url, new)`` with the URL of what was created (the first
    result when the form is sent again, ``new`` false), or ``REFUSED`` with the message on
    ``target`` (nothing created, the token free for the corrected form)."""

    def run() -> tuple[str, bool]:
        if first := form.replayed():
            return first, False
        url = create()
        form.fulfil(url)
        return url, True

    return lifecycle.attempt(target, run)


def init_app(app: Flask) -> None:
    """Register the blueprints, the group and REX sections and the navigation entry."""
    from ...groups.views import add_private_section
    from ...wiki.views import add_rex_section
    from . import agenda, categories, posts, sections, threads  # noqa: F401  (their routes)

    add_private_section(app, sections.group_section)
    add_private_section(app, agenda.group_section)
    add_rex_section(app, sections.rex_section)
    app.register_blueprint(bp)
    app.register_blueprint(agenda.bp)
    add_nav(app, "forum.index", "Forum")
