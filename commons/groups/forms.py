"""Group forms."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange

from ..forms import choices, clean, length, required
from ..integrity.forms import BasedForm, OnceForm


class GroupForm(OnceForm, BasedForm, FlaskForm):
    """A group's texts and settings: created once (submission token), edited from a base."""

    name = StringField("Nom du groupe", [required(), length(120, 3)], filters=[clean])
    summary = StringField("Résumé en une phrase", [length(300)], filters=[clean])
    description = TextAreaField("Description (Markdown)", [length(20000)], filters=[clean])
    charter = TextAreaField(
        "Charte du groupe (Markdown)", [required(), length(20000)], filters=[clean]
    )
    themes = StringField("Thèmes (séparés par des virgules)", [length(500)], filters=[clean])
    member_cap = IntegerField(
        "Nombre maximum de membres",
        [required(), NumberRange(min=2, max=100, message="Un nombre entre 2 et 100.")],
        default=12,
    )
    listed = BooleanField("Visible dans l'annuaire des groupes", default=True)

    def settings(self) -> dict[str, Any]:
        """The typed values, as the group services take them."""
        return {
            "name": self.name.data,
            "summary": self.summary.data or "",
            "description": self.description.data or "",
            "charter": self.charter.data,
            "themes": [t.strip() for t in (self.themes.data or "").split(",") if t.strip()][:20],
            "member_cap": self.member_cap.data,
            "listed": self.listed.data,
        }

    def fill(self, values: dict[str, Any]) -> None:
        """Show a group's current values (:func:`.editing.editable_values`), as the base."""
        self.name.data, self.summary.data = values["name"], values["summary"]
        self.description.data, self.charter.data = values["description"], values["charter"]
        self.themes.data, self.member_cap.data = ", ".join(values["themes"]), values["member_cap"]
        self.listed.data = values["listed"]
        self.set_base(values)


class JoinForm(OnceForm, FlaskForm):
    message = TextAreaField("Votre message à l'animation", [length(2000)], filters=[clean])
    accept_charter = BooleanField(
        "J'ai lu la charte du groupe et je m'engage à la respecter",
        [required("Vous devez accepter la charte du groupe.")],
    )

    def request(self) -> dict[str, Any]:
        """The arguments of :func:`.services.request_join`."""
        return {"message": self.message.data or "", "accept_charter": self.accept_charter.data}


class DecisionForm(FlaskForm):
    note = TextAreaField("Message à l'agent (facultatif)", [length(1000)], filters=[clean])


class InviteForm(FlaskForm):
    who = StringField(
        "Adresse électronique ou identifiant (@identifiant) de l'agent",
        [required(), length(254)],
        filters=[clean],
    )
    message = TextAreaField("Message d'invitation", [length(2000)], filters=[clean])


class AnswerInvitationForm(FlaskForm):
    accept_charter = BooleanField("J'ai lu la charte du groupe et je m'engage à la respecter")


class RoleForm(FlaskForm):
    role = SelectField(
        "Rôle", choices=choices([("member", "Membre"), ("facilitator", "Animateur·rice")])
    )


class EmptyForm(FlaskForm):
    """A CSRF-protected button."""
