"""Moderation pages on content: report, the moderation page of an item (reports and
actions), edit with a reason, and statements of reasons (read, contest)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import db, lifecycle
from ...accounts.models import User
from ...forms import choices
from ...forum import queries as forum_queries
from ...lifecycle import REFUSED
from .. import members, notices, policy, queries, reports, services, targets
from ..decisions import ACTIONS as LABELS
from ..decisions import NOT_YOURS
from ..forms import ContestForm, EditForm, MoveForm, ReasonForm, ReportForm
from ..models import REPORT_REASONS, TARGET_LABELS, Statement
from . import bp

KIND = "<any(post, thread, rex):kind>"
Action = Callable[[User, targets.Target, str], object]
ACTIONS: dict[str, Action] = {
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
    """The item if the current user moderates it (404 if they cannot see it, else 403)."""
    target = load_target(kind, target_id)
    lifecycle.require(policy.can_moderate(current_user, target), NOT_YOURS)
    return target


def done(url: str, message: str) -> Response:
    """After a decision: its e-mails queued (they leave after the commit), ``message``
    flashed, and on to ``url``."""
    notices.queue_statements()
    flash(message, "success")
    return redirect(url)


def back(kind: str, target_id: int, outcome: object, message: str) -> Response:
    """To the item's moderation page, saying ``message`` unless the service refused."""
    url = url_for("moderation.content", kind=kind, target_id=target_id)
    return redirect(url) if outcome is REFUSED else done(url, message)


@bp.route(f"/signaler/{KIND}/<int:target_id>", methods=["GET", "POST"])
@login_required
def report(kind: str, target_id: int) -> str | Response:
    target = load_target(kind, target_id)
    lifecycle.require(policy.can_report(current_user, target), reports.NOT_REPORTABLE)
    form = ReportForm()
    if form.validate_on_submit():
        if first := form.replayed():
            return redirect(first)
        outcome = lifecycle.attempt(
            form.reason, reports.report, current_user, target, **form.report()
        )
        if outcome is not REFUSED:
            form.fulfil(target.path)
            return done(target.path, "Merci : votre signalement est transmis à l'animation.")
    return render_template("moderation/report.html", form=form, target=target)


def move_form(target: targets.Target) -> MoveForm | None:
    """The form moving a network thread (Agora categories, groups the current user
    facilitates), or ``None`` when this item cannot be moved by them."""
    thread = target.thread
    if target.kind != "thread" or thread is None or thread.space != "network":
        return None
    if not policy.can_move_thread(current_user, target, None):
        return None
    form = MoveForm(formdata=None)
    options = [(f"category:{c.id}", f"Agora : {c.name}") for c in forum_queries.categories()]
    groups = queries.groups_named(policy.facilitated_group_ids(current_user))
    options += [(f"group:{g.id}", f"Groupe « {g.name} »") for g in groups]
    form.destination.choices = choices(options)
    return form


@bp.route(f"/contenu/{KIND}/<int:target_id>")
@login_required
def content(kind: str, target_id: int) -> str:
    target = load_moderated(kind, target_id)
    move = move_form(target)
    return render_template(
        "moderation/content.html",
        target=target,
        kinds=TARGET_LABELS,
        reasons=REPORT_REASONS,
        reports=queries.reports_on(kind, target_id),
        move_form=move or MoveForm(formdata=None),
        can_move=move is not None,
        author=db.session.get(User, target.author_id) if target.author_id else None,
    )


@bp.route(f"/contenu/{KIND}/<int:target_id>/<any({', '.join(ACTIONS)}):action>", methods=["POST"])
@login_required
def act(kind: str, target_id: int, action: str) -> Response:
    target = load_moderated(kind, target_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = lifecycle.attempt(None, ACTIONS[action], current_user, target, form.reason.data or "")
    return back(kind, target_id, outcome, DONE[action])


@bp.route("/contenu/thread/<int:target_id>/deplacer", methods=["POST"])
@login_required
def move(target_id: int) -> Response:
    target = load_moderated("thread", target_id)
    form = MoveForm()
    place = form.place()
    if not form.validate_on_submit() or place is None:
        abort(400)
    reason = form.reason.data or ""
    outcome = lifecycle.attempt(
        None, services.move_thread, current_user, target, reason=reason, **place
    )
    return back("thread", target_id, outcome, DONE["deplacer"])


@bp.route("/contenu/<any(post, rex):kind>/<int:target_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(kind: str, target_id: int) -> str | Response:
    target = load_moderated(kind, target_id)
    form = EditForm()
    if request.method == "GET":
        form.body.data, form.base.data = services.current_text(target)
    conflict = None
    if form.validate_on_submit():
        conflict = lifecycle.attempt(
            form.body, services.edit_unless_conflict, current_user, target, **form.edit()
        )
        if conflict is None:
            return back(kind, target_id, None, DONE["modifier"])
        if conflict:  # REFUSED is falsy; the next save starts from the text shown
            form.base.data = str(conflict.head)
    return render_template(
        "moderation/edit.html", form=form, target=target, conflict=conflict or None
    )


def statement_page(st: Statement, form: ContestForm) -> str:
    """A statement of reasons, with the form contesting it."""
    return render_template(
        "moderation/statement.html",
        st=st,
        action=LABELS.get(st.action, st.action),
        form=form,
        can_contest=policy.can_contest(current_user, st),
        addressee=current_user.id == st.user_id,
    )


@bp.route("/decisions/<int:statement_id>", methods=["GET", "POST"])
@login_required
def statement(statement_id: int) -> str | Response:
    st = lifecycle.load(Statement, statement_id, can=policy.can_view_statement)
    form = ContestForm()
    if request.method == "POST":
        lifecycle.require(policy.can_contest(current_user, st), members.NOT_CONTESTABLE)
        text = form.text.data or ""
        if (
            form.validate_on_submit()
            and lifecycle.attempt(form.text, members.contest, current_user, st, text) is not REFUSED
        ):
            url = url_for("moderation.statement", statement_id=st.id)
            return done(url, "Votre contestation est transmise à l'animation.")
    return statement_page(st, form)
