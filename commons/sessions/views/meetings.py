"""Routes of a group's sessions: list, schedule (one or a series), show, change, cancel,
answer, download the .ics."""

from __future__ import annotations

from flask import flash, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import dates, db, lifecycle
from ...groups.models import Group
from ...lifecycle import FormErrors
from .. import attendance, calendar, minutes, policy, program, queries, services, timing
from ..forms import (
    AgendaItemForm,
    AnswerForm,
    CancelForm,
    EmptyForm,
    ScheduleForm,
    SessionForm,
    SynthesisForm,
)
from ..models import REPLY_LABELS, GroupSession, Reply
from . import act, bp, member_group, session_in, to_show


def _plan(form: SessionForm) -> services.Plan:
    return services.Plan(
        title=form.title.data or "",
        day=form.day.data,
        start=form.start.data,
        end=form.end.data,
        address=form.address.data or "",
        video_url=form.video_url.data or "",
        description=form.description.data or "",
        capacity=form.capacity.data,
        deadline=form.deadline.data,
    )


@bp.route("/<slug>/seances/")
@login_required
def index(slug: str) -> str:
    return _index_page(member_group(slug))


def _index_page(group: Group) -> str:
    upcoming, past = queries.upcoming_and_past(current_user, group)
    return render_template(
        "sessions/index.html",
        group=group,
        upcoming=upcoming,
        past=list(reversed(past)),
        attendance=attendance.attendance_over_time([s.id for s in past if not s.cancelled]),
        with_minutes=minutes.written([s.id for s in past]),
        synthesis_form=SynthesisForm(data={"title": f"Synthèse — {group.name}"}),
        can_schedule=policy.can_schedule(current_user, group),
    )


def _schedule(group: Group, form: ScheduleForm) -> list[GroupSession]:
    if form.repeat.data:
        count = form.count.data or 0
        return services.schedule_series(current_user, group, _plan(form), form.repeat.data, count)
    return [services.schedule(current_user, group, _plan(form))]


@bp.route("/<slug>/seances/nouvelle", methods=["GET", "POST"])
@login_required
def new(slug: str) -> str | Response:
    group = member_group(slug)
    lifecycle.require(policy.can_schedule(current_user, group))
    form = ScheduleForm()
    if form.validate_on_submit():
        made = lifecycle.attempt(FormErrors(form), _schedule, group, form)
        if made is not lifecycle.REFUSED:
            return _done(group, made[0], dates.ngettext(*SCHEDULED, len(made)))
    return render_template("sessions/edit.html", form=form, group=group, session=None)


SCHEDULED = ("%(num)d séance prévue.", "%(num)d séances prévues.")
CHANGED = {True: "La séance est modifiée.", False: "Aucun changement."}


def _done(group: Group, session: GroupSession, message: str) -> Response:
    """Say it is done and show the session (e-mails leave after the commit)."""
    flash(message, "success")
    return to_show(group, session)


@bp.route("/<slug>/seances/<int:session_id>")
@login_required
def show(slug: str, session_id: int) -> str:
    group = member_group(slug)
    return _show_page(group, session_in(group, session_id))


def _show_page(group: Group, session: GroupSession) -> str:
    items = program.items_of(session)
    item_form = AgendaItemForm()
    item_form.topic.choices = program.topic_choices(group, session)
    return render_template(
        "sessions/show.html",
        group=group,
        session=session,
        manage=policy.can_manage_session(current_user, session),
        mine=services.answer_of(current_user, session),
        answers={a.user_id: a for a in services.answers_of(session)},
        members=queries.members(group),
        registered=services.registered_count(session),
        labels=REPLY_LABELS,
        items=items,
        total=program.total_minutes(items),
        minutes=minutes.minutes_of(session),
        series=queries.series_of(session),
        can_answer=policy.can_answer(current_user, session),
        started=session.starts_at <= db.utcnow(),
        answer_form=AnswerForm(),
        cancel_form=CancelForm(),
        item_form=item_form,
        empty_form=EmptyForm(),
    )


def _fill(form: SessionForm, session: GroupSession) -> None:
    """The session's current values in its edit form (Paris wall-clock times)."""
    starts, ends = timing.local(session.starts_at), timing.local(session.ends_at)
    form.title.data, form.description.data = session.title, session.description
    form.day.data, form.start.data, form.end.data = starts.date(), starts.time(), ends.time()
    form.address.data, form.video_url.data = session.address, session.video_url
    form.capacity.data = session.capacity
    if session.registration_deadline:
        form.deadline.data = timing.local(session.registration_deadline).date()


@bp.route("/<slug>/seances/<int:session_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str, session_id: int) -> str | Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    lifecycle.require(policy.can_manage_session(current_user, session))
    form = SessionForm()
    if not form.is_submitted():
        _fill(form, session)
    if form.validate_on_submit():
        changed = lifecycle.attempt(
            FormErrors(form), services.update, current_user, session, _plan(form)
        )
        if changed is not lifecycle.REFUSED:
            return _done(group, session, CHANGED[bool(changed)])
    return render_template("sessions/edit.html", form=form, group=group, session=session)


@bp.route("/<slug>/seances/<int:session_id>/annuler", methods=["POST"])
@login_required
def cancel(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    form = CancelForm()
    form.validate()
    confirmed = bool(form.confirm.data)
    done = lifecycle.attempt(None, services.cancel, current_user, session, confirmed=confirmed)
    if done is not lifecycle.REFUSED:
        return _done(group, session, "La séance est annulée ; les membres sont prévenus.")
    return to_show(group, session, "annuler")


@bp.route("/<slug>/seances/<int:session_id>/reponse", methods=["POST"])
@login_required
def answer(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    form = AnswerForm()
    form.validate()
    reply = form.reply.data or ""
    back = to_show(group, session, "repondre")
    return act(back, lambda _none: answered(reply), services.answer, current_user, session, reply)


def answered(reply: str) -> str:
    """The confirmation of a (valid) answer."""
    return f"Votre réponse est enregistrée : {REPLY_LABELS[Reply(reply)]}."


@bp.route("/<slug>/seances/<int:session_id>/seance.ics")
@login_required
def ics(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    data = calendar.calendar([session], {group.id: group}, with_video=True)
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="seance-{session.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
