"""Routes of the minutes (compte rendu): read, edit with merge of concurrent edits, history
and differences; decisions and « à faire » items; a synthesis draft from the minutes."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..groups.models import Membership
from ..wiki.diff import line_diff
from . import minutes, policy
from .forms import ActionForm, EmptyForm, MinutesForm, SynthesisForm
from .models import ActionItem
from .views import member_group, session_in

bp = Blueprint("session_minutes", __name__, url_prefix="/groupes", template_folder="templates")

BASE = "/<slug>/seances/<int:session_id>/compte-rendu"


def _authors(ids: set[int | None]) -> dict[int, str]:
    found = db.session.execute(
        select(User.id, User.display_name).where(User.id.in_({i for i in ids if i} or {0}))
    )
    return dict(found.all())


@bp.route(BASE)
@login_required
def show(slug: str, session_id: int) -> str:
    group = member_group(slug)
    session = session_in(group, session_id)
    record = minutes.minutes_of(session)
    head = minutes.revision(record, record.current_number) if record else None
    actions = minutes.actions_of(session)
    members = list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == group.id)
            .order_by(User.display_name)
        )
    )
    form = ActionForm()
    form.owner.choices = [("", "— personne —")] + [(str(u.id), u.display_name) for u in members]
    return render_template(
        "sessions/minutes.html",
        group=group,
        session=session,
        record=record,
        head=head,
        actions=actions,
        owners={u.id: u for u in members},
        can_edit=policy.can_edit_minutes(current_user, session),
        can_draft=policy.can_manage_session(current_user, session) and head is not None,
        action_form=form,
        empty_form=EmptyForm(),
        synthesis_form=SynthesisForm(data={"title": f"Synthèse — {session.title}"}),
    )


@bp.route(f"{BASE}/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str, session_id: int) -> str | Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    if not policy.can_edit_minutes(current_user, session):
        abort(403)
    record = minutes.minutes_of(session)
    form = MinutesForm()
    status = 200
    if not form.is_submitted():
        number = record.current_number if record else 0
        form.base.data = str(number)
        form.body.data = (
            minutes.revision(record, number).body if number else minutes.prefill(session)
        )
    elif form.validate():
        base = form.base.data or "0"
        try:
            if not base.isdigit():
                raise minutes.SessionError(
                    "La version de départ de cette modification est inconnue."
                )
            outcome, _new = minutes.save(
                current_user,
                session,
                base=int(base),
                body=form.body.data or "",
                summary=form.summary.data or "",
            )
        except minutes.MinutesConflict as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            form.body.data, form.base.data, status = exc.merged, str(exc.head), 409
        except minutes.SessionError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            status = 422
        else:
            named = minutes.named_members(session, form.body.data or "")
            db.session.commit()
            flash(
                {
                    "merged": "Compte rendu enregistré, fusionné avec une modification "
                    "faite entre-temps.",
                    "noop": "Aucun changement.",
                }.get(outcome, "Compte rendu enregistré."),
                "success",
            )
            if named:
                flash(_chatham(named), "warning")
            return redirect(url_for("session_minutes.show", slug=slug, session_id=session.id))
    named = minutes.named_members(session, form.body.data or "")
    html = render_template(
        "sessions/minutes_edit.html",
        group=group,
        session=session,
        form=form,
        warning=_chatham(named) if named else "",
    )
    return html, status  # type: ignore[return-value]


def _chatham(names: list[str]) -> str:
    return (
        "Règle de Chatham House : le texte nomme " + ", ".join(names) + ". Le compte rendu "
        "rapporte ce qui a été dit, pas qui l'a dit — vérifiez que ces personnes sont d'accord."
    )


@bp.route(f"{BASE}/historique")
@login_required
def history(slug: str, session_id: int) -> str:
    group = member_group(slug)
    session = session_in(group, session_id)
    record = minutes.minutes_of(session) or abort(404)
    revs = minutes.revisions(record)
    return render_template(
        "sessions/minutes_history.html",
        group=group,
        session=session,
        revisions=revs,
        authors=_authors({r.author_id for r in revs}),
    )


@bp.route(f"{BASE}/versions/<int:old>/<int:new>")
@login_required
def diff(slug: str, session_id: int, old: int, new: int) -> str:
    group = member_group(slug)
    session = session_in(group, session_id)
    record = minutes.minutes_of(session) or abort(404)
    try:
        first, second = minutes.revision(record, old), minutes.revision(record, new)
    except minutes.SessionError:
        abort(404)
    return render_template(
        "sessions/minutes_diff.html",
        group=group,
        session=session,
        old=first,
        new=second,
        changes=line_diff(first.body, second.body),
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
        return redirect(url_for("session_minutes.show", slug=slug, session_id=session.id))
    owner = form.owner.data or ""
    try:
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
    except minutes.Forbidden:
        db.session.rollback()
        abort(403)
    except minutes.SessionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("C'est noté.", "success")
    return redirect(
        url_for("session_minutes.show", slug=slug, session_id=session.id, _anchor="suivi")
    )


@bp.route("/<slug>/actions/<int:item_id>/fait", methods=["POST"])
@login_required
def toggle(slug: str, item_id: int) -> Response:
    group = member_group(slug)
    item = db.session.get(ActionItem, item_id)
    if item is None or item.group_id != group.id:
        abort(404)
    EmptyForm().validate()
    try:
        now_done = minutes.toggle_done(current_user, item)
    except minutes.SessionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Tâche faite." if now_done else "Tâche rouverte.", "success")
    target = request.form.get("next", "")
    if target.startswith("/groupes/") and "//" not in target:
        return redirect(target)
    return redirect(url_for("groups.private", slug=slug))


def _draft(group, sessions: list, back: str) -> Response:  # type: ignore[no-untyped-def]
    from . import synthesis as drafting

    form = SynthesisForm()
    if not form.validate():
        flash(" ".join(str(m) for errs in form.errors.values() for m in errs), "error")
        return redirect(back)
    try:
        rex = drafting.draft(current_user, group, sessions, title=form.title.data or "")
    except drafting.Forbidden:
        db.session.rollback()
        abort(403)
    except drafting.SessionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash("Le brouillon de synthèse est créé dans l'espace du groupe.", "success")
    return redirect(url_for("wiki.show", slug=rex.slug))


@bp.route("/<slug>/seances/<int:session_id>/synthese", methods=["POST"])
@login_required
def synthesis(slug: str, session_id: int) -> Response:
    group = member_group(slug)
    session = session_in(group, session_id)
    return _draft(
        group, [session], url_for("session_minutes.show", slug=slug, session_id=session.id)
    )


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
