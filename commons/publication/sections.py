"""What publication shows on other rooms' pages, through their registries (no room imports
publication): the section of a REX page, the group's private space, and the facilitators'
dashboard panel."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user
from markupsafe import Markup

from .. import db
from ..actor import Actor
from ..groups.models import Group
from ..notifications.services import path_for
from ..wiki.models import Rex, Space
from . import policy, queries
from .models import STATUS_LABELS


def rex_section(rex: Rex) -> Markup | None:
    """On a group REX: propose it, or follow its proposal; on a public copy: its record."""
    if rex.space == Space.PUBLIC.value:
        proposal = queries.origin(rex)
        if proposal is None:
            return None
        return Markup(render_template("publication/_public_section.html", proposal=proposal))
    if rex.space != Space.GROUP.value or not getattr(current_user, "is_authenticated", False):
        return None
    group = db.session.get(Group, rex.group_id)
    live = queries.live_for(rex)
    if live is None and not policy.can_propose(current_user, rex, group):
        return None
    return Markup(render_template("publication/_rex_section.html", rex=rex, live=live))


def group_section(group: Group) -> Markup:
    """In the group's private space: its proposals, and syntheses for facilitators."""
    return Markup(
        render_template(
            "publication/_group_section.html",
            group=group,
            rows=queries.of_group(current_user, group.id),
            statuses=STATUS_LABELS,
            can_write=policy.can_write_synthesis(current_user, group),
        )
    )


def dashboard_panel(user: Actor, group: Group | None) -> dict[str, Any] | None:
    """The dashboard panel "publications en attente de consentement ou de relecture"."""
    items = queries.pending_for(user, group)
    if group is None and not items:
        return None
    return {
        "title": "Publications en attente de consentement ou de relecture",
        "items": [
            (f"{p.title} ({p.group_name})", path_for("publication.show", proposal_id=p.proposal.id))
            for p in items
        ],
        "empty": "Aucune publication en attente.",
    }
