"""Session forms: schedule or change a session, answer, cancel, agenda, attendance, minutes,
decisions and « à faire » items, calendar feeds. Field errors are in French."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import NumberRange, Optional

from ..forms import choices, clean, length, required
from .models import REPLY_LABELS


class _French:
    """Replace WTForms' English parse errors by a French message."""

    message = "Valeur invalide."
    data: Any  # the parsed value of the WTForms field this class is mixed into

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None


class FrenchDate(_French, DateField):
    message = "Date invalide : indiquez-la au format aaaa-mm-jj."


class FrenchTime(_French, TimeField):
    message = "Heure invalide : indiquez-la au format hh:mm."


class FrenchInteger(_French, IntegerField):
    message = "Indiquez un nombre entier."


REPEATS = [
    ("", "Une seule séance"),
    ("weekly", "Chaque semaine"),
    ("monthly-weekday", "Chaque mois, le même jour (ex. : le premier jeudi)"),
]


class SessionForm(FlaskForm):
    """A session (times in Paris time)."""

    title = StringField("Titre", [required(), length(200, 3)], filters=[clean])
    day = FrenchDate("Date", [required("Indiquez la date.")])
    start = FrenchTime("Début (heure de Paris)", [required("Indiquez l'heure de début.")])
    end = FrenchTime("Fin (heure de Paris)", [required("Indiquez l'heure de fin.")])
    address = StringField("Adresse (séance en présentiel)", [length(300)], filters=[clean])
    video_url = StringField(
        "Lien de visioconférence (montré aux seuls membres)", [length(500)], filters=[clean]
    )
    description = TextAreaField("Présentation (facultatif)", [length(2000)], filters=[clean])
    capacity = FrenchInteger(
        "Jauge (facultatif)",
        [Optional(), NumberRange(min=1, max=500, message="Un nombre entre 1 et 500.")],
    )
    deadline = FrenchDate("Date limite d'inscription (facultatif)", [Optional()])


class ScheduleForm(SessionForm):
    """A new session, possibly repeated."""

    repeat = SelectField("Répétition", choices=choices(REPEATS), validate_choice=False)
    count = FrenchInteger(
        "Nombre de séances de la série",
        [Optional(), NumberRange(min=2, max=24, message="Entre 2 et 24 séances.")],
    )


class AnswerForm(FlaskForm):
    """« Je viens / peut-être / je ne viens pas » (unknown values refused by the service)."""

    reply = SelectField(
        "Votre réponse", choices=choices(REPLY_LABELS.items()), validate_choice=False
    )


class CancelForm(FlaskForm):
    """Cancel a session; with registrations, the facilitator confirms."""

    confirm = BooleanField("Je confirme l'annulation : les inscrits seront prévenus.")


class EmptyForm(FlaskForm):
    """A POST with only the CSRF token."""


class AgendaItemForm(FlaskForm):
    """Add a topic of the group (or a free point) to the agenda, with a time box."""

    topic = SelectField("Sujet du groupe", validate_choice=False)
    title = StringField("Ou un autre point", [length(200)], filters=[clean])
    minutes = FrenchInteger(
        "Durée prévue (minutes)",
        [Optional(), NumberRange(min=5, max=240, message="Entre 5 et 240 minutes.")],
        default=20,
    )


class MinutesForm(FlaskForm):
    """The minutes, with the revision they were based on."""

    body = TextAreaField("Compte rendu (Markdown)", [length(100_000)], filters=[clean])
    summary = StringField("Résumé de la modification", [length(300)], filters=[clean])
    base = HiddenField()


class ActionForm(FlaskForm):
    """A decision or an « à faire » item."""

    kind = SelectField(
        "Type",
        choices=choices([("todo", "À faire"), ("decision", "Décision")]),
        validate_choice=False,
    )
    text = StringField("Intitulé", [required(), length(500, 3)], filters=[clean])
    owner = SelectField("Responsable (facultatif)", validate_choice=False)
    due_on = FrenchDate("Échéance (facultatif)", [Optional()])


class FeedForm(FlaskForm):
    """A new calendar feed."""

    group = SelectField("Agenda", validate_choice=False)
    include_video = BooleanField("Inclure les liens de visioconférence dans ce flux")


class SynthesisForm(FlaskForm):
    """Draft a synthesis from the minutes."""

    title = StringField("Titre de la synthèse", [required(), length(200, 3)], filters=[clean])
