"""REX pages: list with filters, page, creation from the template, edit with preview and
conflict handling, licence and space changes. History, diff and restore are in ``history.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db, params, previews
from ..accounts.models import User
from ..collectivites import services as collectivites
from ..collectivites import vocab as coll_vocab
from ..forms import choices
from ..groups.models import Group
from ..groups.queries import groups_of
from ..licensing import compat, registry
from ..navigation import add_nav
from ..notifications.services import register_target
from ..pagecache import for_visitors
from . import agreements, attribution, audience, description, policy, queries, rendering, services
from .forms import DeriveForm, DescriptionForm, LicenceForm, MoveForm, NewForm
from .models import SPACE_LABELS, STATUS_LABELS, Rex, Space
from .vocab import themes as theme_vocab

bp = Blueprint("wiki", __name__, url_prefix="/rex", template_folder="templates")


def load_rex(slug: str) -> Rex:
    """The REX for a slug if the current user may see it, else 404 (never 403: no leak)."""
    rex, _old = services.by_slug(slug)
    if rex is None or not policy.can_view_rex(current_user, rex):
        abort(404)
    return rex


def _space_choices() -> list[tuple[str, str]]:
    options = [
        (Space.NETWORK.value, SPACE_LABELS[Space.NETWORK]),
        (Space.PUBLIC.value, SPACE_LABELS[Space.PUBLIC]),
    ]
    options += [(f"group:{g.id}", f"Groupe « {g.name} » (privé)") for g in groups_of(current_user)]
    return options


def parse_space(value: str) -> tuple[str, int | None]:
    """``network`` / ``public`` / ``group:<id>`` -> (space, group_id)."""
    if value.startswith("group:") and (group_id := params.optional_number(value[6:])):
        return Space.GROUP.value, group_id
    if value in (Space.NETWORK.value, Space.PUBLIC.value):
        return value, None
    return "", None


@bp.route("/")
@for_visitors
def index() -> str:
    filters = queries.Filters.from_args(request.args)
    page = queries.listing(current_user, filters)
    return render_template(
        "wiki/index.html",
        page=page,
        filters=filters,
        themes=theme_vocab(),
        kinds=coll_vocab.kinds(),
        statuses=STATUS_LABELS,
        licences=registry.licences(),
        spaces=SPACE_LABELS,
    )


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
    view = queries.page(rex)
    credited = attribution.credits(rex)
    can_edit = policy.can_edit_rex(current_user, rex)
    return render_template(
        "wiki/show.html",
        rex=rex,
        view=view,
        credited=credited if rex.credits is not None else None,
        modes=attribution.MODES,
        sections=[s for render in current_app.extensions.get(SECTIONS, []) if (s := render(rex))],
        licence=registry.get(rex.licence_id),
        citation=compat.attribution_text(
            rex.title,
            [c.name for c in credited] or ["Contributeurs de Commons"],
            url_for("wiki.show", slug=rex.slug, _external=True),
            rex.licence_id,
        ),
        can_edit=can_edit,
        agreement=agreements.pending_for_rex(rex) if can_edit else None,
        # Only for editors: building a form makes a CSRF token, hence a cookie for visitors.
        derive_form=DeriveForm() if can_edit else None,
        spaces=SPACE_LABELS,
        statuses=STATUS_LABELS,
        themes=theme_vocab(),
        kinds=coll_vocab.kinds(),
    )


def _new_form() -> NewForm:
    form = NewForm()
    form.space.choices = choices(_space_choices())
    form.licence.choices = choices(registry.choices())
    form.themes.choices = choices(theme_vocab().items())
    form.status.choices = choices(STATUS_LABELS.items())
    form.collectivites.choices = choices(collectivites.choices())
    return form


def _preview(form: DescriptionForm | NewForm) -> tuple[Markup | None, int]:
    """The preview of the form's text (size limit and throttle: :mod:`commons.previews`)."""
    result = previews.preview(current_user.id, form.body.data or "")
    if result.error:
        form.form_errors.append(result.error)
    return result.html, result.status


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def new() -> tuple[str, int] | Response:
    form = _new_form()
    if request.method == "GET":
        form.title.data = request.args.get("titre", "")[:200]
        form.body.data = rendering.template_body()
        form.licence.data = registry.default_licence().id
        group = request.args.get("groupe", type=params.number)
        form.space.data = f"group:{group}" if group else Space.NETWORK.value
        if current_user.collectivite_id:
            form.collectivites.data = [str(current_user.collectivite_id)]
    preview, status = None, 200
    if form.is_submitted() and "apercu" in request.form:  # CSRF is checked globally
        preview, status = _preview(form)
    elif form.validate_on_submit():
        space, group_id = parse_space(form.space.data or "")
        if first := form.replayed():
            return redirect(first)
        try:
            rex = services.create_rex(
                current_user,
                title=form.title.data,
                body=form.body.data or "",
                space=space,
                group_id=group_id,
                summary=form.summary.data or "",
                licence_id=form.licence.data,
                themes=form.themes.data or [],
                status=form.status.data,
                period=form.period.data or "",
                budget=form.budget.data or "",
                team_size=form.team_size.data,
                collectivite_ids=params.numbers(form.collectivites.data),
                comment=form.comment.data or "Création",
            )
            _after_save(rex)
        except services.Forbidden:
            db.session.rollback()
            form.space.errors = ["Vous ne pouvez pas écrire dans cet espace."]
        except (services.RexError, registry.LicenceError) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            form.fulfil(url_for("wiki.show", slug=rex.slug))
            db.session.commit()
            flash("Votre REX est enregistré. Merci de partager votre expérience !", "success")
            return redirect(url_for("wiki.show", slug=rex.slug))
    return render_template(
        "wiki/new.html", form=form, preview=preview, extras=_editor_parts(None)
    ), status


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> tuple[str, int] | Response:
    rex = load_rex(slug)
    if not policy.can_edit_rex(current_user, rex):
        abort(403)
    form = _description_form(DescriptionForm(), rex)
    if request.method == "GET":
        form.title.data, form.base.data = rex.title, str(rex.head)
        _show_description(form, rex)
        form.body.data = services.revision(rex, rex.head).source
    preview, conflict, status = None, None, 200
    if form.is_submitted() and "apercu" in request.form:  # CSRF is checked globally
        preview, status = _preview(form)
    elif form.validate_on_submit():
        base = params.optional_number(form.base.data) or 0
        started = form.base_values()
        posted = "status" in request.form  # the description fieldset was sent
        try:
            result = services.save(
                current_user,
                rex,
                base=base,
                body=form.body.data or "",
                title=form.title.data,
                comment=form.comment.data or "",
                base_title=(started or {}).get("title"),
                described={n: form[n].data for n in description.LABELS} if posted else None,
                base_described=started if posted else None,
            )
            _after_save(rex)
        except services.EditConflict as exc:
            db.session.rollback()
            conflict = _readable(exc)
            form.base.data = str(exc.head)  # the next save is based on what is shown now
            form.set_base({"title": rex.title, **description.values(rex)})
        except services.RexError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(queries.SAVE_MESSAGES[result.outcome], "success")
            return redirect(url_for("wiki.show", slug=rex.slug))
    return render_template(
        "wiki/edit.html",
        rex=rex,
        form=form,
        preview=preview,
        conflict=conflict,
        labels={"title": "Titre", **description.LABELS},
        extras=_editor_parts(rex),
    ), status


def _description_form(form: DescriptionForm, rex: Rex) -> DescriptionForm:
    """The choices of the description fields (the REX's own collectivités and themes stay
    choosable even when no longer validated or in the vocabulary)."""
    form.themes.choices = choices(
        list(theme_vocab().items()) + [(t, t) for t in rex.themes if t not in theme_vocab()]
    )
    form.status.choices = choices(STATUS_LABELS.items())
    known = collectivites.choices()
    ids = {i for i, _ in known}
    own = [(c.id, c.name) for c in rex.collectivites if c.id not in ids]
    form.collectivites.choices = choices(known + own)
    return form


def _readable(conflict: services.EditConflict) -> services.EditConflict:
    """Conflicting values in words: names of collectivités, themes and statuses, not codes."""
    names = dict(collectivites.choices()) | {**theme_vocab(), **STATUS_LABELS}

    def words(value: object) -> object:
        if isinstance(value, list):
            return [names.get(v, v) for v in value]  # type: ignore[call-overload]
        return names.get(value, value)  # type: ignore[call-overload]

    conflict.fields = [
        replace(f, theirs=words(f.theirs), mine=words(f.mine)) for f in conflict.fields
    ]
    return conflict


def _show_description(form: DescriptionForm, rex: Rex) -> None:
    """Fill the description fields with the REX's values and seal them as the edit's base."""
    values = description.values(rex)
    for name in ("summary", "themes", "status", "period", "budget", "team_size"):
        form[name].data = values[name]
    form.collectivites.data = [str(i) for i in values["collectivites"]]
    form.set_base({"title": rex.title, **values})


def _people(ids: list[int]) -> list[str]:
    return sorted(u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids))))


def _ask_or_apply(
    rex: Rex, form: LicenceForm | MoveForm, kind: str, **target: Any
) -> Response | None:
    """Apply a move or licence change, or (« demander ») ask the contributors' consent; on
    refusal the form gets the French reason, on :class:`ConsentNeeded` the names to ask."""
    try:
        if "demander" in request.form:
            agreement = agreements.request(
                current_user, rex, kind, message=form.message.data or "", **target
            )
            db.session.commit()
            flash("Votre demande d'accord est envoyée à chaque contributeur·rice.", "success")
            return redirect(url_for("wiki.agreement", slug=rex.slug, agreement_id=agreement.id))
        if kind == "move":
            audience.move(current_user, rex, target["space"], target["group_id"])
        else:
            audience.change_licence(current_user, rex, target["licence_id"])
    except audience.ConsentNeeded as exc:
        db.session.rollback()
        g.consent_people = _people(exc.people)
        return None
    except (services.RexError, registry.LicenceError) as exc:
        db.session.rollback()
        (form.space if kind == "move" else form.licence).errors = [str(exc)]  # type: ignore[union-attr]
        return None
    db.session.commit()
    flash(CHANGED[kind], "success")
    return redirect(url_for("wiki.show", slug=rex.slug))


CHANGED = {
    "move": "Le REX a changé d'espace ; le changement figure dans l'historique.",
    "licence": "La licence est modifiée ; le changement figure dans l'historique.",
}


@bp.route("/<slug>/licence", methods=["GET", "POST"])
@login_required
def licence(slug: str) -> str | Response:
    rex = load_rex(slug)
    if not policy.can_change_licence(current_user, rex):
        abort(403)
    form = LicenceForm()
    form.licence.choices = choices(registry.choices())
    if request.method == "GET":
        form.licence.data = rex.licence_id
    if form.validate_on_submit() and (
        done := _ask_or_apply(rex, form, "licence", licence_id=form.licence.data)
    ):
        return done
    return render_template(
        "wiki/licence.html",
        rex=rex,
        form=form,
        licences=registry.licences(),
        people=g.get("consent_people"),
        pending=agreements.pending_for_rex(rex),
    )


@bp.route("/<slug>/deplacer", methods=["GET", "POST"])
@login_required
def move(slug: str) -> str | Response:
    rex = load_rex(slug)
    if not policy.can_edit_rex(current_user, rex):
        abort(403)
    form = MoveForm()
    form.space.choices = choices(_space_choices())
    if form.validate_on_submit():
        space, group_id = parse_space(form.space.data or "")
        if done := _ask_or_apply(rex, form, "move", space=space, group_id=group_id):
            return done
    return render_template(
        "wiki/move.html",
        rex=rex,
        form=form,
        spaces=SPACE_LABELS,
        people=g.get("consent_people"),
        pending=agreements.pending_for_rex(rex),
    )


@bp.route("/<slug>/derive", methods=["POST"])
@login_required
def derive(slug: str) -> Response:
    rex = load_rex(slug)
    if not policy.can_edit_rex(current_user, rex):
        abort(403)
    form = DeriveForm()
    wanted = (form.source.data or "").strip() if form.validate() else ""
    source = queries.find_visible(current_user, wanted) if wanted else None
    if source is None:
        flash(
            "REX source introuvable : indiquez le titre exact ou l'adresse du REX adapté.", "error"
        )
        return redirect(url_for("wiki.show", slug=rex.slug))
    try:
        services.add_derivation(current_user, rex, source)
    except services.RexError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("wiki.show", slug=rex.slug))
    db.session.commit()
    flash(f"Lien « dérivé de » ajouté vers « {source.title} ».", "success")
    return redirect(url_for("wiki.show", slug=rex.slug))


SECTIONS = "commons.rex_sections"


def add_rex_section(app: Flask, render: Callable[[Rex], Markup | None]) -> None:
    """Let a feature (publication…) add a section to a REX page's aside, without the wiki
    importing it; ``render`` returns ``None`` when it has nothing to show."""
    app.extensions.setdefault(SECTIONS, []).append(render)


EDITOR_PARTS = "commons.rex_editor_parts"


def add_editor_part(
    app: Flask, render: Callable[[Rex | None], Markup | None], after_save: Callable[[Rex], None]
) -> None:
    """Let a feature (files…) add fields to the REX editor and the new-REX form without the
    wiki importing it: ``render`` gives the fields (``None`` for the new-REX form's REX), and
    ``after_save`` runs in the same transaction once the REX is saved; it raises
    :class:`services.RexError` to refuse the whole save (rolled back, the form shown again with
    what was typed)."""
    app.extensions.setdefault(EDITOR_PARTS, []).append((render, after_save))


def _editor_parts(rex: Rex | None) -> list[Markup]:
    parts = current_app.extensions.get(EDITOR_PARTS, [])
    return [part for render, _after in parts if (part := render(rex))]


def _after_save(rex: Rex) -> None:
    for _render, after_save in current_app.extensions.get(EDITOR_PARTS, []):
        after_save(rex)


def group_section(group: Group) -> Markup:
    """The "REX du groupe" section of a group's private space."""
    return Markup(
        render_template("wiki/_group_section.html", group=group, items=queries.of_group(group.id))
    )


def init_app(app: Flask) -> None:
    """Register the blueprint, the history routes and the navigation entry."""
    from ..groups.views import add_private_section
    from . import agreement_views, cli, following, history, recent  # noqa: F401 - routes and commands register themselves

    add_private_section(app, group_section)
    register_target(agreements.TARGET, agreement_views.describe)
    following.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(cli.wiki_group)
    add_nav(app, "wiki.index", "Retours d'expérience")
