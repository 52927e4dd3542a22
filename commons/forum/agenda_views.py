"""Routes of the group agenda ("Sujets proposés"): list, proposal, support, status."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from .. import db, params
from ..groups.models import Group
from ..groups.views import _group
from ..wiki import services as wiki
from . import agenda
from .agenda_forms import ProposeForm, StatusForm
from .models import TOPIC_STATUS_LABELS, Topic

bp = Blueprint("agenda", __name__, url_prefix="/groupes", template_folder="templates")

SECTION_SIZE = 5


def _member_group(slug: str) -> Group:
    """The group if the current user is a member: 404 if they cannot see it, else 403."""
    group = _group(slug)
    if not agenda.can_vote(current_user, group):
        abort(403)
    return group


def _topic(group: Group, topic_id: int) -> Topic:
    topic = agenda.topic_in(group, topic_id)
    if topic is None:
        abort(404)
    return topic


def _back(group: Group, topic_id: int | None = None) -> Response:
    anchor = f"sujet-{topic_id}" if topic_id else None
    return redirect(url_for("agenda.index", slug=group.slug, _anchor=anchor))


def _page(group: Group, form: ProposeForm, status: int = 200) -> tuple[str, int]:
    topics = agenda.topics_of(group)
    threads, rexes = agenda.linked(current_user, topics)
    html = render_template(
        "forum/agenda.html",
        group=group,
        topics=topics,
        voted=agenda.voted_ids(current_user, topics),
        threads=threads,
        rexes=rexes,
        labels=TOPIC_STATUS_LABELS,
        unavailable=agenda.UNAVAILABLE,
        form=form,
        can_propose=agenda.can_propose(current_user, group),
        can_set_status=agenda.can_set_status(current_user, group),
    )
    return html, status


@bp.route("/<slug>/sujets")
@login_required
def index(slug: str) -> tuple[str, int]:
    return _page(_member_group(slug), ProposeForm())


@bp.route("/<slug>/sujets", methods=["POST"])
@login_required
def propose(slug: str) -> Response | tuple[str, int]:
    group = _member_group(slug)
    form = ProposeForm()
    if form.validate_on_submit():
        if first := form.replayed():
            return redirect(first)
        try:
            topic = agenda.propose(current_user, group, form.title.data, form.description.data)
        except agenda.Forbidden:
            db.session.rollback()
            abort(403)
        except agenda.AgendaError as exc:
            db.session.rollback()
            form.title.errors = [str(exc)]
        else:
            response = _back(group, topic.id)
            form.fulfil(response.location)
            db.session.commit()
            flash("Votre sujet est proposé au groupe.", "success")
            return response
    return _page(group, form)


@bp.route("/<slug>/sujets/<int:topic_id>/soutien", methods=["POST"])
@login_required
def support(slug: str, topic_id: int) -> Response:
    group = _member_group(slug)
    topic = _topic(group, topic_id)
    try:
        supported = agenda.toggle_vote(current_user, topic)
    except agenda.Forbidden:
        db.session.rollback()
        abort(403)
    except agenda.AgendaError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(group, topic.id)
    db.session.commit()
    flash("Votre soutien est enregistré." if supported else "Votre soutien est retiré.", "success")
    return _back(group, topic.id)


@bp.route("/<slug>/sujets/<int:topic_id>/statut", methods=["POST"])
@login_required
def status(slug: str, topic_id: int) -> Response:
    group = _member_group(slug)
    topic = _topic(group, topic_id)
    if not agenda.can_set_status(current_user, group):
        abort(403)
    form = StatusForm()
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(f"« {topic.title} » : {' '.join(map(str, messages))}", "error")
        return _back(group, topic.id)
    wanted = (form.rex.data or "").rstrip("/").rsplit("/", 1)[-1]
    rex, _old = wiki.by_slug(wanted) if wanted else (None, False)
    try:
        if wanted and rex is None:
            raise agenda.AgendaError("REX introuvable ou non visible dans ce groupe.")
        agenda.set_status(
            current_user,
            topic,
            form.status.data or "",
            params.optional_number(form.thread.data),
            rex.id if rex else None,
        )
    except agenda.Forbidden:
        db.session.rollback()
        abort(403)
    except agenda.AgendaError as exc:
        db.session.rollback()
        flash(f"« {topic.title} » : {exc}", "error")
        return _back(group, topic.id)
    db.session.commit()
    flash(f"Le statut de « {topic.title} » est enregistré.", "success")
    return _back(group, topic.id)


def group_section(group: Group) -> Markup:
    """The "Sujets proposés" section of a group's private space: the top open topics."""
    return Markup(
        render_template(
            "forum/agenda_section.html",
            group=group,
            topics=agenda.topics_of(group, limit=SECTION_SIZE, open_only=True),
            labels=TOPIC_STATUS_LABELS,
        )
    )


def init_app(app: Flask) -> None:
    """Register the blueprint and the private-space section."""
    from ..groups.views import add_private_section

    add_private_section(app, group_section)
    app.register_blueprint(bp)
