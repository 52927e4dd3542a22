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

from .. import params
from ..forms import clean, length, required
from ..integrity.forms import OnceForm
from .models import CHECKLIST


class ProposeForm(OnceForm, FlaskForm):
    licence = SelectField("Licence", validate_choice=False)
    mode = RadioField("Attribution", validate_choice=False, default="named")
    message = TextAreaField(
        "Message aux contributeur·rices (facultatif)", [length(2000)], filters=[clean]
    )

    def proposal(self) -> dict[str, str]:
        """The arguments of :func:`commons.publication.services.propose`."""
        return {
            "licence_id": self.licence.data or "",
            "mode": self.mode.data or "",
            "message": self.message.data or "",
        }


class AnswerForm(FlaskForm):
    """One's own answer about the previewed text (the digest names that exact text)."""

    contributor = HiddenField()
    digest = HiddenField()
    answer = HiddenField()

    def answer_of(self) -> dict[str, object]:
        """The arguments of :func:`commons.publication.services.answer`."""
        return {
            "contributor_id": params.optional_number(self.contributor.data) or 0,
            "value": self.answer.data or "",
            "digest": self.digest.data or "",
        }


class AttestForm(FlaskForm):
    no_personal_data = BooleanField(CHECKLIST["no_personal_data"])
    no_confidential = BooleanField(CHECKLIST["no_confidential"])
    no_third_party_names = BooleanField(CHECKLIST["no_third_party_names"])
    digest = HiddenField()

    def checklist(self) -> dict[str, bool]:
        """Each item of the review checklist: ticked or not."""
        return {key: bool(self[key].data) for key in CHECKLIST}


class ReviewEditForm(FlaskForm):
    body = TextAreaField("Texte", filters=[clean])
    comment = StringField("Raison de la modification", [required(), length(300)], filters=[clean])
    base = HiddenField()

    def edit(self) -> dict[str, object]:
        """The arguments of :func:`commons.publication.services.edit`."""
        return {
            "base": params.optional_number(self.base.data) or 0,
            "body": self.body.data or "",
            "comment": self.comment.data or "",
        }


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

    def synthesis(self) -> dict[str, object]:
        """The arguments of :func:`commons.publication.synthesis.create`."""
        return {
            "title": self.title.data or "",
            "body": self.body.data or "",
            "thread_ids": params.numbers(self.threads.data),
            "rex_ids": params.numbers(self.rexes.data),
        }
