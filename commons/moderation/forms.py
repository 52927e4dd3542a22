"""Moderation forms: report, reason, edit with a reason, move, suspend, note, contest, audit."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import Optional

from .. import dates, params
from ..forms import choices, clean, length, required
from ..integrity.forms import OnceForm
from .models import REPORT_REASONS

REASON_HINT = "Le motif est transmis à l'auteur·rice avec la décision et figure au journal."


class ReportForm(OnceForm, FlaskForm):
    """Report a post, a thread or a REX (counted once however often it is sent)."""

    reason = RadioField(
        "Motif du signalement",
        [required("Choisissez un motif.")],
        choices=choices(REPORT_REASONS.items()),
    )
    comment = TextAreaField(
        "Précisions (obligatoires pour « Autre »)", [length(2000)], filters=[clean]
    )

    def report(self) -> dict[str, str]:
        """The arguments of :func:`commons.moderation.reports.report`."""
        return {"reason": self.reason.data or "", "comment": self.comment.data or ""}


class ReasonForm(FlaskForm):
    """A decision with a reason (required or not: the service decides)."""

    reason = TextAreaField("Motif", [length(2000)], filters=[clean])


class EditForm(ReasonForm):
    """Edit a post or a REX with a reason, from the version shown (``base``)."""

    body = TextAreaField("Texte", [required("Le texte est vide.")], filters=[clean])
    base = HiddenField()
    reason = TextAreaField("Motif de la modification", [required(), length(2000)], filters=[clean])

    def edit(self) -> dict[str, object]:
        """The arguments of :func:`commons.moderation.services.edit`: the version the
        facilitator started from is -1 when the field was tampered with."""
        base = int(self.base.data) if (self.base.data or "").isdigit() else -1
        return {"body": self.body.data or "", "reason": self.reason.data or "", "base": base}


class MoveForm(ReasonForm):
    """Move a thread: ``category:<id>`` or ``group:<id>``."""

    destination = SelectField("Destination", [required()], validate_choice=False)

    def place(self) -> dict[str, int | None] | None:
        """``group_id`` and ``category_id`` of the destination; ``None`` when it is not one."""
        where, _, raw = (self.destination.data or "").partition(":")
        ident = params.optional_number(raw, minimum=1)
        if where not in ("category", "group") or ident is None:
            return None
        return {"group_id": None, "category_id": None, f"{where}_id": ident}


class WarnForm(ReasonForm):
    """Warn a member, in a group's name or the network's."""

    # The member page shows several forms at once: each control has its own id (RGAA 8.2,
    # 11.1), the field names stay the same.
    scope = SelectField("Au nom de", validate_choice=False, id="avertir-scope")
    reason = TextAreaField(
        "Motif de l'avertissement",
        [required(), length(2000)],
        filters=[clean],
        id="avertir-reason",
    )


class SuspendForm(FlaskForm):
    """Suspend an account for a period or indefinitely."""

    reason = TextAreaField(
        "Motif de la suspension",
        [required(), length(500)],
        filters=[clean],
        id="suspendre-reason",
    )
    until = DateField(
        "Jusqu'au (laisser vide : sans limite de durée)",
        [Optional()],
        format="%Y-%m-%d",
        id="suspendre-until",
    )

    def until_moment(self) -> datetime | None:
        """The end of the chosen day in Paris time (``None``: without limit)."""
        if not self.until.data:
            return None
        return datetime.combine(self.until.data, time(23, 59), tzinfo=ZoneInfo(dates.TIMEZONE))


class NoteForm(FlaskForm):
    """A private note on a member."""

    scope = SelectField("Visible par l'animation de", validate_choice=False, id="note-scope")
    body = TextAreaField(
        "Note privée",
        [required("La note est vide."), length(5000)],
        filters=[clean],
        id="note-body",
    )


class LiftForm(ReasonForm):
    """Lift a suspension (optional reason), on the member page next to the other forms."""

    reason = TextAreaField("Motif de la levée", [length(2000)], filters=[clean], id="lever-reason")


class ContestForm(FlaskForm):
    """Contest a decision."""

    text = TextAreaField(
        "Pourquoi contestez-vous cette décision ?", [required(), length(2000)], filters=[clean]
    )
