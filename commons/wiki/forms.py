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

from ..forms import clean, length, required
from ..integrity.forms import BasedForm, OnceForm

BODY_HINT = (
    "Markdown : ## Titre de section, listes avec -, **gras**, [lien](https://…), "
    "tableaux, notes [^1], et [[Titre d'un autre REX]] pour le citer."
)


class EditForm(BasedForm, FlaskForm):
    """Text edit: title, body, edit summary, and the revision (and title) the edit started
    from."""

    title = StringField("Titre", [required(), length(200)], filters=[clean])
    body = TextAreaField("Texte du REX", filters=[clean])
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
    licence = SelectField("Nouvelle licence", validate_choice=False)
    message = TextAreaField(
        "Message aux contributeur·rices (facultatif)", [length(1000)], filters=[clean]
    )


class MoveForm(FlaskForm):
    space = SelectField("Nouvel espace", validate_choice=False)
    message = TextAreaField(
        "Message aux contributeur·rices (facultatif)", [length(1000)], filters=[clean]
    )


class DeriveForm(FlaskForm):
    source = StringField(
        "Titre ou adresse du REX adapté", [required(), length(300)], filters=[clean]
    )
