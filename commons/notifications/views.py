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
from werkzeug.wrappers import Response

from .. import lifecycle, params
from ..forum import policy as forum_policy
from ..forum.models import Thread
from ..security import safe_next
from . import cli, emails, mentions, queries, reading, services
from .forms import LEVELS, ConfirmForm, PreferenceForm, WatchForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")
SECTIONS = [("rex", "Retours d'expérience"), ("thread", "Discussions"), ("group", "Groupes")]


@bp.route("/")
@login_required
def index() -> str:
    page = params.page(request.args)
    notes, pages = queries.notifications_page(current_user, page)
    entries = services.describe(current_user, notes)
    return render_template(
        "notifications/index.html", entries=entries, page=page, pages=pages, form=ConfirmForm()
    )


@bp.route("/tout-lu", methods=["POST"])
@login_required
def mark_all_read() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reading.mark_all_read(current_user)
    flash("Toutes vos notifications sont marquées comme lues.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> str | Response:
    form = PreferenceForm()
    if form.validate_on_submit():
        services.set_email_mode(current_user.id, form.email_mode.data)
        flash("Vos préférences de courriel sont enregistrées.", "success")
        return redirect(url_for("notifications.preferences"))
    if request.method == "GET":
        form.email_mode.data = services.email_mode(current_user.id)
    return _preferences_page(form)


def _preferences_page(form: PreferenceForm) -> str:
    rows, watch_form = queries.watch_rows(current_user), WatchForm()
    page = {"form": form, "rows": rows, "levels": LEVELS, "watch_form": watch_form}
    return render_template("notifications/preferences.html", **page)


@bp.route("/suivis")
@login_required
def watchlist() -> str:
    """« Mes suivis »: the REX, discussions and groups one follows, by kind, levels changeable."""
    sections = queries.watch_sections(current_user, SECTIONS)
    return render_template(
        "notifications/watchlist.html", sections=sections, levels=LEVELS, watch_form=WatchForm()
    )


@bp.route("/suivre", methods=["POST"])
@login_required
def follow() -> Response:
    form = WatchForm()
    if not form.validate_on_submit():
        abort(400)
    target_type, target_id = form.target_type.data, form.target_id.data
    lifecycle.require(queries.watch_target(current_user, target_type, target_id) is not None)
    services.watch(current_user, target_type, target_id, form.level.data)
    flash("Votre suivi est enregistré.", "success")
    return redirect(safe_next(form.next.data, url_for("notifications.preferences")))


@bp.route("/mentions.json")
@login_required
def mention_suggestions() -> Response:
    """JSON suggestions for ``@``: people who can read the thread (``sujet``), or a new thread
    of the group (``groupe``) or of the network; 404 for what the asker cannot see."""
    thread_id = request.args.get("sujet", 0, type=int) or 0
    group_id = request.args.get("groupe", 0, type=int) or None
    thread = (
        lifecycle.load(Thread, thread_id, can=forum_policy.can_view_thread) if thread_id else None
    )
    if group_id and not forum_policy.can_create_thread(current_user, "group", group_id):
        abort(404)
    people = mentions.suggest(current_user, request.args.get("q", ""), thread, group_id)
    return jsonify(people=[mentions.suggestion(u) for u in people])


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> str | Response:
    user = emails.user_from_unsubscribe_token(token)
    if user is None:
        abort(404)
    form = ConfirmForm()
    done = False
    if form.validate_on_submit():
        services.set_email_mode(user.id, "none")
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
