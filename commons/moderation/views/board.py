"""Facilitator dashboards (global and per group), the report queue and the audit log page
with its CSV download."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...audit import ACTIONS as AUDIT_ACTIONS
from ...groups import dashboard
from ...groups.models import Group
from .. import journal, policy, queries
from ..models import REPORT_REASONS, TARGET_LABELS
from . import board_bp as bp

FACILITATORS_ONLY = "Cette page est réservée à l'animation du réseau et des groupes."


def dashboard_page(group: Group | None, **parts: object) -> str:
    """The dashboard of the network and the actor's groups (``group`` None) or of a group."""
    parts.setdefault("groups", [])
    parts.setdefault("counts", {})
    panels = dashboard.panels(current_user, group)
    return render_template(
        "moderation/dashboard.html", group=group, panels=panels, reasons=REPORT_REASONS, **parts
    )


@bp.route("/animation/")
@login_required
def index() -> str:
    lifecycle.require(policy.can_view_queue(current_user), FACILITATORS_ONLY)
    ids = policy.facilitated_group_ids(current_user)
    network = policy.is_global(current_user)
    return dashboard_page(
        None,
        groups=queries.groups_named(ids),
        counts=queries.group_counts(ids),
        requests=queries.join_requests(ids),
        queue=queries.queue(current_user, network_only=True) if network else [],
        contested=queries.contested(current_user),
        weeks=queries.activity(None) if network else [],
    )


@bp.route("/groupes/<slug>/animation")
@login_required
def group(slug: str) -> str:
    grp = queries.group_by_slug(slug)
    allowed = grp is not None and policy.can_view_group_dashboard(current_user, grp.id)
    if grp is None or not (allowed or grp.listed):  # an unlisted group does not leak
        abort(404)
    lifecycle.require(allowed, "Ce tableau de bord est réservé à l'animation du groupe.")
    return dashboard_page(
        grp,
        requests=queries.join_requests(frozenset({grp.id})),
        queue=queries.queue(current_user, grp.id),
        contested=queries.contested(current_user, grp.id),
        weeks=queries.activity(grp.id),
    )


@bp.route("/animation/signalements")
@login_required
def reports() -> str:
    lifecycle.require(policy.can_view_queue(current_user), FACILITATORS_ONLY)
    queue = queries.queue(current_user)
    return render_template("moderation/queue.html", queue=queue, reasons=REPORT_REASONS)


@bp.route("/animation/journal")
@login_required
def audit_log() -> str:
    lifecycle.require(policy.can_view_audit(current_user), FACILITATORS_ONLY)
    filters = journal.AuditFilters.from_args(request.args)
    rows, pages = journal.audit_page(current_user, filters)
    return render_template(
        "moderation/audit.html",
        rows=rows,
        pages=pages,
        filters=filters,
        actions=AUDIT_ACTIONS,
        groups=journal.audit_groups(current_user),
        kinds=TARGET_LABELS,
    )


@bp.route("/animation/journal.csv")
@login_required
def audit_csv() -> Response:
    lifecycle.require(policy.can_view_audit(current_user), FACILITATORS_ONLY)
    body = journal.audit_csv(current_user, journal.AuditFilters.from_args(request.args))
    disposition = 'attachment; filename="journal-audit.csv"'
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": disposition})
