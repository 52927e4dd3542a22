"""Group syntheses: a facilitator writes one from the group's threads and REX."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ... import lifecycle
from ...forms import choices
from ...forum.models import Thread
from ...groups import policy as groups
from ...lifecycle import REFUSED, FormErrors
from ...wiki.models import Rex
from .. import policy, queries, synthesis
from ..forms import SynthesisForm
from . import bp

FACILITATORS_ONLY = "Seule l'animation du groupe rédige les synthèses du groupe."


def created(rex: Rex) -> Response:
    """On to the new synthesis."""
    flash("Synthèse enregistrée dans l'espace du groupe.", "success")
    return redirect(url_for("wiki.show", slug=rex.slug))


def synthesis_form(threads: list[Thread], rexes: list[Rex]) -> SynthesisForm:
    """The synthesis form, offering the group's recent threads and REX (not syntheses)."""
    form = SynthesisForm()
    form.threads.choices = choices((t.id, t.title) for t in threads)
    form.rexes.choices = choices((r.id, r.title) for r in rexes if r.kind != policy.SYNTHESIS)
    return form


@bp.route("/groupe/<slug>/synthese", methods=["GET", "POST"])
@login_required
def write_synthesis(slug: str) -> str | Response:
    group = queries.group_by_slug(slug)
    if group is None or not groups.can_view_private(current_user, group):
        abort(404)
    lifecycle.require(policy.can_write_synthesis(current_user, group), FACILITATORS_ONLY)
    threads, rexes = queries.synthesis_sources(group)
    form = synthesis_form(threads, rexes)
    if form.validate_on_submit():
        if first := form.replayed():
            return redirect(first)
        rex = lifecycle.attempt(
            FormErrors(form), synthesis.create, current_user, group, **form.synthesis()
        )
        if rex is not REFUSED:
            form.fulfil(url_for("wiki.show", slug=rex.slug))
            return created(rex)
    context = {"threads": threads, "rexes": rexes}
    return render_template("publication/synthesis.html", group=group, form=form, **context)
