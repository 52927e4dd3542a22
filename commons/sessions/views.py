"""Routes of a group's sessions: list, schedule (one or a series), show, change, cancel,
answer, download the .ics. URLs under ``/groupes/<slug>/seances/``; members only (404 when
the group itself is out of sight, 403 for a non-member who can see the group)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..groups.models import Group, Membership
from ..groups.views import _group
from ..notifications import emails
from . import attendance, calendar, minutes, policy, program, services, timing
from .forms import (
    AgendaItemForm,
    AnswerForm,
    CancelForm,
    EmptyForm,
    ScheduleForm,
    SessionForm,
    SynthesisForm,
)
from .models import REPLY_LABELS, GroupSession, SessionSeries

bp = Blueprint("sessions", __name__, url_prefix="/groupes", template_folder="templates")


def member_group(slug: str) -> Group:
    """The group if the current user is a member: 404 if they cannot see it, else 403."""
    group = _group(slug)
    if not policy.can_view_sessions(current_user, group):
        abort(403)
    return group


def session_in(group: Group, session_id: int) -> GroupSession:
    """A session of this group that the current user may see, else 404."""
    session = db.session.get(GroupSession, session_id)
    if session is None or session.group_id != group.id:
        abort(404)
    if not policy.can_view_session(current_user, session):
        abort(404)
    return session


def to_show(group: Group, session: GroupSession, anchor: str | None = None) -> Response:
    return redirect(
        url_for("sessions.show", slug=group.slug, session_id=session.id, _anchor=anchor)
    )


def done(message: str) -> None:
    """Commit, flash, then send the e-mails of immediate-mode recipients."""
    db.session.commit()
    flash(message, "success")
    emails.deliver_pending()


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


def upcoming_and_past(group: Group) -> tuple[list[GroupSession], list[GroupSession]]:
    sessions = list(
        db.session.scalars(
            select(GroupSession)
            .where(GroupSession.group_id == group.id, policy.visible_sessions(current_user))
            .order_by(GroupSession.starts_at)
        )
    )
    now = db.utcnow()
    return [s for s in sessions if s.ends_at >= now], [s for s in sessions if s.ends_at < now]


@bp.route("/<slug>/seances/")
@login_required
def index(slug: str) -> str:
    group = member_group(slug)
    upcoming, past = upcoming_and_past(group)
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


@bp.route("/<slug>/seances/nouvelle", methods=["GET", "POST"])
@login_required
def new(slug: str) -> str | Response:
    group = member_group(slug)
    if not policy.can_schedule(current_user, group):
        abort(403)
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            if form.repeat.data:
                made = services.schedule_series(
                    current_user, group, _plan(form), form.repeat.data, form.count.data or 0
                )
            else:
                made = [services.schedule(current_user, group, _plan(form))]
        except services.SessionError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            done(f"{len(made)} séance{'s' if len(made) > 1 else ''} prévue{'s' * (len(made) > 1)}.")
            return to_show(group, made[0])
    return render_template("sessions/edit.html", form=form, group=group, session=None)


@bp.route("/<slug>/seances/<int:session_id>")
@login_required
def show(slug: str, session_id: int) -> str:
    group = member_group(slug)
    session = session_in(group, session_id)
    manage = policy.can_manage_session(current_user, session)
    answers = services.answers_of(session)
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == group.id)
            .order_by(User.display_name)
        )
    }
    items = program.items_of(session)
    item_form = AgendaItemForm()
    item_form.topic.choices = [("", "— choisir —")] + [
        (str(t.id), f"{t.title} ({t.votes} soutien{'s' if t.votes > 1 else ''})")
        for t in program.candidates(group, session)
    ]
    return render_template(
        "sessions/show.html",
        group=group,
        session=session,
        manage=manage,
        mine=services.answer_of(current_user, session),
        answers={a.user_id: a for a in answers},
        members=list(users.values()),
        registered=services.registered_count(session),
        labels=REPLY_LABELS,
        items=items,
        total=program.total_minutes(items),
        minutes=minutes.minutes_of(session),
        series=db.session.get(SessionSeries, session.series_id) if session.series_id else None,
        can_answer=policy.can_answer(current_user, session),
        started=session.starts_at <= db.utcnow(),
        answer_form=AnswerForm(),
        cancel_form=CancelForm(),
        item_form=item_form,
        empty_form=EmptyForm(),
    )


@bp.route("/<slug>/seances/<int:session_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str, session_id: int) -> str | Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    if not policy.can_manage_session(current_user, session):
        abort(403)
    form = SessionForm()
    if not form.is_submitted():
        starts, ends = timing.local(session.starts_at), timing.local(session.ends_at)
        form.title.data, form.description.data = session.title, session.description
        form.day.data, form.start.data, form.end.data = starts.date(), starts.time(), ends.time()
        form.address.data, form.video_url.data = session.address, session.video_url
        form.capacity.data = session.capacity
        if session.registration_deadline:
            form.deadline.data = timing.local(session.registration_deadline).date()
    if form.validate_on_submit():
        try:
            changed = services.update(current_user, session, _plan(form))
        except services.SessionError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            done("La séance est modifiée." if changed else "Aucun changement.")
            return to_show(group, session)
    return render_template("sessions/edit.html", form=form, group=group, session=session)


@bp.route("/<slug>/seances/<int:session_id>/annuler", methods=["POST"])
@login_required
def cancel(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    form = CancelForm()
    form.validate()
    try:
        services.cancel(current_user, session, confirmed=bool(form.confirm.data))
    except services.Forbidden:
        db.session.rollback()
        abort(403)
    except services.SessionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return to_show(group, session, "annuler")
    done("La séance est annulée ; les membres sont prévenus.")
    return to_show(group, session)


@bp.route("/<slug>/seances/<int:session_id>/reponse", methods=["POST"])
@login_required
def answer(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    form = AnswerForm()
    form.validate()
    try:
        services.answer(current_user, session, form.reply.data or "")
    except services.Forbidden:
        db.session.rollback()
        abort(403)
    except services.SessionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return to_show(group, session, "repondre")
    db.session.commit()
    flash(f"Votre réponse est enregistrée : {REPLY_LABELS[form.reply.data]}.", "success")
    return to_show(group, session, "repondre")


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


def init_app(app: Flask) -> None:
    """Register the blueprints, the group-space section, the notification target, filters."""
    from ..groups.views import add_private_section
    from ..notifications.services import register_target
    from ..publication.consent import register_contributors
    from . import cli, feed_views, minutes_views, notify, space, synthesis

    add_private_section(app, space.group_section)
    register_target(notify.TARGET, notify.describe)
    register_contributors("sessions", synthesis.contributors_of)
    try:
        from ..moderation.dashboard import register_panel
    except ImportError:  # pragma: no cover - moderation not installed
        pass
    else:
        register_panel(attendance.dashboard_panel)
    app.add_template_filter(timing.long_date, "seance_date")
    app.add_template_global(program.topic_sessions, "topic_sessions")
    app.register_blueprint(bp)
    app.register_blueprint(minutes_views.bp)
    app.register_blueprint(feed_views.bp)
    app.cli.add_command(cli.sessions_group)


from . import program_views  # noqa: E402, F401  (adds its routes to ``bp``)
