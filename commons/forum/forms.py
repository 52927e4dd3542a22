"""Forum forms: new thread, reply/edit, Agora category."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from ..forms import clean, length, required
from ..integrity.forms import OnceForm

BODY_HINT = "Markdown : **gras**, *italique*, listes avec -, [lien](https://…), > citation."


class PostForm(OnceForm, FlaskForm):
    """A new message (reply, first message of a REX talk), sent once however often it is sent."""

    body = TextAreaField("Votre message", [required("Le message est vide.")], filters=[clean])


class EditPostForm(FlaskForm):
    """An edit of a message, with the version of the message it started from."""

    body = TextAreaField("Votre message", [required("Le message est vide.")], filters=[clean])
    base = HiddenField()


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
