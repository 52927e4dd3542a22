"""Routes of a session's agenda (from the group's topics, with time boxes) and attendance."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import dates
from .. import attendance as presence
from .. import program
from ..forms import AgendaItemForm, EmptyForm
from ..models import GroupSession
from . import act, bp, member_group, session_in, to_show

BASE = "/<slug>/seances/<int:session_id>"
MOVED = "Point déplacé."


@bp.route(f"{BASE}/ordre-du-jour", methods=["POST"])
@login_required
def add_item(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    back = to_show(group, session, "ordre-du-jour")
    form = AgendaItemForm()
    form.validate()
    if form.minutes.errors:
        flash(f"Durée prévue : {form.minutes.errors[0]}", "error")
        return back
    return act(back, "Le point est ajouté à l'ordre du jour.", _add, session, form)


def _add(session: GroupSession, form: AgendaItemForm) -> object:
    raw = form.topic.data or ""
    if raw and not raw.isdigit():
        abort(400)
    topic_id, title, minutes = int(raw) if raw else None, form.title.data or "", form.minutes.data
    return program.add(current_user, session, topic_id=topic_id, title=title, minutes=minutes or 20)


ACTIONS = {
    "monter": (lambda session, item: program.move(current_user, session, item, -1), MOVED),
    "descendre": (lambda session, item: program.move(current_user, session, item, +1), MOVED),
    "retirer": (lambda session, item: program.remove(current_user, session, item), "Point retiré."),
    "traite": (
        lambda session, item: program.mark_discussed(current_user, session, item),
        "Point traité : le sujet passe à « Traité ».",
    ),
}


@bp.route(
    f"{BASE}/ordre-du-jour/<int:item_id>/<any(monter, descendre, retirer, traite):action>",
    methods=["POST"],
)
@login_required
def item_action(slug: str, session_id: int, item_id: int, action: str) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    item = program.item_in(session, item_id)
    if item is None:
        abort(404)
    EmptyForm().validate()
    run, message = ACTIONS[action]
    return act(to_show(group, session, "ordre-du-jour"), message, run, session, item)


@bp.route(f"{BASE}/presences", methods=["POST"])
@login_required
def attendance(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    EmptyForm().validate()
    raw = request.form.getlist("present")
    if not all(v.isdigit() and len(v) < 12 for v in raw):
        abort(400)
    present = {int(v) for v in raw}
    back = to_show(group, session, "presences")
    return act(back, _recorded, presence.record_attendance, current_user, session, present)


def _recorded(count: int) -> str:
    people = dates.ngettext("%(num)d personne", "%(num)d personnes", count)
    return f"Présences enregistrées : {people}."
