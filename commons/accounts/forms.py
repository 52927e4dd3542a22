"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import EqualTo, Optional

from ..forms import clean, email, length, required
from .passwords import MAX_LENGTH, MIN_LENGTH

PASSWORD_HINT = f"Au moins {MIN_LENGTH} caractères. Une phrase de passe est idéale."


class LoginForm(FlaskForm):
    email = EmailField("Adresse électronique", [required(), length(254)], filters=[clean])
    password = PasswordField("Mot de passe", [required(), length(MAX_LENGTH)])
    remember = BooleanField("Rester connecté·e sur cet appareil")


class ProfileFields(FlaskForm):
    display_name = StringField("Nom affiché", [required(), length(80, 2)], filters=[clean])
    job_title = StringField("Métier", [required(), length(120, 2)], filters=[clean])
    collectivite = SelectField("Collectivité", coerce=str, validate_choice=True)
    new_collectivite_name = StringField(
        "Nom de la collectivité à ajouter", [Optional(), length(200, 2)], filters=[clean]
    )
    new_collectivite_kind = SelectField("Type de collectivité", coerce=str, validate_choice=False)
    new_collectivite_departement = SelectField("Département", coerce=str, validate_choice=False)


class RegistrationForm(ProfileFields):
    email = EmailField(
        "Adresse électronique professionnelle", [required(), length(254), email()], filters=[clean]
    )
    password = PasswordField("Mot de passe", [required(), length(MAX_LENGTH, MIN_LENGTH)])
    password_confirm = PasswordField(
        "Confirmation du mot de passe",
        [required(), EqualTo("password", message="Les deux mots de passe ne correspondent pas.")],
    )
    accept_charter = BooleanField(
        "J'ai lu et j'accepte la charte du réseau", [required("Vous devez accepter la charte.")]
    )


class ProfileForm(ProfileFields):
    bio = TextAreaField("Présentation", [length(2000)], filters=[clean])


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Mot de passe actuel", [required(), length(MAX_LENGTH)])
    password = PasswordField("Nouveau mot de passe", [required(), length(MAX_LENGTH, MIN_LENGTH)])
    password_confirm = PasswordField(
        "Confirmation du nouveau mot de passe",
        [required(), EqualTo("password", message="Les deux mots de passe ne correspondent pas.")],
    )


class EmailChangeForm(FlaskForm):
    new_email = EmailField(
        "Nouvelle adresse électronique", [required(), length(254), email()], filters=[clean]
    )
    password = PasswordField("Mot de passe actuel", [required(), length(MAX_LENGTH)])


class ResetRequestForm(FlaskForm):
    email = EmailField("Adresse électronique", [required(), length(254), email()], filters=[clean])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("Nouveau mot de passe", [required(), length(MAX_LENGTH, MIN_LENGTH)])
    password_confirm = PasswordField(
        "Confirmation du nouveau mot de passe",
        [required(), EqualTo("password", message="Les deux mots de passe ne correspondent pas.")],
    )


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button."""
