"""Routes of the group agenda ("Sujets proposés"): list, proposal, support, status."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from ... import lifecycle, params
from ...groups import policy as group_policy
from ...groups.models import Group
from ...wiki import services as wiki
from .. import agenda, queries
from ..agenda_forms import ProposeForm, StatusForm
from ..models import TOPIC_STATUS_LABELS, Topic
from . import created_once

bp = Blueprint("agenda", __name__, url_prefix="/groupes")

SECTION_SIZE = 5
SUPPORTED = {True: "Votre soutien est enregistré.", False: "Votre soutien est retiré."}


def member_group(slug: str) -> Group:
    """The group if the current user is a member: 404 if they cannot see it, else 403."""
    group = lifecycle.load(Group, queries.group_id(slug), can=group_policy.can_view_group)
    lifecycle.require(agenda.can_vote(current_user, group))
    return group


def _topic(group: Group, topic_id: int) -> Topic:
    topic = agenda.topic_in(group, topic_id)
    if topic is None:
        abort(404)
    return topic


def _back(group: Group, topic_id: int | None = None) -> Response:
    anchor = f"sujet-{topic_id}" if topic_id else None
    return redirect(url_for("agenda.index", slug=group.slug, _anchor=anchor))


def _page(group: Group, form: ProposeForm) -> str:
    topics = agenda.topics_of(group)
    threads, rexes = agenda.linked(current_user, topics)
    return render_template(
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


@bp.route("/<slug>/sujets")
@login_required
def index(slug: str) -> str:
    return _page(member_group(slug), ProposeForm())


@bp.route("/<slug>/sujets", methods=["POST"])
@login_required
def propose(slug: str) -> Response | str:
    group = member_group(slug)
    form = ProposeForm()
    if form.validate_on_submit():
        done = created_once(form.title, form, lambda: _propose(group, form))
        if done is not lifecycle.REFUSED:
            if done[1]:
                flash("Votre sujet est proposé au groupe.", "success")
            return redirect(done[0])
    return _page(group, form)


def _propose(group: Group, form: ProposeForm) -> str:
    topic = agenda.propose(current_user, group, form.title.data, form.description.data)
    return str(_back(group, topic.id).location)


@bp.route("/<slug>/sujets/<int:topic_id>/soutien", methods=["POST"])
@login_required
def support(slug: str, topic_id: int) -> Response:
    group = member_group(slug)
    topic = _topic(group, topic_id)
    supported = lifecycle.attempt(None, agenda.toggle_vote, current_user, topic)
    if supported is not lifecycle.REFUSED:
        flash(SUPPORTED[supported], "success")
    return _back(group, topic.id)


@bp.route("/<slug>/sujets/<int:topic_id>/statut", methods=["POST"])
@login_required
def status(slug: str, topic_id: int) -> Response:
    group = member_group(slug)
    topic = _topic(group, topic_id)
    lifecycle.require(agenda.can_set_status(current_user, group))
    form = StatusForm()
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(f"« {topic.title} » : {' '.join(map(str, messages))}", "error")
    elif lifecycle.attempt(None, _set_status, topic, form) is not lifecycle.REFUSED:
        flash(f"Le statut de « {topic.title} » est enregistré.", "success")
    return _back(group, topic.id)


def _set_status(topic: Topic, form: StatusForm) -> None:
    """The status and links from the form; a refusal names the topic."""
    wanted = (form.rex.data or "").rstrip("/").rsplit("/", 1)[-1]
    rex, _old = wiki.by_slug(wanted) if wanted else (None, False)
    try:
        if wanted and rex is None:
            raise agenda.AgendaError("REX introuvable ou non visible dans ce groupe.")
        thread_id = params.optional_number(form.thread.data)
        status = form.status.data or ""
        agenda.set_status(current_user, topic, status, thread_id, rex.id if rex else None)
    except agenda.AgendaError as exc:
        raise agenda.AgendaError(f"« {topic.title} » : {exc.message}") from None


def group_section(group: Group) -> Markup:
    """The "Sujets proposés" section of a group's private space: the top open topics."""
    topics = agenda.topics_of(group, limit=SECTION_SIZE, open_only=True)
    return Markup(
        render_template(
            "forum/agenda_section.html", group=group, topics=topics, labels=TOPIC_STATUS_LABELS
        )
    )
