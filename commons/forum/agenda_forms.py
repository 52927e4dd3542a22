"""Agenda forms: propose a topic, set its status (facilitators)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Regexp

from ..forms import choices, clean, length, required
from ..integrity.forms import OnceForm
from .agenda import DESCRIPTION_MAX, TITLE_MAX, TITLE_MIN
from .models import TOPIC_STATUS_LABELS


class ProposeForm(OnceForm, FlaskForm):
    """A new topic for the group's agenda (proposed once however often it is sent)."""

    title = StringField(
        "Sujet", [required(), length(TITLE_MAX, TITLE_MIN)], filters=[clean], id="sujet-titre"
    )
    description = TextAreaField(
        "Précisions (facultatif)", [length(DESCRIPTION_MAX)], filters=[clean], id="sujet-precisions"
    )


class StatusForm(FlaskForm):
    """A topic's status, and optional links to a group thread (its number) or a REX (its
    address or slug)."""

    #: Unknown values are refused by the service, in French.
    status = SelectField(
        "Statut", choices=choices(TOPIC_STATUS_LABELS.items()), validate_choice=False
    )
    thread = StringField(
        "Discussion liée (numéro, facultatif)",
        [Regexp(r"^[0-9]{0,9}$", message="Indiquez le numéro de la discussion.")],
        filters=[clean],
    )
    rex = StringField(
        "REX lié (adresse ou identifiant, facultatif)", [length(300)], filters=[clean]
    )
