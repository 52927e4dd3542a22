"""Publication forms. Licence and mode are checked by the services (French messages), not by
the select fields, so a forged value gets the same clear refusal as any other."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import clean, length, required
from ..integrity.forms import OnceForm
from .models import CHECKLIST


class ProposeForm(OnceForm, FlaskForm):
    licence = SelectField("Licence", validate_choice=False)
    mode = RadioField("Attribution", validate_choice=False, default="named")
    message = TextAreaField(
        "Message aux contributeur·rices (facultatif)", [length(2000)], filters=[clean]
    )


class AnswerForm(FlaskForm):
    """One's own answer about the previewed text (the digest names that exact text)."""

    contributor = HiddenField()
    digest = HiddenField()
    answer = HiddenField()


class AttestForm(FlaskForm):
    no_personal_data = BooleanField(CHECKLIST["no_personal_data"])
    no_confidential = BooleanField(CHECKLIST["no_confidential"])
    no_third_party_names = BooleanField(CHECKLIST["no_third_party_names"])
    digest = HiddenField()


class ReviewEditForm(FlaskForm):
    body = TextAreaField("Texte", filters=[clean])
    comment = StringField("Raison de la modification", [required(), length(300)], filters=[clean])
    base = HiddenField()


class CancelForm(FlaskForm):
    reason = StringField("Raison (facultatif)", [length(1000)], filters=[clean])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SynthesisForm(OnceForm, FlaskForm):
    title = StringField("Titre de la synthèse", [required(), length(200)], filters=[clean])
    body = TextAreaField("Texte de la synthèse", [required()], filters=[clean])
    threads = MultiCheckboxField("Discussions à relier", validate_choice=False)
    rexes = MultiCheckboxField("REX à relier", validate_choice=False)
