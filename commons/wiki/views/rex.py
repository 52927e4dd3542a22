"""The REX list (with filters), a REX page, and the « dérivé de » link."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ...collectivites import vocab as coll_vocab
from ...licensing import compat, registry
from ...lifecycle import REFUSED, attempt, require
from ...pagecache import for_visitors
from .. import agreements, attribution, parts, policy, queries, services
from ..attribution import Adapted
from ..forms import DeriveForm
from ..models import SPACE_LABELS, STATUS_LABELS, Rex
from ..vocab import themes as theme_vocab
from . import bp, load_rex


def _vocabularies() -> dict[str, Any]:
    """The labels of themes, kinds of collectivité, statuses, licences and spaces."""
    return {
        "themes": theme_vocab(),
        "kinds": coll_vocab.kinds(),
        "statuses": STATUS_LABELS,
        "licences": registry.licences(),
        "spaces": SPACE_LABELS,
    }


@bp.route("/")
@for_visitors
def index() -> str:
    filters = queries.Filters.from_args(request.args)
    page = queries.listing(current_user, filters)
    return render_template("wiki/index.html", page=page, filters=filters, **_vocabularies())


def _page(rex: Rex) -> dict[str, Any]:
    """What a REX page shows."""
    credited = attribution.credits(rex)
    can_edit = policy.can_edit_rex(current_user, rex)
    view = queries.page(rex, current_user)
    sources = attribution.adapted(view.sources)  # only those the reader may see
    return {
        **_vocabularies(),
        "rex": rex,
        "view": view,
        "sources": sources,
        "credited": credited if rex.credits is not None else None,
        "modes": attribution.MODES,
        "sections": parts.sections(rex),
        "licence": registry.get(rex.licence_id),
        "citation": _citation(rex, credited, sources),
        "can_edit": can_edit,
        "agreement": agreements.pending_for_rex(rex) if can_edit else None,
        # Only for editors: building a form makes a CSRF token, hence a cookie for visitors.
        "derive_form": DeriveForm() if can_edit else None,
    }


def _citation(rex: Rex, credited: list[attribution.Credit], sources: list[Adapted]) -> str:
    """« Comment citer » for a REX that is not public (a public one has the commons' block):
    its credits, then those of the REX it adapts that the reader may see."""
    own = compat.attribution_text(
        rex.title,
        [c.name for c in credited] or [attribution.NOBODY],
        url_for("wiki.show", slug=rex.slug, _external=True),
        rex.licence_id,
    )
    urls = [url_for("wiki.show", slug=s.rex.slug, _external=True) for s in sources]
    adapted = attribution.adapted_text(list(zip(sources, urls, strict=True)))
    return f"{own}. {adapted}." if adapted else own


@bp.route("/<slug>")
@for_visitors
def show(slug: str) -> str | Response:
    rex, _old = services.by_slug(slug)
    if rex is None or not policy.can_view_rex(current_user, rex):
        if rex is not None and policy.can_see_hidden_notice(current_user, rex):
            return render_template("wiki/hidden.html", rex=rex)
        abort(404)
    if rex.slug != slug:
        return redirect(url_for("wiki.show", slug=rex.slug), code=301)
    return render_template("wiki/show.html", **_page(rex))


def _source(form: DeriveForm) -> Rex | None:
    """The REX named in the « dérivé de » form, if the current user may see it (else a flash)."""
    wanted = (form.source.data or "").strip() if form.validate() else ""
    source = queries.find_visible(current_user, wanted) if wanted else None
    if source is None:
        flash(
            "REX source introuvable : indiquez le titre exact ou l'adresse du REX adapté.", "error"
        )
    return source


@bp.route("/<slug>/derive", methods=["POST"])
@login_required
def derive(slug: str) -> Response:
    rex = load_rex(slug)
    require(policy.can_edit_rex(current_user, rex), "Vous ne pouvez pas modifier ce REX.")
    source = _source(DeriveForm())
    if source and attempt(None, services.add_derivation, current_user, rex, source) is not REFUSED:
        flash(f"Lien « dérivé de » ajouté vers « {source.title} ».", "success")
    return redirect(url_for("wiki.show", slug=rex.slug))
