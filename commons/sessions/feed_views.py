"""The network calendar of one's groups' sessions, the management of one's secret calendar
feeds, and the feeds themselves (``/agenda/<token>.ics``, no sign-in: the token is the key;
a guessed or revoked token gives 404)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import db
from ..groups import policy as groups
from ..groups.models import Group, Membership
from ..mail import absolute_url
from . import calendar, policy
from .forms import EmptyForm, FeedForm
from .models import CalendarFeed, GroupSession

bp = Blueprint("session_feeds", __name__, template_folder="templates")


def _my_groups() -> list[Group]:
    return list(
        db.session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == current_user.id)
            .order_by(Group.name)
        )
    )


def _page(form: FeedForm, new_url: str = "") -> str:
    mine = _my_groups()
    sessions = list(
        db.session.scalars(
            select(GroupSession)
            .where(policy.visible_sessions(current_user), GroupSession.starts_at >= db.utcnow())
            .order_by(GroupSession.starts_at)
            .limit(100)
        )
    )
    by_id = {g.id: g for g in mine}
    form.group.choices = [("", "Toutes mes séances")] + [(str(g.id), g.name) for g in mine]
    return render_template(
        "sessions/calendar.html",
        sessions=sessions,
        groups=by_id,
        feeds=calendar.feeds_of(current_user),
        describe=calendar.describe_feed,
        form=form,
        empty_form=EmptyForm(),
        new_url=new_url,
    )


@bp.route("/seances/")
@login_required
def index() -> str:
    return _page(FeedForm())


@bp.route("/seances/flux", methods=["POST"])
@login_required
def create() -> str | Response:
    form = FeedForm()
    form.group.choices = []
    if not form.validate():
        abort(400)
    group = None
    raw = form.group.data or ""
    if raw:
        group = db.session.get(Group, int(raw)) if raw.isdigit() and len(raw) < 12 else None
        if group is None or not groups.is_member(current_user, group):
            abort(404)
    _feed, token = calendar.create_feed(
        current_user, group, include_video=bool(form.include_video.data)
    )
    db.session.commit()
    flash(
        "Votre flux est créé. Copiez son adresse maintenant : elle ne sera plus affichée.",
        "success",
    )
    return _page(FeedForm(), absolute_url("session_feeds.feed", token=token))


@bp.route("/seances/flux/<int:feed_id>/revoquer", methods=["POST"])
@login_required
def revoke(feed_id: int) -> Response:
    feed = db.session.get(CalendarFeed, feed_id)
    if feed is None or feed.user_id != current_user.id:
        abort(404)
    EmptyForm().validate()
    calendar.revoke(current_user, feed)
    db.session.commit()
    flash("Le flux est révoqué : son adresse ne fonctionne plus.", "success")
    return redirect(url_for("session_feeds.index"))


@bp.route("/agenda/<token>.ics")
def feed(token: str) -> Response:
    found = calendar.feed_for_token(token)
    data = calendar.feed_content(found) if found is not None else None
    if data is None:
        abort(404)
    response = Response(data, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
