"""A proposal's pages: propose, the proposal page (preview, consents, review), answer, remind,
edit under review, attest and publish, cancel."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import db, lifecycle
from ...dates import ngettext
from ...forms import choices
from ...groups.models import Group
from ...licensing import registry
from ...lifecycle import REFUSED, FormErrors
from ...wiki import attribution
from ...wiki import services as wiki
from ...wiki.models import Rex
from ...wiki.views import load_rex
from .. import consent, policy, publish, queries, services
from ..forms import AnswerForm, AttestForm, CancelForm, ProposeForm, ReviewEditForm
from ..models import CHECKLIST, STATUS_LABELS, Proposal, Status
from . import bp, load_proposal

ANSWERED = {
    "yes": "Votre accord est enregistré (reçu horodaté). Vous pouvez le retirer jusqu'à la "
    "publication.",
    "no": "Votre refus est enregistré : le texte ne sera pas publié tant que vous refusez.",
    "withdrawn": "Votre accord est retiré : le texte ne sera pas publié sans lui.",
}
#: The labels the proposal page reads.
LABELS = {
    "labels": consent.STATUS_LABELS,
    "statuses": STATUS_LABELS,
    "modes": attribution.MODES,
    "checklist": CHECKLIST,
}


def back(proposal: Proposal, outcome: object, message: str) -> Response:
    """To the proposal page, saying ``message`` unless the service refused."""
    if outcome is not REFUSED:
        flash(message, "success")
    return redirect(url_for("publication.show", proposal_id=proposal.id))


def propose_form(rex: Rex) -> ProposeForm:
    """The proposal form, the REX's licence chosen at first."""
    form = ProposeForm()
    form.licence.choices = choices(registry.choices())
    form.mode.choices = choices(attribution.MODES.items())
    if request.method == "GET":
        form.licence.data = rex.licence_id
    return form


@bp.route("/rex/<slug>/proposer", methods=["GET", "POST"])
@login_required
def propose(slug: str) -> str | Response:
    rex = load_rex(slug)
    group = db.session.get(Group, rex.group_id) if rex.group_id else None
    allowed = rex.group_id is None or policy.can_propose(current_user, rex, group)
    lifecycle.require(allowed, services.NOT_PROPOSABLE)  # outside a group: the service says why
    form = propose_form(rex)
    if form.validate_on_submit():
        if first := form.replayed():
            return redirect(first)
        proposal = lifecycle.attempt(
            FormErrors(form), services.propose, current_user, rex, **form.proposal()
        )
        if proposal is not REFUSED:
            form.fulfil(url_for("publication.show", proposal_id=proposal.id))
            return back(proposal, proposal, PROPOSED)
    return render_template("publication/propose.html", rex=rex, form=form, modes=attribution.MODES)


PROPOSED = "Proposition enregistrée : chaque contributeur·rice est invité·e à donner son accord."


def page_context(proposal: Proposal) -> dict[str, object]:
    """What the proposal page shows: the preview, each consent, the current person's forms
    and what they may do."""
    group = services.group_of(proposal)
    current = consent.preview(proposal)
    state = consent.state(proposal, current)
    mine = state.of(current_user.id)
    pending = proposal.status == Status.PENDING.value
    return {
        "group": group,
        "preview": current,
        "state": state,
        "mine": mine,
        "answer_form": AnswerForm(contributor=current_user.id, digest=current.digest),
        "attest_form": AttestForm(digest=current.digest),
        "cancel_form": CancelForm(),
        "can_answer": mine is not None and pending,
        "can_review": pending and policy.can_review(current_user, proposal, group),
        "can_cancel": policy.can_cancel(current_user, proposal, group),
        "member_ids": queries.member_ids(proposal.group_id),
        "rex": db.session.get(Rex, proposal.rex_id),
        **LABELS,
    }


@bp.route("/<int:proposal_id>")
@login_required
def show(proposal_id: int) -> str:
    proposal = load_proposal(proposal_id)
    return render_template("publication/show.html", proposal=proposal, **page_context(proposal))


@bp.route("/<int:proposal_id>/reponse", methods=["POST"])
@login_required
def answer(proposal_id: int) -> Response:
    proposal = load_proposal(proposal_id)
    form = AnswerForm()
    value = form.answer.data or ""
    outcome = lifecycle.attempt(None, services.answer, current_user, proposal, **form.answer_of())
    return back(proposal, outcome, ANSWERED.get(value, "Réponse enregistrée."))


@bp.route("/<int:proposal_id>/relancer", methods=["POST"])
@login_required
def remind(proposal_id: int) -> Response:
    proposal = load_proposal(proposal_id)
    count = lifecycle.attempt(None, services.remind, current_user, proposal)
    message = ngettext("%(num)d personne relancée.", "%(num)d personnes relancées.", count or 0)
    return back(proposal, count, message)


def review_form(rex: Rex) -> ReviewEditForm:
    """The review form, starting from the REX's current text."""
    form = ReviewEditForm()
    if request.method == "GET":
        form.base.data, form.body.data = str(rex.head), wiki.revision(rex, rex.head).source
    return form


ASKED_AGAIN = (
    "Texte modifié : %(num)d accord à redemander.",
    "Texte modifié : %(num)d accords à redemander.",
)


@bp.route("/<int:proposal_id>/relecture", methods=["GET", "POST"])
@login_required
def review(proposal_id: int) -> str | Response:
    proposal = load_proposal(proposal_id)
    allowed = policy.can_review(current_user, proposal, services.group_of(proposal))
    lifecycle.require(allowed, services.REVIEWERS_ONLY)
    rex = lifecycle.load(Rex, proposal.rex_id)
    form = review_form(rex)
    if form.validate_on_submit():
        asked = lifecycle.attempt(
            FormErrors(form), services.edit, current_user, proposal, **form.edit()
        )
        if asked is not REFUSED:
            return back(proposal, asked, ngettext(*ASKED_AGAIN, asked))
    return render_template("publication/review.html", proposal=proposal, rex=rex, form=form)


@bp.route("/<int:proposal_id>/attester", methods=["POST"])
@login_required
def attest(proposal_id: int) -> Response:
    proposal = load_proposal(proposal_id)
    form = AttestForm()
    checks, digest = form.checklist(), form.digest.data or ""
    public = lifecycle.attempt(
        None, publish.attest_and_publish, current_user, proposal, checklist=checks, digest=digest
    )
    if public is REFUSED:
        return redirect(url_for("publication.show", proposal_id=proposal.id))
    flash("Attestation enregistrée : le texte est publié dans les communs.", "success")
    return redirect(url_for("wiki.show", slug=public.slug))


@bp.route("/<int:proposal_id>/annuler", methods=["POST"])
@login_required
def cancel(proposal_id: int) -> Response:
    proposal = load_proposal(proposal_id)
    reason = CancelForm().reason.data or ""
    outcome = lifecycle.attempt(None, publish.cancel, current_user, proposal, reason)
    return back(proposal, outcome, "La proposition de publication est annulée.")
