"""Collectivité forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from ..forms import clean, length, required
from ..integrity.forms import BasedForm
from .review import MAX_DESCRIPTION


class DescriptionForm(BasedForm, FlaskForm):
    """The administrators' edit of a collectivité's official name and description."""

    name = StringField("Nom officiel", [required(), length(200)], filters=[clean])
    description = TextAreaField("Description", [length(MAX_DESCRIPTION)], filters=[clean])
