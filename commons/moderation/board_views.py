"""Facilitator dashboards (global and per group), the report queue and the audit log page
with its CSV download."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Flask, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db
from ..audit import ACTIONS as AUDIT_ACTIONS
from ..groups.models import Group
from . import dashboard, journal, policy, queries
from .models import REPORT_REASONS, TARGET_LABELS

bp = Blueprint("moderation_board", __name__, template_folder="templates")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _require_facilitator() -> None:
    if not policy.can_view_queue(current_user):
        abort(403)


@bp.route("/animation/")
@login_required
def index() -> str:
    _require_facilitator()
    ids = policy.facilitated_group_ids(current_user)
    groups = (
        list(db.session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.name)))
        if ids
        else []
    )
    network = policy.is_global(current_user)
    return render_template(
        "moderation/dashboard.html",
        group=None,
        groups=groups,
        counts=queries.group_counts(ids),
        requests=queries.join_requests(ids),
        queue=queries.queue(current_user, network_only=True) if network else [],
        contested=queries.contested(current_user),
        weeks=queries.activity(None) if network else [],
        panels=dashboard.panels(current_user, None),
        reasons=REPORT_REASONS,
    )


@bp.route("/groupes/<slug>/animation")
@login_required
def group(slug: str) -> str:
    grp = db.session.scalar(select(Group).where(Group.slug == slug))
    if grp is None:
        abort(404)
    if not policy.can_view_group_dashboard(current_user, grp.id):
        abort(403 if grp.listed else 404)
    return render_template(
        "moderation/dashboard.html",
        group=grp,
        groups=[],
        counts={},
        requests=queries.join_requests(frozenset({grp.id})),
        queue=queries.queue(current_user, grp.id),
        contested=queries.contested(current_user, grp.id),
        weeks=queries.activity(grp.id),
        panels=dashboard.panels(current_user, grp),
        reasons=REPORT_REASONS,
    )


@bp.route("/animation/signalements")
@login_required
def reports() -> str:
    _require_facilitator()
    return render_template(
        "moderation/queue.html", queue=queries.queue(current_user), reasons=REPORT_REASONS
    )


@bp.route("/animation/journal")
@login_required
def audit_log() -> str:
    if not policy.can_view_audit(current_user):
        abort(403)
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


def defuse(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@bp.route("/animation/journal.csv")
@login_required
def audit_csv() -> Response:
    if not policy.can_view_audit(current_user):
        abort(403)
    filters = journal.AuditFilters.from_args(request.args)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "date (UTC)",
            "action",
            "libellé",
            "auteur·rice",
            "cible",
            "identifiant",
            "libellé de la cible",
            "groupe",
            "motif",
        ]
    )
    stmt = journal.audit_query(current_user, filters).limit(journal.CSV_MAX_ROWS)
    for row in journal.audit_rows(current_user, db.session.execute(stmt)):
        entry = row.entry
        writer.writerow(
            defuse(v)
            for v in (
                entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.action,
                AUDIT_ACTIONS.get(entry.action, entry.action),
                entry.actor_name,
                entry.target_type,
                entry.target_id,
                row.label,
                row.group_name or "",
                row.reason,
            )
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="journal-audit.csv"'},
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
