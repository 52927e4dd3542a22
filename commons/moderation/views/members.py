"""The facilitator's page on a member: private notes, warning, suspension and its lifting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle, params
from ...accounts.models import User
from ...forms import choices
from ...lifecycle import REFUSED
from .. import members, policy, queries
from ..forms import LiftForm, NoteForm, SuspendForm, WarnForm
from . import members_bp as bp
from .content import done

FORMS: dict[str, type[Any]] = {
    "note": NoteForm,
    "avertir": WarnForm,
    "suspendre": SuspendForm,
    "lever": LiftForm,
}


def load_member(handle: str) -> User:
    """The member if the current user may see the facilitator page about them, else 404."""
    user = queries.member_by_handle(handle)
    if user is None or not policy.can_view_member(current_user, user):
        abort(404)
    return user


def scopes(user: User) -> list[tuple[str, str]]:
    """Where the actor may act on ``user``: shared groups they facilitate, and the network."""
    ids = policy.facilitated_group_ids(current_user) & policy.member_group_ids(user)
    options = [(str(g.id), f"Groupe « {g.name} »") for g in queries.groups_named(ids)]
    if policy.is_global(current_user):
        options.append(("reseau", "Réseau (animation du réseau)"))
    return options


def scope(form: NoteForm | WarnForm) -> int | None:
    """The group chosen in the form (``None``: the network)."""
    return params.optional_number(form.scope.data, minimum=1)


#: What each form asks of :mod:`commons.moderation.members`.
ACTIONS: dict[str, Callable[[User, User, Any], object]] = {
    "note": lambda actor, user, form: members.add_note(actor, user, form.body.data, scope(form)),
    "avertir": lambda actor, user, form: members.warn(actor, user, form.reason.data, scope(form)),
    "suspendre": lambda actor, user, form: members.suspend(
        actor, user, form.reason.data, form.until_moment()
    ),
    "lever": lambda actor, user, form: members.lift(actor, user, form.reason.data or ""),
}


def forms(user: User) -> dict[str, object]:
    """The four forms of the member page, empty."""
    note, warn = NoteForm(formdata=None), WarnForm(formdata=None)
    note.scope.choices = warn.scope.choices = choices(scopes(user))
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
    return render_template(
        "moderation/member.html",
        member=user,
        notes=queries.member_notes(current_user, user),
        can_suspend=policy.can_suspend(current_user, user),
        can_lift=policy.can_lift_suspension(current_user, user),
        **forms(user),
    )


@bp.route("/<handle>/<any(note, avertir, suspendre, lever):action>", methods=["POST"])
@login_required
def act(handle: str, action: str) -> Response:
    user = load_member(handle)
    form = FORMS[action]()
    if hasattr(form, "scope"):
        form.scope.choices = choices(scopes(user))
    if not form.validate_on_submit():
        flash("Formulaire incomplet : " + " ".join(sum(form.errors.values(), [])), "error")
    elif lifecycle.attempt(None, ACTIONS[action], current_user, user, form) is not REFUSED:
        return done(url_for("moderation_members.show", handle=user.handle), "C'est enregistré.")
    return redirect(url_for("moderation_members.show", handle=user.handle))
