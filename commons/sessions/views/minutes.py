"""Routes of the minutes (compte rendu): read, edit with merge of concurrent edits, history
and differences; decisions and « à faire » items; a synthesis draft from the minutes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...groups.models import Group
from ...lifecycle import FormErrors
from ...wiki.diff import line_diff
from .. import minutes, policy, queries, synthesis
from ..forms import ActionForm, EmptyForm, MinutesForm, SynthesisForm
from ..models import ActionItem, GroupSession, Minutes, MinutesRevision
from . import member_group, session_in

bp = Blueprint("session_minutes", __name__, url_prefix="/groupes")

BASE = "/<slug>/seances/<int:session_id>/compte-rendu"
SAVED = {
    "merged": "Compte rendu enregistré, fusionné avec une modification faite entre-temps.",
    "noop": "Aucun changement.",
}


def _to_minutes(slug: str, session: GroupSession, anchor: str | None = None) -> Response:
    url = url_for("session_minutes.show", slug=slug, session_id=session.id, _anchor=anchor)
    return redirect(url)


@bp.route(BASE)
@login_required
def show(slug: str, session_id: int) -> str:
    group = member_group(slug)
    return _minutes_page(group, session_in(group, session_id))


def _minutes_page(group: Group, session: GroupSession) -> str:
    record = minutes.minutes_of(session)
    head = minutes.revision(record, record.current_number) if record else None
    members = queries.members(group)
    form = ActionForm()
    form.owner.choices = [("", "— personne —")] + [(str(u.id), u.display_name) for u in members]
    return render_template(
        "sessions/minutes.html",
        group=group,
        session=session,
        record=record,
        head=head,
        actions=minutes.actions_of(session),
        owners={u.id: u for u in members},
        can_edit=policy.can_edit_minutes(current_user, session),
        can_draft=policy.can_manage_session(current_user, session) and head is not None,
        action_form=form,
        empty_form=EmptyForm(),
        synthesis_form=SynthesisForm(data={"title": f"Synthèse — {session.title}"}),
    )


def _fill(form: MinutesForm, session: GroupSession) -> None:
    """The current text (or the prefilled one) and its version, in a new edit form."""
    record = minutes.minutes_of(session)
    number = record.current_number if record else 0
    form.base.data = str(number)
    current = minutes.revision(record, number) if record and number else None
    form.body.data = current.body if current else minutes.prefill(session)


def _save(
    session: GroupSession, form: MinutesForm
) -> tuple[str, MinutesRevision | None] | minutes.MinutesConflict:
    base = form.base.data or "0"
    if not base.isdigit():
        raise minutes.SessionError("La version de départ de cette modification est inconnue.")
    body, summary = form.body.data or "", form.summary.data or ""
    return minutes.save_or_conflict(
        current_user, session, base=int(base), body=body, summary=summary
    )


@bp.route(f"{BASE}/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str, session_id: int) -> tuple[str, int] | Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    lifecycle.require(policy.can_edit_minutes(current_user, session))
    form, status = MinutesForm(), 200
    if not form.is_submitted():
        _fill(form, session)
    elif form.validate():
        outcome = lifecycle.attempt(FormErrors(form), _save, session, form)
        if isinstance(outcome, minutes.MinutesConflict):
            form.form_errors.append(str(outcome))
            form.body.data, form.base.data, status = outcome.merged, str(outcome.head), 409
        elif outcome is lifecycle.REFUSED:
            status = 422
        else:
            return _saved(slug, session, outcome[0], form.body.data or "")
    return _edit_page(group, session, form), status


def _saved(slug: str, session: GroupSession, outcome: str, body: str) -> Response:
    named = minutes.named_members(session, body)
    flash(SAVED.get(outcome, "Compte rendu enregistré."), "success")
    if named:
        flash(chatham(named), "warning")
    return _to_minutes(slug, session)


def _edit_page(group: Group, session: GroupSession, form: MinutesForm) -> str:
    named = minutes.named_members(session, form.body.data or "")
    warning = chatham(named) if named else ""
    return render_template(
        "sessions/minutes_edit.html", group=group, session=session, form=form, warning=warning
    )


def chatham(names: list[str]) -> str:
    """The Chatham House warning about the people a text names."""
    return (
        "Règle de Chatham House : le texte nomme " + ", ".join(names) + ". Le compte rendu "
        "rapporte ce qui a été dit, pas qui l'a dit — vérifiez que ces personnes sont d'accord."
    )


def _record_of(slug: str, session_id: int) -> tuple[Group, GroupSession, Minutes]:
    """The group, the session and its minutes (404 when none were written)."""
    group = member_group(slug)
    session = session_in(group, session_id)
    return group, session, minutes.minutes_of(session) or abort(404)


@bp.route(f"{BASE}/historique")
@login_required
def history(slug: str, session_id: int) -> str:
    group, session, record = _record_of(slug, session_id)
    revs = minutes.revisions(record)
    authors = queries.names({r.author_id for r in revs})
    return render_template(
        "sessions/minutes_history.html",
        group=group,
        session=session,
        revisions=revs,
        authors=authors,
    )


@bp.route(f"{BASE}/versions/<int:old>/<int:new>")
@login_required
def diff(slug: str, session_id: int, old: int, new: int) -> str:
    group, session, record = _record_of(slug, session_id)
    first, second = minutes.revision_or_none(record, old), minutes.revision_or_none(record, new)
    if first is None or second is None:
        abort(404)
    changes = line_diff(first.body, second.body)
    page = {"group": group, "session": session, "old": first, "new": second, "changes": changes}
    return render_template("sessions/minutes_diff.html", **page)


def _add_action(session: GroupSession, form: ActionForm) -> None:
    owner = form.owner.data or ""
    if owner and not owner.isdigit():
        raise minutes.SessionError("La personne responsable doit être membre du groupe.")
    minutes.add_action(
        current_user,
        session,
        kind=form.kind.data or "",
        text=form.text.data or "",
        owner_id=int(owner) if owner else None,
        due_on=form.due_on.data,
    )


@bp.route("/<slug>/seances/<int:session_id>/actions", methods=["POST"])
@login_required
def add_action(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    form = ActionForm()
    form.owner.choices = []
    if not form.validate():
        flash(" ".join(str(m) for errs in form.errors.values() for m in errs), "error")
        return _to_minutes(slug, session)
    if lifecycle.attempt(None, _add_action, session, form) is not lifecycle.REFUSED:
        flash("C'est noté.", "success")
    return _to_minutes(slug, session, "suivi")


@bp.route("/<slug>/actions/<int:item_id>/fait", methods=["POST"])
@login_required
def toggle(slug: str, item_id: int) -> Response:
    group = member_group(slug)
    item = lifecycle.load(ActionItem, item_id)
    if item.group_id != group.id:
        abort(404)
    EmptyForm().validate()
    now_done = lifecycle.attempt(None, minutes.toggle_done, current_user, item)
    if now_done is not lifecycle.REFUSED:
        flash("Tâche faite." if now_done else "Tâche rouverte.", "success")
    target = request.form.get("next", "")
    if target.startswith("/groupes/") and "//" not in target:
        return redirect(target)
    return redirect(url_for("groups.private", slug=slug))


def _draft(group: Group, sessions: list[GroupSession], back: str) -> Response:
    form = SynthesisForm()
    if not form.validate():
        flash(" ".join(str(m) for errs in form.errors.values() for m in errs), "error")
        return redirect(back)
    title = form.title.data or ""
    rex = lifecycle.attempt(None, synthesis.draft, current_user, group, sessions, title=title)
    if rex is lifecycle.REFUSED:
        return redirect(back)
    flash("Le brouillon de synthèse est créé dans l'espace du groupe.", "success")
    return redirect(url_for("wiki.show", slug=rex.slug))


@bp.route("/<slug>/seances/<int:session_id>/synthese", methods=["POST"], endpoint="synthesis")
@login_required
def synthesis_of_one(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    back = url_for("session_minutes.show", slug=slug, session_id=session.id)
    return _draft(group, [session], back)


@bp.route("/<slug>/seances/synthese", methods=["POST"])
@login_required
def synthesis_of_several(slug: str) -> Response:
    group = member_group(slug)
    raw = request.form.getlist("sessions")
    if not raw or len(raw) > 50 or not all(v.isdigit() and len(v) < 12 for v in raw):
        flash("Cochez au moins une séance dont le compte rendu est écrit.", "error")
        return redirect(url_for("sessions.index", slug=slug))
    sessions = [session_in(group, int(v)) for v in dict.fromkeys(raw)]
    return _draft(group, sessions, url_for("sessions.index", slug=slug))
