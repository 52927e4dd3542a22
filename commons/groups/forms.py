"""Group forms."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError

from .. import themes as themes_vocab
from ..forms import choices, clean, length, required
from ..integrity.forms import BasedForm, OnceForm
from . import rules

#: A group is about a few themes at most.
MAX_THEMES = 20


def theme_labels(codes: list[str]) -> list[str]:
    """The French names of theme codes (an unknown code is shown as it is)."""
    known = themes_vocab.themes()
    return [known.get(code, code) for code in codes]


def chosen(values: list[str] | None) -> list[str]:
    """The options chosen, without empty values (a form sent with ``themes=`` means none)."""
    return [value for value in values or [] if value]


def within_cap(form: FlaskForm, field: Field) -> None:
    """The member cap within the instance's bounds (the same rule as the service); a value
    that is not a number already has WTForms' message."""
    if field.data is None:
        return
    problem = rules.cap_problem(field.data)
    if problem:
        raise ValidationError(problem)


def few_themes(form: FlaskForm, field: Field) -> None:
    """No more than :data:`MAX_THEMES` themes."""
    if len(field.data or []) > MAX_THEMES:
        raise ValidationError(f"Choisissez {MAX_THEMES} thèmes au plus.")


class GroupForm(OnceForm, BasedForm, FlaskForm):
    """A group's texts and settings: created once (submission token), edited from a base."""

    name = StringField("Nom du groupe", [required(), length(120, 3)], filters=[clean])
    summary = StringField("Résumé en une phrase", [length(300)], filters=[clean])
    description = TextAreaField("Description (Markdown)", [length(20000)], filters=[clean])
    charter = TextAreaField(
        "Charte du groupe (Markdown)", [required(), length(20000)], filters=[clean]
    )
    themes = SelectMultipleField("Thèmes", [few_themes], coerce=str, filters=[chosen])
    member_cap = IntegerField(
        "Nombre maximum de membres",
        [required("Indiquez le nombre maximum de membres."), within_cap],
        default=12,
    )
    listed = BooleanField("Visible dans l'annuaire des groupes", default=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer_themes()

    @property
    def cap_bounds(self) -> tuple[int, int]:
        """The smallest and largest member caps, for the hint and the field's attributes."""
        return rules.MIN_CAP, rules.max_cap()

    def offer_themes(self, kept: list[str] | None = None) -> None:
        """The themes of the shared vocabulary, and any theme the group already has (kept
        when the vocabulary changed, so that editing the group does not drop it)."""
        known = themes_vocab.themes()
        extra = [t for t in (kept or []) if t not in known]
        self.themes.choices = choices([*known.items(), *((t, t) for t in extra)])

    def settings(self) -> dict[str, Any]:
        """The typed values, as the group services take them."""
        return {
            "name": self.name.data,
            "summary": self.summary.data or "",
            "description": self.description.data or "",
            "charter": self.charter.data,
            "themes": list(dict.fromkeys(self.themes.data or [])),
            "member_cap": self.member_cap.data,
            "listed": self.listed.data,
        }

    def fill(self, values: dict[str, Any]) -> None:
        """Show a group's current values (:func:`.editing.editable_values`), as the base."""
        self.name.data, self.summary.data = values["name"], values["summary"]
        self.description.data, self.charter.data = values["description"], values["charter"]
        self.offer_themes(values["themes"])
        self.themes.data, self.member_cap.data = list(values["themes"]), values["member_cap"]
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
