"""The form of the admin import page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class ImportForm(FlaskForm):
    archive = FileField(
        "Archive d'export (.zip)",
        validators=[FileRequired("Choisissez le fichier .zip exporté par l'autre instance.")],
    )
