"""The facilitator's page on a member: private notes, warning, suspension and its lifting."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db, params
from ..accounts.models import User
from ..forms import choices
from ..groups.models import Group
from . import members, notices, policy, services
from .forms import LiftForm, NoteForm, SuspendForm, WarnForm
from .models import MemberNote

bp = Blueprint(
    "moderation_members", __name__, url_prefix="/animation/membres", template_folder="templates"
)


def load_member(handle: str) -> User:
    """The member if the current user may see the facilitator page about them, else 404."""
    user = db.session.scalar(select(User).where(User.handle == handle.lower()))
    if user is None or not policy.can_view_member(current_user, user):
        abort(404)
    return user


def _scopes(user: User) -> list[tuple[str, str]]:
    """Where the actor may act on ``user``: shared groups they facilitate, and the network."""
    ids = policy.facilitated_group_ids(current_user) & policy.member_group_ids(user)
    groups = (
        db.session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.name))
        if ids
        else []
    )
    options = [(str(g.id), f"Groupe « {g.name} »") for g in groups]
    if policy.is_global(current_user):
        options.append(("reseau", "Réseau (animation du réseau)"))
    return options


def _scope(value: str | None) -> int | None:
    return params.optional_number(value, minimum=1)


def _forms(user: User) -> dict[str, object]:
    scopes = choices(_scopes(user))
    note, warn = NoteForm(formdata=None), WarnForm(formdata=None)
    note.scope.choices = warn.scope.choices = scopes
    return {
        "note_form": note,
        "warn_form": warn,
        "suspend_form": SuspendForm(formdata=None),
        "lift_form": LiftForm(formdata=None),
    }


@bp.route("/<handle>")
@login_required
def show(handle: str) -> str:
    user = load_member(handle)
    notes = db.session.execute(
        select(MemberNote, User.display_name, Group.name)
        .outerjoin(User, User.id == MemberNote.author_id)
        .outerjoin(Group, Group.id == MemberNote.group_id)
        .where(MemberNote.subject_id == user.id, policy.visible_notes(current_user))
        .order_by(MemberNote.created_at.desc())
    ).all()
    return render_template(
        "moderation/member.html",
        member=user,
        notes=notes,
        can_suspend=policy.can_suspend(current_user, user),
        can_lift=policy.can_lift_suspension(current_user, user),
        **_forms(user),
    )


def _until(day: object) -> datetime | None:
    return datetime.combine(day, time(23, 59), tzinfo=UTC) if day else None  # type: ignore[arg-type]


@bp.route("/<handle>/<any(note, avertir, suspendre, lever):action>", methods=["POST"])
@login_required
def act(handle: str, action: str) -> Response:
    user = load_member(handle)
    forms = {"note": NoteForm, "avertir": WarnForm, "suspendre": SuspendForm, "lever": LiftForm}
    form = forms[action]()
    if hasattr(form, "scope"):
        form.scope.choices = choices(_scopes(user))
    if not form.validate_on_submit():
        flash("Formulaire incomplet : " + " ".join(sum(form.errors.values(), [])), "error")
        return redirect(url_for("moderation_members.show", handle=user.handle))
    try:
        if action == "note":
            members.add_note(current_user, user, form.body.data, _scope(form.scope.data))
        elif action == "avertir":
            members.warn(current_user, user, form.reason.data, _scope(form.scope.data))
        elif action == "suspendre":
            members.suspend(current_user, user, form.reason.data, _until(form.until.data))
        else:
            members.lift(current_user, user, form.reason.data or "")
    except services.Forbidden:
        db.session.rollback()
        abort(403)
    except services.ModerationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        notices.send_pending()
        flash("C'est enregistré.", "success")
    return redirect(url_for("moderation_members.show", handle=user.handle))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
