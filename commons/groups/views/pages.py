"""The group directory, a group's page, its creation and edition, its private space."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import redirect, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...lifecycle import REFUSED, FormErrors
from .. import editing, policy, queries, services
from ..forms import (
    AnswerInvitationForm,
    DecisionForm,
    EmptyForm,
    GroupForm,
    InviteForm,
    JoinForm,
    RoleForm,
    theme_labels,
)
from ..models import Group
from ..sections import private_sections
from . import bp, done, load_group, show_url

EDITED = {
    False: "Le groupe est modifié.",
    True: "Le groupe est modifié ; une modification faite entre-temps est conservée.",
}
LABELS = {
    "name": "Nom du groupe",
    "summary": "Résumé",
    "description": "Description",
    "charter": "Charte",
    "themes": "Thèmes",
    "member_cap": "Nombre maximum de membres",
    "listed": "Visible dans l'annuaire",
}
CREATED = "Le groupe est créé : vous en êtes l'animateur·rice."


@bp.route("/")
def index() -> str:
    invitations = (
        queries.pending_invitations_for(current_user) if current_user.is_authenticated else []
    )
    return render_template(
        "groups/index.html",
        rows=queries.directory(current_user),
        invitations=invitations,
        can_create=policy.can_create_group(current_user),
    )


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def create() -> str | Response:
    lifecycle.require(policy.can_create_group(current_user))
    form = GroupForm()
    if form.validate_on_submit():
        create = partial(services.create_group, current_user, **form.settings())
        made = lifecycle.attempt(
            FormErrors(form), form.create_once, create, lambda g: show_url(g.slug)
        )
        if made is not REFUSED:
            return done(CREATED, made[1].slug) if made[1] else redirect(made[0])
    return render_template("groups/edit.html", form=form, group=None)


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> str | Response:
    group = load_group(slug)
    lifecycle.require(policy.can_edit_group(current_user, group))
    form = GroupForm(obj=None)
    form.offer_themes(list(group.themes))
    if request.method == "GET":
        form.fill(editing.editable_values(group))
    outcome = save(form, group) if form.validate_on_submit() else None
    if isinstance(outcome, Response):
        return outcome
    context = {"group": group, "conflict": outcome, "labels": LABELS}
    return render_template("groups/edit.html", form=form, **context)


def save(form: GroupForm, group: Group) -> Response | editing.GroupConflict | None:
    """Save an edit: off to the group's page, or the conflict to show (``None``: refused, the
    reason is on the form). The next save starts from the values saved meanwhile."""
    save = partial(editing.save_edit, current_user, group, form.base_values())
    result = lifecycle.attempt(FormErrors(form), save, **form.settings())
    if isinstance(result, bool):
        return done(EDITED[result], group.slug)
    form.set_base(editing.editable_values(group))
    return result or None


@bp.route("/<slug>")
def show(slug: str) -> str:
    return show_page(load_group(slug))


def show_page(group: Group, join_form: JoinForm | None = None) -> str:
    """The group's page; a join form that failed comes back with its errors and its text."""
    user = current_user
    signed_in = user.is_authenticated
    return render_template(
        "groups/show.html",
        group=group,
        theme_labels=theme_labels,
        policy=policy,
        members=queries.members_of(group) if policy.can_view_members(user, group) else [],
        seats=services.member_count(group.id),
        pending=services.pending_request(group, user) if signed_in else None,
        declined=queries.declined_request(group, user) if signed_in else None,
        invitation=queries.invitation_to(group, user) if signed_in else None,
        join_form=join_form or JoinForm(formdata=None),
        answer_form=AnswerInvitationForm(),
        orphan=signed_in and user.is_admin and policy.is_orphan(group),
        appoint_form=InviteForm(),
    )


@bp.route("/<slug>/espace")
@login_required
def private(slug: str) -> str:
    group = load_group(slug)
    lifecycle.require(policy.can_view_private(current_user, group))
    return render_template("groups/private.html", **private_space(group))


def private_space(group: Group) -> dict[str, Any]:
    """What the private space shows: the rooms' sections, the members, and for its
    facilitators the pending requests and the forms to manage members."""
    manage = policy.can_manage_members(current_user, group)
    return {
        "sections": private_sections(group),
        "group": group,
        "members": queries.members_of(group),
        "requests": queries.pending_requests(group) if manage else [],
        "manage": manage,
        "decision_form": DecisionForm(),
        "invite_form": InviteForm(),
        "role_form": RoleForm(),
        "empty_form": EmptyForm(),
        "seats": services.member_count(group.id),
    }
