"""Publication pages: propose, the proposal page (preview, consents, review), answer, remind,
edit under review, attest and publish, cancel. Public record, name removal and syntheses are in
``record_views.py``.

Every page of a proposal first loads it with :func:`load_proposal`: 404 unless the reader is a
member of the group (nothing leaks to outsiders, not even the title).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db, params
from ..forms import choices
from ..groups.models import Group, Membership
from ..licensing import registry
from ..notifications import emails
from ..wiki import attribution
from ..wiki import services as wiki
from ..wiki.models import Rex
from ..wiki.views import load_rex
from . import consent, policy, publish, services
from .forms import AnswerForm, AttestForm, CancelForm, ProposeForm, ReviewEditForm
from .models import CHECKLIST, STATUS_LABELS, Proposal, Status

bp = Blueprint("publication", __name__, url_prefix="/publication", template_folder="templates")


def load_proposal(proposal_id: int) -> Proposal:
    """The proposal if the current user may see it, else 404."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not policy.can_view_proposal(current_user, proposal):
        abort(404)
    return proposal


def _done(proposal: Proposal, message: str, category: str = "success") -> Response:
    db.session.commit()
    emails.deliver_pending()  # e-mails of immediate-mode recipients
    flash(message, category)
    return redirect(url_for("publication.show", proposal_id=proposal.id))


def _refused(proposal: Proposal, exc: Exception) -> Response:
    db.session.rollback()
    flash(str(exc), "error")
    return redirect(url_for("publication.show", proposal_id=proposal.id))


@bp.route("/rex/<slug>/proposer", methods=["GET", "POST"])
@login_required
def propose(slug: str) -> str | Response:
    rex = load_rex(slug)
    group = db.session.get(Group, rex.group_id) if rex.group_id else None
    if rex.group_id is not None and not policy.can_propose(current_user, rex, group):
        abort(403)
    form = ProposeForm()
    form.licence.choices = choices(registry.choices())
    form.mode.choices = choices(attribution.MODES.items())
    if request.method == "GET":
        form.licence.data = rex.licence_id
    if form.validate_on_submit():
        if first := form.replayed():
            return redirect(first)
        try:
            proposal = services.propose(
                current_user,
                rex,
                licence_id=form.licence.data or "",
                mode=form.mode.data or "",
                message=form.message.data or "",
            )
        except services.PublicationError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            form.fulfil(url_for("publication.show", proposal_id=proposal.id))
            return _done(
                proposal,
                "Proposition enregistrée : chaque contributeur·rice est "
                "invité·e à donner son accord.",
            )
    return render_template("publication/propose.html", rex=rex, form=form, modes=attribution.MODES)


@bp.route("/<int:proposal_id>")
@login_required
def show(proposal_id: int) -> str:
    proposal = load_proposal(proposal_id)
    group = services.group_of(proposal)
    current = consent.preview(proposal)
    state = consent.state(proposal, current)
    mine = state.of(current_user.id)
    can_review = policy.can_review(current_user, proposal, group)
    attest_form = AttestForm(digest=current.digest)
    return render_template(
        "publication/show.html",
        proposal=proposal,
        group=group,
        preview=current,
        state=state,
        mine=mine,
        labels=consent.STATUS_LABELS,
        statuses=STATUS_LABELS,
        modes=attribution.MODES,
        checklist=CHECKLIST,
        answer_form=AnswerForm(contributor=current_user.id, digest=current.digest),
        attest_form=attest_form,
        cancel_form=CancelForm(),
        can_answer=mine is not None and proposal.status == Status.PENDING.value,
        can_review=can_review and proposal.status == Status.PENDING.value,
        can_cancel=policy.can_cancel(current_user, proposal, group),
        member_ids=set(
            db.session.scalars(
                select(Membership.user_id).where(Membership.group_id == proposal.group_id)
            )
        ),
        rex=db.session.get(Rex, proposal.rex_id),
    )


@bp.route("/<int:proposal_id>/reponse", methods=["POST"])
@login_required
def answer(proposal_id: int) -> Response:
    proposal = load_proposal(proposal_id)
    form = AnswerForm()
    contributor = params.optional_number(form.contributor.data) or 0
    try:
        services.answer(
            current_user,
            proposal,
            contributor_id=contributor,
            value=form.answer.data or "",
            digest=form.digest.data or "",
        )
    except services.PublicationError as exc:
        return _refused(proposal, exc)
    return _done(proposal, ANSWERED.get(form.answer.data or "", "Réponse enregistrée."))


ANSWERED = {
    "yes": "Votre accord est enregistré (reçu horodaté). Vous pouvez le retirer jusqu'à la "
    "publication.",
    "no": "Votre refus est enregistré : le texte ne sera pas publié tant que vous refusez.",
    "withdrawn": "Votre accord est retiré : le texte ne sera pas publié sans lui.",
}


@bp.route("/<int:proposal_id>/relancer", methods=["POST"])
@login_required
def remind(proposal_id: int) -> Response:
    proposal = load_proposal(proposal_id)
    try:
        count = services.remind(current_user, proposal)
    except services.PublicationError as exc:
        return _refused(proposal, exc)
    return _done(proposal, f"{count} personne(s) relancée(s).")


@bp.route("/<int:proposal_id>/relecture", methods=["GET", "POST"])
@login_required
def review(proposal_id: int) -> str | Response:
    proposal = load_proposal(proposal_id)
    if not policy.can_review(current_user, proposal, services.group_of(proposal)):
        abort(403)
    rex = db.session.get(Rex, proposal.rex_id)
    assert rex is not None
    form = ReviewEditForm()
    if request.method == "GET":
        form.base.data = str(rex.head)
        form.body.data = wiki.revision(rex, rex.head).source
    if form.validate_on_submit():
        base = params.optional_number(form.base.data) or 0
        try:
            asked = services.edit(
                current_user,
                proposal,
                base=base,
                body=form.body.data or "",
                comment=form.comment.data or "",
            )
        except (services.PublicationError, wiki.RexError) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            return _done(proposal, f"Texte modifié : {asked} accord(s) à redemander.")
    return render_template("publication/review.html", proposal=proposal, rex=rex, form=form)


@bp.route("/<int:proposal_id>/attester", methods=["POST"])
@login_required
def attest(proposal_id: int) -> Response:
    proposal = load_proposal(proposal_id)
    form = AttestForm()
    checks = {key: bool(getattr(form, key).data) for key in CHECKLIST}
    try:
        services.attest(current_user, proposal, checklist=checks, digest=form.digest.data or "")
        public = publish.publish(current_user, proposal)
    except services.PublicationError as exc:
        return _refused(proposal, exc)
    db.session.commit()
    emails.deliver_pending()
    flash("Attestation enregistrée : le texte est publié dans les communs.", "success")
    return redirect(url_for("wiki.show", slug=public.slug))


@bp.route("/<int:proposal_id>/annuler", methods=["POST"])
@login_required
def cancel(proposal_id: int) -> Response:
    proposal = load_proposal(proposal_id)
    form = CancelForm()
    try:
        publish.cancel(current_user, proposal, form.reason.data or "")
    except services.PublicationError as exc:
        return _refused(proposal, exc)
    return _done(proposal, "La proposition de publication est annulée.")
