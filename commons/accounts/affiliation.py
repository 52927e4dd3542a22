"""The collectivité of an agent in the registration and profile forms: the choices offered,
the check of a choice, and the proposal of a new collectivité (its proposer is recorded and
the administrators are told). Flush only."""

from __future__ import annotations

from .. import db, params
from ..collectivites import review, vocab
from ..collectivites import services as collectivites
from ..collectivites.models import Collectivite
from ..forms import choices as as_choices
from ..text import single_line
from . import enrolment, services
from .forms import ProfileForm, RegistrationForm
from .models import User

#: The choice that proposes a collectivité missing from the list.
NEW = "nouvelle"
CHOOSE = "Choisissez votre collectivité ou proposez-en une."


def offer(
    form: RegistrationForm | ProfileForm, *, allow_new: bool, current: Collectivite | None = None
) -> None:
    """Validated collectivités, the one the user proposed (while it waits for review, so that
    saving the profile keeps it), and the « proposer » option."""
    options = [("", "— Choisissez votre collectivité —")]
    options += [(str(i), label) for i, label in collectivites.choices()]
    if current is not None and not current.validated and current.refused_at is None:
        options.append((str(current.id), f"{current.name} (proposée, en attente de validation)"))
    if allow_new:
        options.append((NEW, "Ma collectivité n'est pas dans la liste : la proposer"))
    form.collectivite.choices = as_choices(options)
    form.new_collectivite_kind.choices = as_choices(vocab.kind_options())
    form.new_collectivite_departement.choices = as_choices(vocab.departement_options())


def check(form: RegistrationForm | ProfileForm) -> bool:
    """Whether the collectivité chosen or proposed in the form can be used (writes nothing);
    puts the reason on the field otherwise."""
    choice = form.collectivite.data
    if choice != NEW:
        if params.optional_number(choice, minimum=1) is None:
            form.collectivite.errors = [CHOOSE]
            return False
        return True
    name, kind = form.new_collectivite_name.data or "", form.new_collectivite_kind.data or ""
    departement = (form.new_collectivite_departement.data or "").strip().upper() or None
    if not name:
        form.new_collectivite_name.errors = ["Indiquez le nom de la collectivité à proposer."]
    if kind not in vocab.kinds():
        form.new_collectivite_kind.errors = ["Choisissez le type de la collectivité à proposer."]
    if departement and departement not in vocab.departements():
        form.new_collectivite_departement.errors = ["Choisissez un département de la liste."]
    if form.errors:
        return False
    try:
        collectivites.check_fields(
            name=single_line(name),
            kind=kind,
            departement_code=departement,
            siren=None,
            population_band=None,
        )
    except collectivites.CollectiviteError as exc:
        form.new_collectivite_name.errors = [exc.message]
        return False
    return True


def chosen(form: RegistrationForm | ProfileForm) -> int | None:
    """The id of the collectivité chosen, or proposed (created unvalidated, or an identical
    one), in a form that passed :func:`check`."""
    if form.collectivite.data != NEW:
        return params.optional_number(form.collectivite.data, minimum=1)
    return collectivites.propose(
        name=form.new_collectivite_name.data or "",
        kind=form.new_collectivite_kind.data or "",
        departement_code=form.new_collectivite_departement.data or None,
    ).id


def record_proposal(user: User, form: RegistrationForm | ProfileForm, chosen: int | None) -> None:
    """When the form proposed a collectivité, record its proposer (admins are told)."""
    proposed = db.session.get(Collectivite, chosen) if chosen is not None else None
    if form.collectivite.data == NEW and proposed is not None:
        review.proposed_by(user, proposed)


def enrol(form: RegistrationForm) -> enrolment.Registration:
    """Register the agent of a registration form that passed :func:`check`, proposing their
    collectivité when they asked to (see :func:`enrolment.register`)."""
    collectivite_id = chosen(form)
    outcome = enrolment.register(
        email=form.email.data,
        display_name=form.display_name.data,
        job_title=form.job_title.data,
        password=form.password.data,
        collectivite_id=collectivite_id,
    )
    if outcome.user is not None:
        record_proposal(outcome.user, form, collectivite_id)
    return outcome


def save_profile(user: User, form: ProfileForm) -> None:
    """Save one's profile from a form (a proposed collectivité passed :func:`check`)."""
    collectivite_id = chosen(form)
    services.update_profile(
        user,
        display_name=form.display_name.data,
        job_title=form.job_title.data,
        collectivite_id=collectivite_id,
        bio=form.bio.data or "",
    )
    record_proposal(user, form, collectivite_id)
