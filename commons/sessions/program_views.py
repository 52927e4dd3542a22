"""Routes of a session's agenda (from the group's topics, with time boxes) and attendance.
Routes of the ``sessions`` blueprint, added when :mod:`.views` imports this module."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, flash, request
from flask_login import current_user, login_required

from .. import db
from . import attendance as presence
from . import program, services
from .forms import AgendaItemForm, EmptyForm
from .views import bp, member_group, session_in, to_show

BASE = "/<slug>/seances/<int:session_id>"


def _run(action: Callable[[], object], group, session, success: str) -> Response:  # type: ignore[no-untyped-def]
    try:
        action()
    except services.Forbidden:
        db.session.rollback()
        abort(403)
    except services.SessionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return to_show(group, session, "ordre-du-jour")
    db.session.commit()
    flash(success, "success")
    return to_show(group, session, "ordre-du-jour")


@bp.route(f"{BASE}/ordre-du-jour", methods=["POST"])
@login_required
def add_item(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    form = AgendaItemForm()
    form.validate()
    if form.minutes.errors:
        flash(f"Durée prévue : {form.minutes.errors[0]}", "error")
        return to_show(group, session, "ordre-du-jour")
    raw = form.topic.data or ""
    if raw and not raw.isdigit():
        abort(400)
    return _run(
        lambda: program.add(
            current_user,
            session,
            topic_id=int(raw) if raw else None,
            title=form.title.data or "",
            minutes=form.minutes.data or 20,
        ),
        group,
        session,
        "Le point est ajouté à l'ordre du jour.",
    )


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
    actions = {
        "monter": (lambda: program.move(current_user, session, item, -1), "Point déplacé."),
        "descendre": (lambda: program.move(current_user, session, item, +1), "Point déplacé."),
        "retirer": (lambda: program.remove(current_user, session, item), "Point retiré."),
        "traite": (
            lambda: program.mark_discussed(current_user, session, item),
            "Point traité : le sujet passe à « Traité ».",
        ),
    }
    run, message = actions[action]
    return _run(run, group, session, message)


@bp.route(f"{BASE}/presences", methods=["POST"])
@login_required
def attendance(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    EmptyForm().validate()
    raw = request.form.getlist("present")
    if not all(v.isdigit() and len(v) < 12 for v in raw):
        abort(400)
    try:
        count = presence.record_attendance(current_user, session, {int(v) for v in raw})
    except services.Forbidden:
        db.session.rollback()
        abort(403)
    except services.SessionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return to_show(group, session, "presences")
    db.session.commit()
    flash(f"Présences enregistrées : {count} personne{'s' if count > 1 else ''}.", "success")
    return to_show(group, session, "presences")
