"""Changing a REX's licence or space: alone when nobody else wrote in it, otherwise by asking
every contributor's consent (:mod:`commons.wiki.agreements`)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ...forms import choices
from ...licensing import registry
from ...lifecycle import REFUSED, attempt, require
from .. import agreements, audience, policy, queries
from ..forms import LicenceForm, MoveForm, parse_space, space_choices
from ..models import SPACE_LABELS, Rex
from . import bp, load_rex

CHANGED = {
    "move": "Le REX a changé d'espace ; le changement figure dans l'historique.",
    "licence": "La licence est modifiée ; le changement figure dans l'historique.",
}


def _ask_or_apply(
    rex: Rex, form: LicenceForm | MoveForm, field: Any, kind: str, **target: Any
) -> Response | list[str] | None:
    """Apply a move or licence change, or (« demander ») ask the contributors' consent. A
    refusal goes on ``field`` (``None`` is returned); when consent is needed, the names of the
    people to ask are returned. Nothing is done unless the form is valid."""
    if not form.validate_on_submit():
        return None
    if "demander" in request.form:
        message = form.message.data or ""
        asked = attempt(
            field, agreements.request, current_user, rex, kind, message=message, **target
        )
        if asked is REFUSED:
            return None
        flash("Votre demande d'accord est envoyée à chaque contributeur·rice.", "success")
        return redirect(url_for("wiki.agreement", slug=rex.slug, agreement_id=asked.id))
    people = attempt(field, audience.change_or_consent, current_user, rex, kind, **target)
    if people is REFUSED:
        return None
    if people:
        return sorted(queries.display_names(people).values())
    flash(CHANGED[kind], "success")
    return redirect(url_for("wiki.show", slug=rex.slug))


def _page(
    template: str, rex: Rex, form: LicenceForm | MoveForm, people: list[str] | None, **more: Any
) -> str:
    """The licence or space page, with the people to ask when consent is needed."""
    pending = agreements.pending_for_rex(rex)
    return render_template(template, rex=rex, form=form, people=people, pending=pending, **more)


@bp.route("/<slug>/licence", methods=["GET", "POST"])
@login_required
def licence(slug: str) -> str | Response:
    rex = load_rex(slug)
    require(policy.can_change_licence(current_user, rex), "Vous ne pouvez pas changer sa licence.")
    form = LicenceForm()
    form.licence.choices = choices(registry.choices())
    if request.method == "GET":
        form.licence.data = rex.licence_id
    done = _ask_or_apply(rex, form, form.licence, "licence", licence_id=form.licence.data)
    if isinstance(done, Response):
        return done
    return _page("wiki/licence.html", rex, form, done, licences=registry.licences())


@bp.route("/<slug>/deplacer", methods=["GET", "POST"])
@login_required
def move(slug: str) -> str | Response:
    rex = load_rex(slug)
    require(policy.can_edit_rex(current_user, rex), "Vous ne pouvez pas modifier ce REX.")
    form = MoveForm()
    form.space.choices = choices(space_choices(current_user))
    space, group_id = parse_space(form.space.data or "")
    done = _ask_or_apply(rex, form, form.space, "move", space=space, group_id=group_id)
    if isinstance(done, Response):
        return done
    return _page("wiki/move.html", rex, form, done, spaces=SPACE_LABELS)
