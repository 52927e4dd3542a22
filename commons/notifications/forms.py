"""Notification forms: e-mail preference, watch level, confirmations."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField
from wtforms.validators import InputRequired, NumberRange

from ..forms import choices
from ..params import MAX_ID

EMAIL_MODES = [
    ("immediate", "À chaque notification"),
    ("digest", "Un résumé par jour au plus"),
    ("none", "Jamais (consulter le centre de notifications)"),
]
LEVELS = [
    ("all", "Tout suivre"),
    ("mentions", "Mentions seulement"),
    ("muted", "Ignorer"),
]
TARGET_TYPES = [("thread", "Discussion"), ("rex", "Retour d'expérience"), ("group", "Groupe")]


class PreferenceForm(FlaskForm):
    email_mode = RadioField(
        "Recevoir les notifications par courriel",
        choices=choices(EMAIL_MODES),
        validators=[InputRequired("Choisissez un mode d'envoi.")],
    )


class WatchForm(FlaskForm):
    target_type = SelectField("Type", choices=choices(TARGET_TYPES), validators=[InputRequired()])
    target_id = IntegerField(
        "Identifiant", validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)]
    )
    level = SelectField("Niveau de suivi", choices=choices(LEVELS), validators=[InputRequired()])
    next = HiddenField()


class ConfirmForm(FlaskForm):
    """A button with only the CSRF token."""
