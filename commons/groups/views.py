"""Group pages: directory, group page, private space, membership actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from .. import db
from ..accounts import services as accounts
from ..accounts.models import User
from ..navigation import add_nav
from . import editing, mailing, policy, queries, services
from .forms import (
    AnswerInvitationForm,
    DecisionForm,
    EmptyForm,
    GroupForm,
    InviteForm,
    JoinForm,
    RoleForm,
)
from .models import Group, Invitation, JoinRequest

bp = Blueprint("groups", __name__, url_prefix="/groupes", template_folder="templates")


def _group(slug: str) -> Group:
    """Load a group the current user can see, else 404 (unlisted groups do not exist for others)."""
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None or not policy.can_view_group(current_user, group):
        abort(404)
    return group


def _done(message: str, slug: str, endpoint: str = "groups.show") -> Response:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, slug=slug))


def _forbidden(message: str) -> NoReturn:
    """403 with the French reason on the error page (and nothing written)."""
    db.session.rollback()
    exc = Forbidden()
    exc.french = message  # type: ignore[attr-defined]  # shown by the French error page
    raise exc


def _refused(exc: services.GroupError, slug: str, endpoint: str = "groups.show") -> Response:
    db.session.rollback()
    if isinstance(exc, services.Forbidden):
        _forbidden(str(exc))
    flash(str(exc), "error")
    return redirect(url_for(endpoint, slug=slug))


def _who(raw: str) -> User | None:
    """The active account named by an e-mail address or an ``@identifiant``."""
    who = raw.strip()
    user = (
        db.session.scalar(select(User).where(User.handle == who.lstrip("@").lower()))
        if "@" not in who.lstrip("@")
        else accounts.find_by_email(who)
    )
    return user if user is not None and user.is_active else None


def _themes(raw: str | None) -> list[str]:
    return [t.strip() for t in (raw or "").split(",") if t.strip()][:20]


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
    if not policy.can_create_group(current_user):
        abort(403)
    form = GroupForm()
    if form.validate_on_submit():
        if first := form.replayed():
            return redirect(first)
        try:
            group = services.create_group(
                current_user,
                name=form.name.data,
                summary=form.summary.data or "",
                description=form.description.data or "",
                charter=form.charter.data,
                themes=_themes(form.themes.data),
                member_cap=form.member_cap.data,
                listed=form.listed.data,
            )
        except services.GroupError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            form.fulfil(url_for("groups.show", slug=group.slug))
            return _done("Le groupe est créé : vous en êtes l'animateur·rice.", group.slug)
    return render_template("groups/edit.html", form=form, group=None)


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> str | Response:
    group = _group(slug)
    if not policy.can_edit_group(current_user, group):
        abort(403)
    form, conflict = GroupForm(obj=None), None
    if request.method == "GET":
        form.name.data, form.summary.data = group.name, group.summary
        form.description.data, form.charter.data = group.description_md, group.charter_md
        form.themes.data, form.member_cap.data = ", ".join(group.themes), group.member_cap
        form.listed.data = group.listed
        form.set_base(editing.editable_values(group))
    if form.validate_on_submit():
        base = form.base_values()
        try:
            if base is None:
                raise services.GroupError(
                    "La version de départ de cette modification est inconnue : vérifiez les "
                    "valeurs actuelles puis enregistrez à nouveau."
                )
            merged = editing.update_group(
                current_user,
                group,
                base=base,
                name=form.name.data,
                summary=form.summary.data or "",
                description=form.description.data or "",
                charter=form.charter.data,
                themes=_themes(form.themes.data),
                member_cap=form.member_cap.data,
                listed=form.listed.data,
            )
        except editing.GroupConflict as exc:
            db.session.rollback()
            conflict = exc
            form.set_base(editing.editable_values(group))  # the next save starts from these
        except services.GroupError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            form.set_base(editing.editable_values(group))
        else:
            return _done(EDITED[merged], group.slug)
    return render_template(
        "groups/edit.html", form=form, group=group, conflict=conflict, labels=LABELS
    )


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


@bp.route("/<slug>")
def show(slug: str) -> str:
    return _show_page(_group(slug))


def _show_page(group: Group, join_form: JoinForm | None = None) -> str:
    """The group's page; a join form that failed comes back with its errors and its text."""
    user = current_user
    return render_template(
        "groups/show.html",
        group=group,
        policy=policy,
        members=queries.members_of(group) if policy.can_view_members(user, group) else [],
        seats=services.member_count(group.id),
        pending=services.pending_request(group, user) if user.is_authenticated else None,
        invitation=next(
            (i for i in queries.pending_invitations_for(user) if i.group_id == group.id), None
        )
        if user.is_authenticated
        else None,
        join_form=join_form or JoinForm(formdata=None),
        answer_form=AnswerInvitationForm(),
        orphan=user.is_authenticated and user.is_admin and policy.is_orphan(group),
        appoint_form=InviteForm(),
    )


@bp.route("/<slug>/espace")
@login_required
def private(slug: str) -> str:
    group = _group(slug)
    if not policy.can_view_private(current_user, group):
        abort(403)
    manage = policy.can_manage_members(current_user, group)
    sections = [
        render(group) for render in current_app.extensions.get("commons.group_sections", [])
    ]
    return render_template(
        "groups/private.html",
        sections=sections,
        group=group,
        members=queries.members_of(group),
        requests=queries.pending_requests(group) if manage else [],
        manage=manage,
        decision_form=DecisionForm(),
        invite_form=InviteForm(),
        role_form=RoleForm(),
        empty_form=EmptyForm(),
        seats=services.member_count(group.id),
    )


@bp.route("/<slug>/rejoindre", methods=["POST"])
@login_required
def join(slug: str) -> Response:
    group = _group(slug)
    form = JoinForm()
    if not form.validate():
        return _show_page(group, form)  # type: ignore[return-value]
    if first := form.replayed():
        return redirect(first)
    try:
        join_request = services.request_join(
            current_user,
            group,
            message=form.message.data or "",
            accept_charter=form.accept_charter.data,
        )
    except services.GroupError as exc:
        return _refused(exc, slug)
    form.fulfil(url_for("groups.show", slug=slug))
    response = _done("Votre demande est envoyée à l'animation du groupe.", slug)
    mailing.request_received(join_request, group, current_user)
    return response


def _join_request(group: Group, request_id: int) -> JoinRequest:
    join = db.session.get(JoinRequest, request_id)
    if join is None or join.group_id != group.id:
        abort(404)
    return join


@bp.route(
    "/<slug>/demandes/<int:request_id>/<any(accepter, refuser, retirer):action>", methods=["POST"]
)
@login_required
def decide(slug: str, request_id: int, action: str) -> Response:
    group = _group(slug)
    join = _join_request(group, request_id)
    form = DecisionForm()
    if not form.validate():
        abort(400)
    try:
        if action == "accepter":
            services.approve(current_user, join)
            message = "La demande est acceptée : l'agent est membre du groupe."
        elif action == "refuser":
            services.decline(current_user, join, note=form.note.data or "")
            message = "La demande est refusée."
        else:
            services.withdraw(current_user, join)
            return _done("Votre demande est retirée.", slug)
    except services.GroupError as exc:
        return _refused(exc, slug, "groups.private")
    response = _done(message, slug, "groups.private")
    mailing.request_decided(join, group, db.session.get(User, join.user_id))
    return response


@bp.route("/<slug>/inviter", methods=["POST"])
@login_required
def invite(slug: str) -> Response:
    group = _group(slug)
    if not policy.can_manage_members(current_user, group):
        _forbidden(services.MANAGE_ONLY)
    form = InviteForm()
    if not form.validate():
        flash("Indiquez l'adresse électronique ou l'identifiant de l'agent à inviter.", "error")
        return redirect(url_for("groups.private", slug=slug))
    user = _who(form.who.data)
    if user is None:
        flash("Aucun compte actif ne correspond : vérifiez l'adresse ou l'identifiant.", "error")
        return redirect(url_for("groups.private", slug=slug))
    try:
        invitation = services.invite(current_user, group, user, message=form.message.data or "")
    except services.GroupError as exc:
        return _refused(exc, slug, "groups.private")
    response = _done(f"{user.display_name} est invité·e.", slug, "groups.private")
    mailing.invited(invitation, group, user, current_user)
    return response


@bp.route(
    "/<slug>/invitations/<int:invitation_id>/<any(accepter, refuser):action>", methods=["POST"]
)
@login_required
def answer(slug: str, invitation_id: int, action: str) -> Response:
    group = _group(slug)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.group_id != group.id:
        abort(404)
    form = AnswerInvitationForm()
    if not form.validate():
        abort(400)
    try:
        services.answer_invitation(
            current_user,
            invitation,
            accept=action == "accepter",
            accept_charter=form.accept_charter.data,
        )
    except services.GroupError as exc:
        return _refused(exc, slug)
    if action == "accepter":
        return _done("Bienvenue dans le groupe !", slug, "groups.private")
    db.session.commit()
    flash("Invitation déclinée.", "success")
    return redirect(url_for("groups.index"))


@bp.route("/<slug>/quitter", methods=["GET", "POST"])
@login_required
def leave(slug: str) -> Response | str:
    group = _group(slug)
    if request.method == "GET":  # the confirmation step, without JavaScript (RGAA 11.12)
        if not policy.can_leave(current_user, group):
            abort(403)
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
    EmptyForm().validate()
    try:
        services.leave(current_user, group)
    except services.GroupError as exc:
        return _refused(exc, slug)
    return _done("Vous avez quitté le groupe.", slug)


@bp.route("/<slug>/membres/<handle>/<any(retirer, role):action>", methods=["POST"])
@login_required
def member(slug: str, handle: str, action: str) -> Response:
    group = _group(slug)
    user = db.session.scalar(select(User).where(User.handle == handle)) or abort(404)
    try:
        if action == "retirer":
            services.remove_member(current_user, group, user)
            message = f"{user.display_name} ne fait plus partie du groupe."
        else:
            form = RoleForm()
            if not form.validate():
                abort(400)
            services.set_role(current_user, group, user, form.role.data)
            message = f"Le rôle de {user.display_name} est modifié."
    except services.GroupError as exc:
        return _refused(exc, slug, "groups.private")
    return _done(message, slug, "groups.private")


@bp.route("/<slug>/animation", methods=["POST"])
@login_required
def appoint(slug: str) -> Response:
    """An administrator names a facilitator for a group left without one (never themselves)."""
    group = _group(slug)
    form = InviteForm()
    if not form.validate():
        flash("Indiquez l'adresse électronique ou l'identifiant de la personne désignée.", "error")
        return redirect(url_for("groups.show", slug=slug))
    user = _who(form.who.data)
    if user is None:
        flash("Aucun compte actif ne correspond : vérifiez l'adresse ou l'identifiant.", "error")
        return redirect(url_for("groups.show", slug=slug))
    try:
        outcome = services.appoint_facilitator(
            current_user, group, user, message=form.message.data or ""
        )
    except services.GroupError as exc:
        return _refused(exc, slug)
    if outcome == "invited":
        response = _done(
            f"{user.display_name} est invité·e à animer le groupe ; les membres sont prévenus.",
            slug,
        )
        invitation = next(
            i for i in queries.pending_invitations_for(user) if i.group_id == group.id
        )
        mailing.invited(invitation, group, user, current_user)
        return response
    return _done(
        f"{user.display_name} anime désormais le groupe ; les membres sont prévenus.", slug
    )


def add_private_section(app: Flask, render: Callable[[Group], Markup]) -> None:
    """Let a feature (REX, forum…) show a section in a group's private space, without the
    groups package importing it."""
    app.extensions.setdefault("commons.group_sections", []).append(render)


def init_app(app: Flask) -> None:
    """Register the blueprint and its navigation entry."""
    from ..notifications.services import register_target
    from . import notices

    app.register_blueprint(bp)
    add_nav(app, "groups.index", "Groupes")
    register_target(notices.TARGET, notices.describe)
