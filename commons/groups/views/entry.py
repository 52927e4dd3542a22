"""Membership actions: join requests and their decision, invitations and their answer,
leaving, removing a member or changing a role, an administrator's appointment."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ... import lifecycle
from ...accounts import queries as accounts
from ...accounts.models import User
from ...lifecycle import REFUSED
from .. import mailing, policy, queries, services
from ..forms import AnswerInvitationForm, DecisionForm, EmptyForm, InviteForm, JoinForm, RoleForm
from ..models import Group, Invitation, JoinRequest
from . import bp, done, load_group, show_url
from .pages import show_page

F = TypeVar("F", bound=FlaskForm)
NOBODY = "Aucun compte actif ne correspond : vérifiez l'adresse ou l'identifiant."
#: action → (service, message, where to go next) for a join request.
DECISIONS: dict[str, tuple[Callable[[Any, JoinRequest, str], object], str, str]] = {
    "accepter": (
        lambda actor, join, note: services.approve(actor, join),
        "La demande est acceptée : l'agent est membre du groupe.",
        "groups.private",
    ),
    "refuser": (
        lambda actor, join, note: services.decline(actor, join, note=note),
        "La demande est refusée.",
        "groups.private",
    ),
    "retirer": (
        lambda actor, join, note: services.withdraw(actor, join),
        "Votre demande est retirée.",
        "groups.show",
    ),
}


def chosen_account(form: InviteForm, whom: str) -> User | None:
    """The active account the form names, or ``None`` with a flashed reason."""
    if not form.validate():
        flash(f"Indiquez l'adresse électronique ou l'identifiant {whom}.", "error")
        return None
    user = queries.active_account(form.who.data)
    if user is None:
        flash(NOBODY, "error")
    return user


def back(slug: str, endpoint: str = "groups.show") -> Response:
    """Back to the group's page (or ``endpoint``), after a refusal was flashed."""
    return redirect(url_for(endpoint, slug=slug))


@bp.route("/<slug>/rejoindre", methods=["POST"])
@login_required
def join(slug: str) -> str | Response:
    group = load_group(slug)
    form = JoinForm()
    if not form.validate():
        return show_page(group, form)
    ask = partial(services.request_join, current_user, group, **form.request())
    made = lifecycle.attempt(None, form.create_once, ask, lambda _j: show_url(slug))
    if made is REFUSED or made[1] is None:
        return back(slug) if made is REFUSED else redirect(made[0])
    mailing.request_received(made[1], group, current_user)
    return done("Votre demande est envoyée à l'animation du groupe.", slug)


@bp.route(
    "/<slug>/demandes/<int:request_id>/<any(accepter, refuser, retirer):action>", methods=["POST"]
)
@login_required
def decide(slug: str, request_id: int, action: str) -> Response:
    group = load_group(slug)
    join = lifecycle.load(JoinRequest, request_id, can=lambda _u, j: j.group_id == group.id)
    call, message, endpoint = DECISIONS[action]
    note = valid(DecisionForm()).note.data or ""
    if lifecycle.attempt(None, call, current_user, join, note) is REFUSED:
        return back(slug, "groups.private")
    if action != "retirer":
        mailing.request_decided(join, group, lifecycle.load(User, join.user_id))
    return done(message, slug, endpoint)


@bp.route("/<slug>/inviter", methods=["POST"])
@login_required
def invite(slug: str) -> Response:
    group = load_group(slug)
    lifecycle.require(policy.can_manage_members(current_user, group), services.MANAGE_ONLY)
    form = InviteForm()
    if (user := chosen_account(form, "de l'agent à inviter")) is None:
        return back(slug, "groups.private")
    message = form.message.data or ""
    invitation = lifecycle.attempt(
        None, services.invite, current_user, group, user, message=message
    )
    if invitation is REFUSED:
        return back(slug, "groups.private")
    mailing.invited(invitation, group, user, current_user)
    return done(f"{user.display_name} est invité·e.", slug, "groups.private")


@bp.route(
    "/<slug>/invitations/<int:invitation_id>/<any(accepter, refuser):action>", methods=["POST"]
)
@login_required
def answer(slug: str, invitation_id: int, action: str) -> Response:
    group = load_group(slug)
    invitation = lifecycle.load(Invitation, invitation_id, can=lambda _u, i: i.group_id == group.id)
    charter, accept = valid(AnswerInvitationForm()).accept_charter.data, action == "accepter"
    reply = partial(services.answer_invitation, accept=accept, accept_charter=charter)
    if lifecycle.attempt(None, reply, current_user, invitation) is REFUSED:
        return back(slug)
    if accept:
        return done("Bienvenue dans le groupe !", slug, "groups.private")
    flash("Invitation déclinée.", "success")
    return redirect(url_for("groups.index"))


@bp.route("/<slug>/quitter", methods=["GET", "POST"])
@login_required
def leave(slug: str) -> Response | str:
    group = load_group(slug)
    if request.method == "GET":  # the confirmation step, without JavaScript (RGAA 11.12)
        lifecycle.require(policy.can_leave(current_user, group))
        return leave_confirmation(group)
    EmptyForm().validate()
    if lifecycle.attempt(None, services.leave, current_user, group) is REFUSED:
        return back(slug)
    return done("Vous avez quitté le groupe.", slug)


def leave_confirmation(group: Group) -> str:
    """The page that asks whether to leave the group."""
    return render_template(
        "confirm.html",
        question=f"Quitter le groupe « {group.name} » ?",
        explanation=[
            "Vous n'aurez plus accès à l'espace privé du groupe ni à ses discussions. "
            "Vos messages restent dans le groupe.",
            "Pour y revenir, il faudra une nouvelle demande acceptée par l'animation.",
        ],
        excerpt=None,
        action=url_for("groups.leave", slug=group.slug),
        confirm_label="Confirmer : quitter le groupe",
        cancel_url=url_for("groups.show", slug=group.slug),
        cancel_where="à la page du groupe",
    )


@bp.route("/<slug>/membres/<handle>/<any(retirer, role):action>", methods=["POST"])
@login_required
def member(slug: str, handle: str, action: str) -> Response:
    group = load_group(slug)
    user = accounts.by_handle(handle) or abort(404)
    if action == "retirer":
        outcome = lifecycle.attempt(None, services.remove_member, current_user, group, user)
        message = f"{user.display_name} ne fait plus partie du groupe."
    else:
        outcome = lifecycle.attempt(None, services.set_role, current_user, group, user, role())
        message = f"Le rôle de {user.display_name} est modifié."
    if outcome is REFUSED:
        return back(slug, "groups.private")
    return done(message, slug, "groups.private")


def role() -> str:
    """The role asked by the role form (400 when it is not one)."""
    return str(valid(RoleForm()).role.data)


def valid(form: F) -> F:
    """``form`` once validated (its CSRF token, its choices), else 400."""
    if not form.validate():
        abort(400)
    return form


@bp.route("/<slug>/animation", methods=["POST"])
@login_required
def appoint(slug: str) -> Response:
    """An administrator names a facilitator for a group left without one (never themselves)."""
    group = load_group(slug)
    form = InviteForm()
    if (user := chosen_account(form, "de la personne désignée")) is None:
        return back(slug)
    message = form.message.data or ""
    appoint = services.appoint_facilitator
    outcome = lifecycle.attempt(None, appoint, current_user, group, user, message=message)
    if outcome is REFUSED:
        return back(slug)
    if outcome == "invited" and (invitation := queries.invitation_to(group, user)):
        mailing.invited(invitation, group, user, current_user)
    verb = "est invité·e à animer" if outcome == "invited" else "anime désormais"
    return done(f"{user.display_name} {verb} le groupe ; les membres sont prévenus.", slug)
