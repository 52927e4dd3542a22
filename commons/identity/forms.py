"""Identity forms: first sign-in through a provider, linking with a password, second factor."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import Optional

from ..accounts.passwords import MAX_LENGTH
from ..forms import clean, length, required


class FirstSignInForm(FlaskForm):
    """Confirm the name and the job title; name the collectivité when its SIREN is unknown."""

    display_name = StringField("Nom affiché", [required(), length(80, 2)], filters=[clean])
    job_title = StringField("Métier", [required(), length(120, 2)], filters=[clean])
    collectivite_name = StringField(
        "Nom de votre collectivité", [Optional(), length(200, 2)], filters=[clean]
    )
    collectivite_kind = SelectField("Type de collectivité", coerce=str, validate_choice=False)
    collectivite_departement = SelectField("Département", coerce=str, validate_choice=False)

    def account(self, collectivite_unknown: bool) -> dict[str, Any]:
        """The arguments of :func:`.services.create_account` (a new collectivité is named
        only when the provider's SIREN matched none)."""
        new = None
        if collectivite_unknown and self.collectivite_name.data:
            new = {
                "name": self.collectivite_name.data,
                "kind": self.collectivite_kind.data or "",
                "departement": self.collectivite_departement.data or "",
            }
        return {
            "display_name": self.display_name.data,
            "job_title": self.job_title.data,
            "new_collectivite": new,
        }


class LinkForm(FlaskForm):
    """Prove ownership of the existing account before linking it."""

    password = PasswordField(
        "Mot de passe de votre compte Commons", [required(), length(MAX_LENGTH)]
    )


class CodeForm(FlaskForm):
    """A TOTP code or a recovery code."""

    code = StringField(
        "Code",
        [required(), length(40)],
        filters=[clean],
        render_kw={"autocomplete": "one-time-code"},
    )


class PasswordConfirmForm(FlaskForm):
    """Re-enter one's password to confirm a sensitive change."""

    password = PasswordField("Mot de passe actuel", [required(), length(MAX_LENGTH)])


class DeletionForm(FlaskForm):
    """Confirm « Supprimer mon compte »."""

    password = PasswordField("Mot de passe", [Optional(), length(MAX_LENGTH)])
    confirm = BooleanField(
        "Je comprends que mon compte et mes données personnelles seront supprimés", [required()]
    )
