"""A new REX from the template, and the editor: preview, save merged with concurrent edits,
and the conflict panel when two edits overlap (nothing typed is ever lost)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from ... import params, previews
from ...collectivites import services as collectivites
from ...forms import choices
from ...licensing import registry
from ...lifecycle import REFUSED, FormErrors, attempt, require
from .. import description, parts, policy, queries, rendering, services, template
from ..forms import DescriptionForm, NewForm, parse_space, space_choices
from ..models import STATUS_LABELS, Rex, Space
from ..vocab import themes as theme_vocab
from . import bp, load_rex, resolution

LABELS = {"title": "Titre", **description.LABELS}


def _preview(form: DescriptionForm) -> tuple[Markup | None, int]:
    """The preview of the form's text (size limit and throttle: :mod:`commons.previews`)."""
    result = previews.preview(current_user.id, form.body.data or "")
    if result.error:
        form.form_errors.append(result.error)
    return result.html, result.status


def _new_form() -> NewForm:
    """The new-REX form with its choices; on GET, the template and the defaults."""
    form = NewForm()
    form.space.choices = choices(space_choices(current_user))
    form.licence.choices = choices(registry.choices())
    form.themes.choices = choices(theme_vocab().items())
    form.status.choices = choices(STATUS_LABELS.items())
    form.collectivites.choices = choices(collectivites.choices())
    if request.method == "GET":
        form.title.data = request.args.get("titre", "")[:200]
        form.body.data = rendering.template_body()
        form.licence.data = registry.default_licence().id
        group = request.args.get("groupe", type=params.number)
        form.space.data = f"group:{group}" if group else Space.NETWORK.value
        if current_user.collectivite_id:
            form.collectivites.data = [str(current_user.collectivite_id)]
    return form


def _writable_space(form: NewForm) -> tuple[str, int | None] | None:
    """The space chosen in the form if the current user may write there (else a field error)."""
    space, group_id = parse_space(form.space.data or "")
    if not policy.can_create_rex(current_user, space, group_id):
        form.space.errors = ["Vous ne pouvez pas écrire dans cet espace."]
        return None
    return space, group_id


def _create(form: NewForm, space: str, group_id: int | None) -> str:
    """Create the REX of the form, once per form (a replay gets the first one's address)."""
    if first := form.replayed():
        return first
    rex = services.create_rex(
        current_user,
        title=form.title.data or "",
        body=form.body.data or "",
        space=space,
        group_id=group_id,
        summary=form.summary.data or "",
        licence_id=form.licence.data,
        themes=form.themes.data or [],
        status=form.status.data or "",
        period=form.period.data or "",
        budget=form.budget.data or "",
        team_size=form.team_size.data,
        collectivite_ids=params.numbers(form.collectivites.data),
        comment=form.comment.data or "Création",
    )
    parts.after_save(rex)
    url = url_for("wiki.show", slug=rex.slug)
    form.fulfil(url)
    flash("Votre REX est enregistré. Merci de partager votre expérience !", "success")
    return url


def _submit(form: NewForm) -> str | None:
    """Create the REX of a valid form: its address, or ``None`` (the reasons are on the form)."""
    where = _writable_space(form)
    if where is None:
        return None
    url = attempt(FormErrors(form), _create, form, *where)
    return None if url is REFUSED else url


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new() -> tuple[str, int] | Response:
    form = _new_form()
    preview, status = None, 200
    if form.is_submitted() and "apercu" in request.form:  # CSRF is checked globally
        preview, status = _preview(form)
    elif form.validate_on_submit() and (url := _submit(form)):
        return redirect(url)
    extras = parts.editor_parts(None)
    page = render_template(
        "wiki/new.html", form=form, preview=preview, extras=extras, guidance=template.sections()
    )
    return page, status


def _edit_form(rex: Rex) -> DescriptionForm:
    """The editor with its choices (the REX's own collectivités and themes stay choosable even
    when no longer validated or in the vocabulary); on GET, the REX as it is now."""
    form = DescriptionForm()
    themes = theme_vocab()
    form.themes.choices = choices(
        list(themes.items()) + [(t, t) for t in rex.themes if t not in themes]
    )
    form.status.choices = choices(STATUS_LABELS.items())
    known = collectivites.choices()
    ids = {i for i, _ in known}
    form.collectivites.choices = choices(
        known + [(c.id, c.name) for c in rex.collectivites if c.id not in ids]
    )
    if request.method == "GET":
        form.title.data, form.base.data = rex.title, str(rex.head)
        _show_description(form, rex)
        form.body.data = services.revision(rex, rex.head).source
    return form


def _show_description(form: DescriptionForm, rex: Rex) -> None:
    """Fill the description fields with the REX's values and seal them as the edit's base."""
    values = description.values(rex)
    for name in ("summary", "themes", "status", "period", "budget", "team_size"):
        form[name].data = values[name]
    form.collectivites.data = [str(i) for i in values["collectivites"]]
    form.set_base({"title": rex.title, **values})


def _save(rex: Rex, form: DescriptionForm) -> services.SaveResult | services.EditConflict:
    """Save the editor's text and description (and the editor parts); an overlapping edit is
    returned, not raised: nothing was written, and the view shows both texts."""
    started = form.base_values()
    posted = "status" in request.form  # the description fieldset was sent
    try:
        result = services.save(
            current_user,
            rex,
            base=params.optional_number(form.base.data) or 0,
            body=form.body.data or "",
            title=form.title.data,
            comment=form.comment.data or "",
            base_title=(started or {}).get("title"),
            described={n: form[n].data for n in description.LABELS} if posted else None,
            base_described=started if posted else None,
            origin=resolution.origin(),
        )
    except services.EditConflict as conflict:
        return conflict
    parts.after_save(rex)
    return result


def _conflicted(
    form: DescriptionForm, rex: Rex, conflict: services.EditConflict
) -> services.EditConflict:
    """Base the next save on what is shown now; conflicting values in words (names of
    collectivités, themes and statuses, not codes)."""
    form.base.data = str(conflict.head)
    form.set_base({"title": rex.title, **description.values(rex)})
    sources: list[Mapping[Any, str]] = [dict(collectivites.choices()), theme_vocab(), STATUS_LABELS]
    names = {key: label for source in sources for key, label in source.items()}

    def words(value: object) -> object:
        if isinstance(value, list):
            return [names.get(v, v) for v in value]
        return names.get(value, value)

    conflict.fields = [
        replace(f, theirs=words(f.theirs), mine=words(f.mine)) for f in conflict.fields
    ]
    return conflict


def _editor(
    rex: Rex, form: DescriptionForm, preview: Markup | None, conflict: services.EditConflict | None
) -> str:
    """The editor page (with the preview, or the conflict panel)."""
    return render_template(
        "wiki/edit.html",
        rex=rex,
        form=form,
        preview=preview,
        conflict=conflict,
        labels=LABELS,
        extras=parts.editor_parts(rex),
        guidance=template.sections(),
    )


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> tuple[str, int] | Response:
    rex = load_rex(slug)
    require(policy.can_edit_rex(current_user, rex), "Vous ne pouvez pas modifier ce REX.")
    form = _edit_form(rex)
    preview, conflict, status = None, None, 200
    if form.is_submitted() and "apercu" in request.form:  # CSRF is checked globally
        preview, status = _preview(form)
    elif form.is_submitted() and resolution.COMPOSE in request.form:
        conflict = resolution.composed(form, rex)
    elif form.validate_on_submit():
        outcome = attempt(FormErrors(form), _save, rex, form)
        if isinstance(outcome, services.EditConflict):
            conflict = _conflicted(form, rex, outcome)
        elif outcome is not REFUSED:
            flash(queries.SAVE_MESSAGES[outcome.outcome], "success")
            return redirect(url_for("wiki.show", slug=rex.slug))
    return _editor(rex, form, preview, conflict), status
