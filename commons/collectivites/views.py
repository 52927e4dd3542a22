"""Collectivité pages: directory, one collectivité with its agents, review of proposals."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .. import db, params
from ..accounts.models import User
from ..navigation import add_nav
from ..pagecache import for_visitors
from ..text import fold
from . import admin_views, cli, policy, vocab
from . import review as proposals
from .models import Collectivite
from .services import CollectiviteError

bp = Blueprint("collectivites", __name__, url_prefix="/collectivites", template_folder="templates")
PER_PAGE = 50


@bp.route("/")
@for_visitors
def index() -> str:
    q = (request.args.get("q") or "").strip()[:100]
    kind = request.args.get("type") or ""
    region = request.args.get("region") or ""
    page = params.page(request.args)
    stmt = select(Collectivite).where(Collectivite.validated.is_(True))
    if kind in vocab.kinds():
        stmt = stmt.where(Collectivite.kind == kind)
    if region in vocab.regions():
        stmt = stmt.where(Collectivite.region_code == region)
    rows = list(db.session.scalars(stmt.order_by(Collectivite.name)))
    if q:  # accent- and case-insensitive on every database
        needle = fold(q)
        rows = [c for c in rows if needle in fold(c.name)]
    total = len(rows)
    rows = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    return render_template(
        "collectivites/index.html",
        rows=rows,
        total=total,
        page=page,
        per_page=PER_PAGE,
        q=q,
        kind=kind,
        region=region,
        vocab=vocab,
    )


@bp.route("/<slug>")
def show(slug: str) -> str:
    collectivite = db.session.scalar(select(Collectivite).where(Collectivite.slug == slug))
    if collectivite is None or not policy.can_view_collectivite(current_user, collectivite):
        abort(404)
    members: list[User] = []
    if policy.can_view_members(current_user, collectivite):
        members = list(
            db.session.scalars(
                select(User)
                .where(
                    User.collectivite_id == collectivite.id, User.email_confirmed_at.is_not(None)
                )
                .order_by(User.display_name)
            )
        )
    count = db.session.scalar(
        select(func.count(User.id)).where(User.collectivite_id == collectivite.id)
    )
    return render_template(
        "collectivites/show.html",
        c=collectivite,
        members=members,
        count=count,
        vocab=vocab,
        can_see_members=policy.can_view_members(current_user, collectivite),
    )


@bp.route("/a-valider", methods=["GET", "POST"])
@login_required
def review() -> str | Response:
    """Proposals with their proposer and SIREN: validate, or refuse with a reason."""
    from flask_wtf import FlaskForm

    if not policy.can_review(current_user):
        abort(403)
    if request.method == "POST":
        FlaskForm().validate()  # CSRF is enforced globally
        target_id = params.optional_number(request.form.get("id"), minimum=1)
        target = db.session.get(Collectivite, target_id) if target_id else None
        if target is None or target.validated or target.refused_at is not None:
            abort(404)
        try:
            if request.form.get("decision") == "refuser":
                proposals.refuse(current_user, target, request.form.get("motif", ""))
                message = f"« {target.name} » est refusée ; la personne est informée du motif."
            else:
                proposals.validate(current_user, target, request.form.get("siren", ""))
                message = f"« {target.name} » est validée."
        except CollectiviteError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            _deliver()
            flash(message, "success")
        return redirect(url_for("collectivites.review"))
    return render_template("collectivites/review.html", pending=proposals.pending(), vocab=vocab)


def _deliver() -> None:
    from ..notifications import emails

    emails.deliver_pending()


def init_app(app: Flask) -> None:
    """Register the blueprint and its navigation entry."""
    app.register_blueprint(bp)
    add_nav(app, "collectivites.index", "Collectivités")
    proposals.init_app()
    admin_views.init_app(app)
    app.cli.add_command(cli.collectivites_group)
