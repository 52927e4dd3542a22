"""Reports: any member who can see a post, thread or REX may report it, once while the
report is open; the facilitators of the content's space are notified. Flush only."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from .. import audit, db
from ..accounts.models import User
from . import policy
from .decisions import ModerationError, check_reason, notify, require
from .models import REPORT_REASONS, Report, ReportStatus
from .queries import facilitators_of
from .targets import Target

NOT_REPORTABLE = "Vous ne pouvez pas signaler ce contenu."


def report(actor: User, target: Target, reason: str, comment: str = "") -> Report:
    """Report an item to the facilitators of its space (notified in their centre)."""
    require(policy.can_report(actor, target), NOT_REPORTABLE)
    if reason not in REPORT_REASONS:
        raise ModerationError("Choisissez un motif de signalement dans la liste.")
    comment = check_reason(comment, required=reason == "autre")[:2000]
    duplicate = _open_reports(target).where(Report.reporter_id == actor.id)
    if db.session.scalar(duplicate) is not None:
        raise ModerationError(
            "Vous avez déjà signalé ce contenu : votre signalement est en cours d'examen "
            "par l'animation."
        )
    entry = Report(
        target_type=target.kind,
        target_id=target.id,
        group_id=target.group_id,
        reporter_id=actor.id,
        reason=reason,
        comment=comment,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # a concurrent identical report: the partial unique index held
        raise ModerationError("Vous avez déjà signalé ce contenu.") from None
    audit.record(
        actor,
        "moderation.report",
        target_type=target.kind,
        target_id=target.id,
        target_label=target.label,
        group_id=target.group_id,
        reason=REPORT_REASONS[reason] + (f" — {comment}" if comment else ""),
    )
    for user_id in facilitators_of(target.group_id):
        if user_id != actor.id:
            notify(user_id, actor, "report", entry.id)
    db.session.flush()
    return entry


def _open_reports(target: Target) -> Select[Report]:
    return select(Report).where(
        Report.target_type == target.kind,
        Report.target_id == target.id,
        Report.status == ReportStatus.OPEN.value,
    )
