"""Collectivité forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField

from ..forms import clean, length
from .review import MAX_DESCRIPTION


class DescriptionForm(FlaskForm):
    """The administrators' edit of a collectivité's description."""

    description = TextAreaField("Description", [length(MAX_DESCRIPTION)], filters=[clean])
