"""The public record of a publication, name removal, the contributor's list of publications,
group syntheses, and the sections this package adds to REX pages, group spaces, notifications
and the facilitators' dashboard."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db, params
from ..forms import choices
from ..groups import policy as groups
from ..groups.models import Group
from ..licensing import registry
from ..notifications.services import path_for
from ..wiki import attribution
from ..wiki.models import Rex, Space
from . import notify, policy, publish, queries, services, synthesis
from .forms import SynthesisForm
from .models import STATUS_LABELS, Proposal, Status
from .views import bp


@bp.route("/<int:proposal_id>/registre")
def record(proposal_id: int) -> str:
    """What anyone may know of a publication: date, licence, attribution, credits as
    published, the attestation date and the receipts' digests (no identities)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not policy.can_view_record(current_user, proposal):
        abort(404)
    if proposal.status != Status.PUBLISHED.value or proposal.public_rex_id is None:
        abort(404)
    public = db.session.get(Rex, proposal.public_rex_id)
    assert public is not None
    return render_template(
        "publication/record.html",
        proposal=proposal,
        public=public,
        credits=attribution.credits(public),
        modes=attribution.MODES,
        licence=registry.get(public.licence_id),
        digests=queries.receipt_digests(public),
        credited=_credit_of(proposal),
    )


def _credit_of(proposal: Proposal) -> Any:
    if not getattr(current_user, "is_authenticated", False):
        return None
    return next(
        (c for p, c, _r in queries.credited_publications(current_user) if p.id == proposal.id),
        None,
    )


@bp.route("/<int:proposal_id>/retrait-nom", methods=["POST"])
@login_required
def remove_name(proposal_id: int) -> Response:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not policy.can_view_record(current_user, proposal):
        abort(404)
    try:
        publish.remove_name(current_user, proposal)
    except services.Forbidden:
        db.session.rollback()
        abort(403)
    except services.PublicationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Votre nom est retiré : la page et les exports vous citent sans nom.", "success")
    return redirect(url_for("publication.record", proposal_id=proposal.id))


@bp.route("/mes-publications")
@login_required
def mine() -> str:
    return render_template(
        "publication/mine.html", rows=queries.credited_publications(current_user)
    )


@bp.route("/groupe/<slug>/synthese", methods=["GET", "POST"])
@login_required
def write_synthesis(slug: str) -> str | Response:
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None or not groups.can_view_private(current_user, group):
        abort(404)
    if not policy.can_write_synthesis(current_user, group):
        abort(403)
    threads, rexes = queries.synthesis_sources(group)
    form = SynthesisForm()
    form.threads.choices = choices((t.id, t.title) for t in threads)
    form.rexes.choices = choices((r.id, r.title) for r in rexes if r.kind != policy.SYNTHESIS)
    if form.validate_on_submit():
        if first := form.replayed():
            return redirect(first)
        try:
            rex = synthesis.create(
                current_user,
                group,
                title=form.title.data or "",
                body=form.body.data or "",
                thread_ids=params.numbers(form.threads.data),
                rex_ids=params.numbers(form.rexes.data),
            )
        except (services.PublicationError, ValueError) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            form.fulfil(url_for("wiki.show", slug=rex.slug))
            db.session.commit()
            flash("Synthèse enregistrée dans l'espace du groupe.", "success")
            return redirect(url_for("wiki.show", slug=rex.slug))
    return render_template(
        "publication/synthesis.html", group=group, form=form, threads=threads, rexes=rexes
    )


def rex_section(rex: Rex) -> Markup | None:
    """On a group REX: propose it, or follow its proposal; on a public copy: its record."""
    if rex.space == Space.PUBLIC.value:
        proposal = queries.origin(rex)
        if proposal is None:
            return None
        return Markup(render_template("publication/_public_section.html", proposal=proposal))
    if rex.space != Space.GROUP.value or not getattr(current_user, "is_authenticated", False):
        return None
    group = db.session.get(Group, rex.group_id)
    live = queries.live_for(rex)
    if live is None and not policy.can_propose(current_user, rex, group):
        return None
    return Markup(render_template("publication/_rex_section.html", rex=rex, live=live))


def group_section(group: Group) -> Markup:
    """In the group's private space: its proposals, and syntheses for facilitators."""
    return Markup(
        render_template(
            "publication/_group_section.html",
            group=group,
            rows=queries.of_group(current_user, group.id),
            statuses=STATUS_LABELS,
            can_write=policy.can_write_synthesis(current_user, group),
        )
    )


def dashboard_panel(user: Any, group: Group | None) -> dict[str, Any] | None:
    """The dashboard panel "publications en attente de consentement ou de relecture"."""
    items = queries.pending_for(user, group)
    if group is None and not items:
        return None
    return {
        "title": "Publications en attente de consentement ou de relecture",
        "items": [
            (f"{p.title} ({p.group_name})", path_for("publication.show", proposal_id=p.proposal.id))
            for p in items
        ],
        "empty": "Aucune publication en attente.",
    }


def init_app(app: Flask) -> None:
    """Register the blueprint and the sections shown by other packages."""
    from ..groups.views import add_private_section
    from ..notifications.services import register_target
    from ..wiki.views import add_rex_section
    from .models import install_guards

    install_guards()
    app.register_blueprint(bp)
    add_rex_section(app, rex_section)
    add_private_section(app, group_section)
    register_target(notify.TARGET, notify.describe)
    try:  # the facilitators' dashboard, when the moderation package provides it
        from ..moderation.dashboard import register_panel
    except ImportError:  # pragma: no cover - moderation not installed
        return
    register_panel(dashboard_panel)
