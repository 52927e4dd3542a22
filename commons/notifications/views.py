"""Notification centre, e-mail preferences, watches and the sign-in-free unsubscribe page."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .. import db, params
from ..security import safe_next
from . import cli, emails, mentions, reading, services
from .forms import LEVELS, ConfirmForm, PreferenceForm, WatchForm
from .models import Notification, Watch

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")
PER_PAGE = 30
SECTIONS = [("rex", "Retours d'expérience"), ("thread", "Discussions"), ("group", "Groupes")]


@bp.route("/")
@login_required
def index() -> str:
    page = params.page(request.args)
    mine = Notification.user_id == current_user.id
    total = db.session.scalar(select(func.count(Notification.id)).where(mine)) or 0
    notes = list(
        db.session.scalars(
            select(Notification)
            .where(mine)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return render_template(
        "notifications/index.html",
        entries=services.describe(current_user, notes),
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        form=ConfirmForm(),
    )


@bp.route("/tout-lu", methods=["POST"])
@login_required
def mark_all_read() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reading.mark_all_read(current_user)
    db.session.commit()
    flash("Toutes vos notifications sont marquées comme lues.", "success")
    return redirect(url_for("notifications.index"))


def _target(target_type: str, target_id: int) -> tuple[str, str] | None:
    """(label, URL) of a watch target the current user can see, else ``None``."""
    if target_type == "thread":
        from ..forum import policy as forum_policy
        from ..forum.models import Thread

        thread = db.session.get(Thread, target_id)
        if thread is None or not forum_policy.can_view_thread(current_user, thread):
            return None
        return thread.title, services.post_path(thread.id, 1)
    if target_type == "rex":
        from ..wiki.models import Rex
        from ..wiki.policy import can_view_rex

        rex = db.session.get(Rex, target_id)
        if rex is None or not can_view_rex(current_user, rex):
            return None
        return rex.title, url_for("wiki.show", slug=rex.slug)
    if target_type == "group":
        from ..groups.models import Group
        from ..groups.policy import can_view_private

        group = db.session.get(Group, target_id)
        if group is None or not can_view_private(current_user, group):
            return None
        return group.name, url_for("groups.show", slug=group.slug)
    return None


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> str | Response:
    form = PreferenceForm()
    if form.validate_on_submit():
        services.set_email_mode(current_user.id, form.email_mode.data)
        db.session.commit()
        flash("Vos préférences de courriel sont enregistrées.", "success")
        return redirect(url_for("notifications.preferences"))
    if request.method == "GET":
        form.email_mode.data = services.email_mode(current_user.id)
    return render_template(
        "notifications/preferences.html",
        form=form,
        rows=_watch_rows(),
        levels=LEVELS,
        watch_form=WatchForm(),
    )


def _watch_rows() -> list[dict[str, Any]]:
    """The current user's watches on what they can still see, with labels and links."""
    watches = db.session.scalars(
        select(Watch).where(Watch.user_id == current_user.id).order_by(Watch.id)
    ).all()
    rows: list[dict[str, Any]] = []
    for w in watches:
        target = _target(w.target_type, w.target_id)
        if target is not None:  # what one can no longer see is not listed (nor notified)
            rows.append({"watch": w, "label": target[0], "url": target[1]})
    return rows


@bp.route("/suivis")
@login_required
def watchlist() -> str:
    """« Mes suivis »: the REX, discussions and groups one follows, by kind, levels changeable."""
    rows = _watch_rows()
    sections = [
        (label, sorted((r for r in rows if r["watch"].target_type == kind), key=_by_label))
        for kind, label in SECTIONS
    ]
    return render_template(
        "notifications/watchlist.html", sections=sections, levels=LEVELS, watch_form=WatchForm()
    )


def _by_label(row: dict[str, Any]) -> str:
    return str(row["label"]).casefold()


def _safe_next(value: str | None) -> str:
    return safe_next(value, url_for("notifications.preferences"))


@bp.route("/suivre", methods=["POST"])
@login_required
def follow() -> Response:
    form = WatchForm()
    if not form.validate_on_submit():
        abort(400)
    if _target(form.target_type.data, form.target_id.data) is None:
        abort(403)
    services.watch(current_user, form.target_type.data, form.target_id.data, form.level.data)
    db.session.commit()
    flash("Votre suivi est enregistré.", "success")
    return redirect(_safe_next(form.next.data))


@bp.route("/mentions.json")
@login_required
def mention_suggestions() -> Response:
    """JSON suggestions for ``@``: people who can read the thread (``sujet``), or a new thread
    of the group (``groupe``) or of the network; 404 for what the asker cannot see."""
    from ..forum import policy as forum_policy
    from ..forum.models import Thread

    thread_id = request.args.get("sujet", 0, type=int) or 0
    group_id = request.args.get("groupe", 0, type=int) or None
    thread = db.session.get(Thread, thread_id) if thread_id else None
    if thread_id and (thread is None or not forum_policy.can_view_thread(current_user, thread)):
        abort(404)
    if group_id and not forum_policy.can_create_thread(current_user, "group", group_id):
        abort(404)
    people = mentions.suggest(current_user, request.args.get("q", ""), thread, group_id)
    return jsonify(
        people=[
            {
                "handle": u.handle,
                "name": u.display_name,
                "job": u.job_title,
                "collectivite": u.collectivite.name if u.collectivite else "",
            }
            for u in people
        ]
    )


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> str | Response:
    user = emails.user_from_unsubscribe_token(token)
    if user is None:
        abort(404)
    form = ConfirmForm()
    done = False
    if form.validate_on_submit():
        services.set_email_mode(user.id, "none")
        db.session.commit()
        done = True
    return render_template("notifications/unsubscribe.html", form=form, done=done)


def _unread_notifications() -> int:
    return reading.unread_count(current_user)


def _watch_level(target_type: str, target_id: int) -> str:
    """The signed-in user's watch level on a target, for the "Suivre" forms."""
    return services.watch_level(current_user, target_type, target_id) or ""


def init_app(app: Flask) -> None:
    """Register the blueprint, the header's unread counter and ``commons notify``."""
    app.register_blueprint(bp)
    app.cli.add_command(cli.notify_group)
    app.jinja_env.filters["mentions"] = mentions.link_mentions

    @app.context_processor
    def notification_counter() -> dict[str, Any]:
        # A callable: the COUNT runs only when a page's header asks for it (not in e-mails).
        return {"unread_notifications": _unread_notifications, "watch_level": _watch_level}
