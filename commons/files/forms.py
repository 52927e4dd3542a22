"""Upload form: a plain file input (works without JavaScript) and the alternative text."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField

from ..forms import clean, length


class UploadForm(FlaskForm):
    """One file at a time; ``alt`` is required for images (checked once the type is known)."""

    file = FileField("Fichier", [FileRequired("Choisissez un fichier à joindre.")])
    alt = StringField(
        "Texte alternatif (obligatoire pour une image)", [length(300)], filters=[clean]
    )
