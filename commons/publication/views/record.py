"""The public record of a publication, name removal, and the contributor's publications."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...licensing import registry
from ...lifecycle import REFUSED
from ...wiki import attribution
from ...wiki.models import Rex
from .. import policy, publish, queries
from ..models import Proposal, Status
from . import bp


@bp.route("/<int:proposal_id>/registre")
def record(proposal_id: int) -> str:
    """What anyone may know of a publication: date, licence, attribution, credits as
    published, the attestation date and the receipts' digests (no identities)."""
    proposal = lifecycle.load(Proposal, proposal_id, can=policy.can_view_record)
    if proposal.status != Status.PUBLISHED.value or proposal.public_rex_id is None:
        abort(404)
    public = lifecycle.load(Rex, proposal.public_rex_id)
    return render_template("publication/record.html", **record_context(proposal, public))


def record_context(proposal: Proposal, public: Rex) -> dict[str, object]:
    """What the record page shows of a publication and its public copy."""
    return {
        "proposal": proposal,
        "public": public,
        "credits": attribution.credits(public),
        "modes": attribution.MODES,
        "licence": registry.get(public.licence_id),
        "digests": queries.receipt_digests(public),
        "credited": queries.credit_of(current_user, proposal),
    }


@bp.route("/<int:proposal_id>/retrait-nom", methods=["POST"])
@login_required
def remove_name(proposal_id: int) -> Response:
    proposal = lifecycle.load(Proposal, proposal_id, can=policy.can_view_record)
    if lifecycle.attempt(None, publish.remove_name, current_user, proposal) is not REFUSED:
        flash("Votre nom est retiré : la page et les exports vous citent sans nom.", "success")
    return redirect(url_for("publication.record", proposal_id=proposal.id))


@bp.route("/mes-publications")
@login_required
def mine() -> str:
    rows = queries.credited_publications(current_user)
    return render_template("publication/mine.html", rows=rows)
