"""The network calendar of one's groups' sessions, the management of one's secret calendar
feeds, and the feeds themselves (``/agenda/<token>.ics``, no sign-in: the token is the key;
a guessed or revoked token gives 404)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...groups import policy as groups
from ...groups.models import Group
from ...mail import absolute_url
from .. import calendar, queries
from ..forms import EmptyForm, FeedForm
from ..models import CalendarFeed

bp = Blueprint("session_feeds", __name__)


def _page(form: FeedForm, new_url: str = "") -> str:
    mine = queries.groups_of(current_user)
    form.group.choices = [("", "Toutes mes séances")] + [(str(g.id), g.name) for g in mine]
    return render_template(
        "sessions/calendar.html",
        sessions=queries.coming(current_user),
        groups={g.id: g for g in mine},
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


def _feed_group(raw: str) -> Group | None:
    """The group a new feed is for (``""``: all one's groups); 404 unless one is a member."""
    if not raw:
        return None
    group_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    return lifecycle.load(Group, group_id, can=groups.is_member)


@bp.route("/seances/flux", methods=["POST"])
@login_required
def create() -> str | Response:
    form = FeedForm()
    form.group.choices = []
    if not form.validate():
        abort(400)
    group = _feed_group(form.group.data or "")
    video = bool(form.include_video.data)
    _feed, token = calendar.create_feed(current_user, group, include_video=video)
    flash(
        "Votre flux est créé. Copiez son adresse maintenant : elle ne sera plus affichée.",
        "success",
    )
    return _page(FeedForm(), absolute_url("session_feeds.feed", token=token))


@bp.route("/seances/flux/<int:feed_id>/revoquer", methods=["POST"])
@login_required
def revoke(feed_id: int) -> Response:
    feed = lifecycle.load(CalendarFeed, feed_id, can=lambda user, f: f.user_id == user.id)
    EmptyForm().validate()
    calendar.revoke(current_user, feed)
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
