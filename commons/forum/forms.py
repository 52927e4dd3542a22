"""Forum forms: new thread, reply/edit, Agora category."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from ..forms import clean, length, required

BODY_HINT = "Markdown : **gras**, *italique*, listes avec -, [lien](https://…), > citation."


class PostForm(FlaskForm):
    """A message (reply, edit, first message of a REX talk)."""

    body = TextAreaField("Votre message", [required("Le message est vide.")], filters=[clean])


class ThreadForm(PostForm):
    """A new thread: title, category (Agora only) and first message."""

    title = StringField("Titre de la discussion", [required(), length(200, 3)], filters=[clean])
    category = SelectField("Catégorie", validate_choice=False)


class CategoryForm(FlaskForm):
    """An Agora category (facilitators)."""

    name = StringField("Nom de la catégorie", [required(), length(120, 2)], filters=[clean])
    description = StringField("Description (facultative)", [length(500)], filters=[clean])


class FlagsForm(FlaskForm):
    """Pin / lock buttons (values "1" or "0")."""

    pinned = StringField()
    locked = StringField()
