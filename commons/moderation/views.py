"""Moderation pages on content: report, the moderation page of an item (reports and
actions), edit with a reason, and statements of reasons (read, contest)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db, params
from ..accounts.models import User
from ..forms import choices
from ..forum import queries as forum_queries
from ..groups.models import Group
from . import members, notices, policy, queries, reports, services, targets
from .forms import ContestForm, EditForm, MoveForm, ReasonForm, ReportForm
from .models import REPORT_REASONS, TARGET_LABELS, Statement

bp = Blueprint("moderation", __name__, url_prefix="/animation", template_folder="templates")
KIND = "<any(post, thread, rex):kind>"
ACTIONS = {
    "masquer": services.hide,
    "retablir": services.restore,
    "classer": services.dismiss,
    "verrouiller": lambda actor, target, reason: services.set_lock(actor, target, True, reason),
    "deverrouiller": lambda actor, target, reason: services.set_lock(actor, target, False, reason),
}
DONE = {
    "masquer": "Le contenu est masqué ; son auteur·rice est informé·e du motif.",
    "retablir": "Le contenu est rétabli.",
    "classer": "Les signalements sont classés sans suite.",
    "verrouiller": "La discussion est verrouillée.",
    "deverrouiller": "La discussion est déverrouillée.",
    "deplacer": "La discussion est déplacée.",
    "modifier": "Le contenu est modifié ; son auteur·rice est informé·e du motif.",
}


def load_target(kind: str, target_id: int) -> targets.Target:
    """The item if the current user can see it, else 404 (its existence does not leak)."""
    target = targets.load(kind, target_id)
    if target is None or not policy.can_view_target(current_user, target):
        abort(404)
    return target


def load_moderated(kind: str, target_id: int) -> targets.Target:
    target = load_target(kind, target_id)
    if not policy.can_moderate(current_user, target):
        abort(403)
    return target


def _after_commit() -> None:
    from ..notifications import emails

    notices.send_pending()
    emails.deliver_pending()


@bp.route(f"/signaler/{KIND}/<int:target_id>", methods=["GET", "POST"])
@login_required
def report(kind: str, target_id: int) -> str | Response:
    target = load_target(kind, target_id)
    if not policy.can_report(current_user, target):
        abort(403)
    form = ReportForm()
    if form.validate_on_submit():
        if first := form.replayed():
            return redirect(first)
        try:
            reports.report(current_user, target, form.reason.data, form.comment.data or "")
        except services.ModerationError as exc:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(exc)]
        else:
            form.fulfil(target.path)
            db.session.commit()
            _after_commit()
            flash("Merci : votre signalement est transmis à l'animation.", "success")
            return redirect(target.path)
    return render_template("moderation/report.html", form=form, target=target)


def _move_choices() -> list[tuple[str, str]]:
    """Agora categories, and the groups the current user facilitates."""
    options = [(f"category:{c.id}", f"Agora : {c.name}") for c in forum_queries.categories()]
    ids = policy.facilitated_group_ids(current_user)
    stmt = select(Group).where(Group.id.in_(ids)).order_by(Group.name)
    groups = db.session.scalars(stmt) if ids else []
    return options + [(f"group:{g.id}", f"Groupe « {g.name} »") for g in groups]


@bp.route(f"/contenu/{KIND}/<int:target_id>")
@login_required
def content(kind: str, target_id: int) -> str:
    target = load_moderated(kind, target_id)
    move_form = MoveForm(formdata=None)
    move_form.destination.choices = choices(_move_choices())
    network_thread = target.kind == "thread" and target.obj.space == "network"  # type: ignore[union-attr]
    return render_template(
        "moderation/content.html",
        target=target,
        kinds=TARGET_LABELS,
        reasons=REPORT_REASONS,
        reports=queries.reports_on(kind, target_id),
        move_form=move_form,
        can_move=network_thread and policy.can_move_thread(current_user, target, None),
        author=db.session.get(User, target.author_id) if target.author_id else None,
    )


def _refused(exc: services.ModerationError, kind: str, target_id: int) -> Response:
    db.session.rollback()
    if isinstance(exc, services.Forbidden):
        abort(403)
    flash(str(exc), "error")
    return redirect(url_for("moderation.content", kind=kind, target_id=target_id))


@bp.route(
    f"/contenu/{KIND}/<int:target_id>/<any({', '.join(ACTIONS)}):action>",
    methods=["POST"],
)
@login_required
def act(kind: str, target_id: int, action: str) -> Response:
    target = load_moderated(kind, target_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ACTIONS[action](current_user, target, form.reason.data or "")
    except services.ModerationError as exc:
        return _refused(exc, kind, target_id)
    db.session.commit()
    _after_commit()
    flash(DONE[action], "success")
    return redirect(url_for("moderation.content", kind=kind, target_id=target_id))


@bp.route("/contenu/thread/<int:target_id>/deplacer", methods=["POST"])
@login_required
def move(target_id: int) -> Response:
    target = load_moderated("thread", target_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    where, _, raw = (form.destination.data or "").partition(":")
    ident = params.optional_number(raw, minimum=1)
    if where not in ("category", "group") or ident is None:
        abort(400)
    group_id = ident if where == "group" else None
    category_id = ident if where == "category" else None
    try:
        services.move_thread(
            current_user,
            target,
            group_id=group_id,
            category_id=category_id,
            reason=form.reason.data or "",
        )
    except services.ModerationError as exc:
        return _refused(exc, "thread", target_id)
    db.session.commit()
    _after_commit()
    flash(DONE["deplacer"], "success")
    return redirect(url_for("moderation.content", kind="thread", target_id=target_id))


@bp.route("/contenu/<any(post, rex):kind>/<int:target_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(kind: str, target_id: int) -> str | Response:
    target = load_moderated(kind, target_id)
    form, conflict = EditForm(), None
    if request.method == "GET":
        form.body.data, form.base.data = _current(target)
    if form.validate_on_submit():
        base = int(form.base.data) if (form.base.data or "").isdigit() else -1
        try:
            services.edit(current_user, target, form.body.data or "", form.reason.data or "", base)
        except services.CONFLICTS as exc:
            db.session.rollback()
            conflict, form.base.data = exc, str(exc.head)  # the next save starts from what is shown
        except services.Forbidden:
            db.session.rollback()
            abort(403)
        except services.ModerationError as exc:
            db.session.rollback()
            form.body.errors = [*form.body.errors, str(exc)]
        else:
            db.session.commit()
            _after_commit()
            flash(DONE["modifier"], "success")
            return redirect(url_for("moderation.content", kind=kind, target_id=target_id))
    return render_template("moderation/edit.html", form=form, target=target, conflict=conflict)


def _current(target: targets.Target) -> tuple[str, str]:
    """The text a facilitator starts editing from, and its version (the edit's base)."""
    from ..forum import services as forum
    from ..wiki import services as wiki

    if target.kind == "post":
        return target.obj.source, str(forum.version(target.obj))  # type: ignore[arg-type]
    rex = target.obj
    return wiki.revision(rex, rex.head).source, str(rex.head)  # type: ignore[arg-type,union-attr]


@bp.route("/decisions/<int:statement_id>", methods=["GET", "POST"])
@login_required
def statement(statement_id: int) -> str | Response:
    st = db.session.get(Statement, statement_id)
    if st is None or not policy.can_view_statement(current_user, st):
        abort(404)
    form = ContestForm()
    if request.method == "POST":
        if not policy.can_contest(current_user, st):
            abort(403)
        if form.validate_on_submit():
            try:
                members.contest(current_user, st, form.text.data or "")
            except services.ModerationError as exc:
                db.session.rollback()
                form.text.errors = [*form.text.errors, str(exc)]
            else:
                db.session.commit()
                _after_commit()
                flash("Votre contestation est transmise à l'animation.", "success")
                return redirect(url_for("moderation.statement", statement_id=st.id))
    return render_template(
        "moderation/statement.html",
        st=st,
        action=services.ACTIONS.get(st.action, st.action),
        form=form,
        can_contest=policy.can_contest(current_user, st),
        addressee=current_user.id == st.user_id,
    )


REPORT_LINK = Markup(
    '<a class="moderation-report" href="{}">Signaler<span class="visually-hidden"> {}</span></a>'
)
MODERATION_LINK = Markup(
    '<a class="moderation-link" href="{}">Modérer<span class="visually-hidden"> {}</span></a>'
)


#: A target id no real URL contains: ``url_for`` runs once per kind and page, not per message.
_SENTINEL = 987_654_321


def _link_url(endpoint: str, kind: str, target_id: int) -> str:
    cache: dict[tuple[str, str], str] = g.setdefault("_moderation_urls", {})
    if (endpoint, kind) not in cache:
        cache[(endpoint, kind)] = url_for(endpoint, kind=kind, target_id=_SENTINEL)
    return cache[(endpoint, kind)].replace(str(_SENTINEL), str(int(target_id)))


def report_link(kind: str, target_id: int, what: str = "") -> Markup:
    """The "Signaler" link for a post, thread or REX (signed-in users only). Formatted, not
    rendered: a discussion page shows one per message."""
    if not getattr(current_user, "is_authenticated", False):
        return Markup("")
    return REPORT_LINK.format(_link_url("moderation.report", kind, target_id), what)


def moderation_link(kind: str, target_id: int, what: str = "") -> Markup:
    """The "Modérer" link; callers show it to moderators only (the page checks again)."""
    return MODERATION_LINK.format(_link_url("moderation.content", kind, target_id), what)


def can_moderate(obj: object) -> bool:
    """For templates: whether the current user moderates ``obj`` (reads it when hidden)."""
    return policy.can_moderate(current_user, targets.of(obj))  # type: ignore[arg-type]


def group_section(group: Group) -> Markup:
    """The "Animation du groupe" section of a group's private space, for its facilitators."""
    if not policy.can_view_group_dashboard(current_user, group.id):
        return Markup("")
    return Markup(
        render_template(
            "moderation/_group_section.html",
            group=group,
            open_reports=queries.group_counts(frozenset({group.id}))[group.id][1],
        )
    )


def show_moderation_nav() -> bool:
    """For the header: whether the current user facilitates anything."""
    return bool(getattr(current_user, "is_authenticated", False)) and policy.can_view_queue(
        current_user
    )


def init_app(app: Flask) -> None:
    """Register the blueprints, template helpers, group section and notification kinds."""
    from ..groups.views import add_private_section
    from . import board_views, member_views

    notices.register()
    app.register_blueprint(bp)
    board_views.init_app(app)
    member_views.init_app(app)
    add_private_section(app, group_section)
    app.jinja_env.globals.update(
        report_link=report_link,
        moderation_link=moderation_link,
        can_moderate=can_moderate,
        show_moderation_nav=show_moderation_nav,
    )
