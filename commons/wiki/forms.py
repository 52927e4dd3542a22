"""REX forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional

from .. import params
from ..actor import Actor
from ..forms import clean, length, required
from ..groups.queries import groups_of
from ..integrity.forms import BasedForm, OnceForm
from .models import SPACE_LABELS, Space
from .template import without_guidance

BODY_HINT = (
    "Markdown : ## Titre de section, listes avec -, **gras**, [lien](https://…), "
    "tableaux, notes [^1], et [[Titre d'un autre REX]] pour le citer."
)


class EditForm(BasedForm, FlaskForm):
    """Text edit: title, body, edit summary, and the revision (and title) the edit started
    from."""

    title = StringField("Titre", [required(), length(200)], filters=[clean])
    body = TextAreaField("Texte du REX", filters=[clean, without_guidance])
    comment = StringField("Résumé de la modification", [length(500)], filters=[clean])
    base = HiddenField()


class DescriptionForm(EditForm):
    """Text edit plus the description of the project (each field merged with its base)."""

    summary = TextAreaField("Résumé", [length(1000)], filters=[clean])
    themes = SelectMultipleField("Thèmes", validate_choice=False)
    status = SelectField("Avancement du projet", validate_choice=False)
    period = StringField("Période", [length(100)], filters=[clean])
    budget = StringField("Budget (facultatif)", [length(100)], filters=[clean])
    team_size = IntegerField(
        "Taille de l'équipe (facultatif)",
        [Optional(), NumberRange(min=1, max=10000, message="Un nombre entre 1 et 10 000.")],
    )
    collectivites = SelectMultipleField("Collectivités concernées", validate_choice=False)


class NewForm(OnceForm, DescriptionForm):
    """A new REX: text, description and where it is shared (created once, however often it is
    sent)."""

    space = SelectField("Espace", validate_choice=False)
    licence = SelectField("Licence", validate_choice=False)


class LicenceForm(FlaskForm):
    """A new licence, with a message to the contributors whose consent it may need."""

    licence = SelectField("Nouvelle licence", validate_choice=False)
    message = TextAreaField(
        "Message aux contributeur·rices (facultatif)", [length(1000)], filters=[clean]
    )


class MoveForm(FlaskForm):
    """A new space, with a message to the contributors whose consent it may need."""

    space = SelectField("Nouvel espace", validate_choice=False)
    message = TextAreaField(
        "Message aux contributeur·rices (facultatif)", [length(1000)], filters=[clean]
    )


class DeriveForm(FlaskForm):
    """The REX this one adapts (« dérivé de »)."""

    source = StringField(
        "Titre ou adresse du REX adapté", [required(), length(300)], filters=[clean]
    )


def space_choices(actor: Actor) -> list[tuple[str, str]]:
    """Where ``actor`` may share a REX: the network, the commons, each of their groups."""
    options = [
        (Space.NETWORK.value, SPACE_LABELS[Space.NETWORK]),
        (Space.PUBLIC.value, SPACE_LABELS[Space.PUBLIC]),
    ]
    options += [(f"group:{g.id}", f"Groupe « {g.name} » (privé)") for g in groups_of(actor)]
    return options


def parse_space(value: str) -> tuple[str, int | None]:
    """``network`` / ``public`` / ``group:<id>`` -> (space, group_id); ``("", None)`` for
    anything else."""
    if value.startswith("group:") and (group_id := params.optional_number(value[6:])):
        return Space.GROUP.value, group_id
    if value in (Space.NETWORK.value, Space.PUBLIC.value):
        return value, None
    return "", None
