"""Files sent with the REX editor and the new-REX form (``/rex/<slug>/modifier``, ``/rex/nouveau``),
and with the forum's new-thread and reply forms.

The wiki does not import this package: :func:`init_app` registers an *editor part* with
:func:`commons.wiki.views.add_editor_part`. The part renders a plain ``<input type="file"
multiple>`` (the forms are ``multipart/form-data``, no JavaScript needed) and an alternative
text, and after the REX is saved puts every file sent through the same intake as the upload
page (:func:`services.store_checked`), in the same transaction. A refused file raises
:class:`FilesRefused` (a ``RexError``): the view rolls the whole save back and shows the form
again with everything typed; a blob already stored is collected by ``commons files gc``.
The forum forms work the same way through :func:`commons.forum.views.add_compose_part`
(refusal: :class:`PostFilesRefused`, a ``ForumError``).
"""

from __future__ import annotations

from flask import Flask, current_app, flash, render_template, request
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import FileStorage

from .. import errors
from ..forum.models import Post, Thread
from ..forum.services import ForumError
from ..forum.views import add_compose_part
from ..wiki.models import Rex
from ..wiki.services import RexError
from ..wiki.views import add_editor_part
from . import policy, posts, services
from .intake import FileRefused, human_size

FIELD = "fichiers"
ALT_FIELD = "fichiers_alt"
ENDPOINTS = ("wiki.edit", "wiki.new", "forum.new", "forum.reply")


class FilesRefused(RexError):
    """A file sent with the editor is refused: nothing of the save is kept."""


class PostFilesRefused(ForumError):
    """A file sent with a forum message is refused: the message is not posted."""


def _refusal(name: str, exc: Exception) -> str:
    return (
        f"Fichier « {name} » refusé : {exc} Rien n'a été enregistré ; "
        "votre texte est conservé, choisissez à nouveau vos fichiers."
    )


def _flash(names: list[str]) -> None:
    if names:
        label = "Fichier joint" if len(names) == 1 else "Fichiers joints"
        flash(f"{label} : {', '.join(names)}.", "success")


def _sent() -> list[FileStorage]:
    return [f for f in request.files.getlist(FIELD) if f and f.filename]


def fields(rex: Rex | None) -> Markup | None:
    """The file input of the editor (a new REX: its author may attach; else ``can_attach``)."""
    if rex is not None and not policy.can_attach(current_user, rex):
        return None
    return _render()


def _render() -> Markup:
    # After a preview or a refused save the browser forgets the chosen files: say so.
    lost = [f.filename for f in _sent()] if request.method == "POST" else []
    return Markup(
        render_template(
            "files/_editor_fields.html",
            field=FIELD,
            alt_field=ALT_FIELD,
            alt=request.form.get(ALT_FIELD, "")[:300],
            lost=lost,
            limit=human_size(current_app.config["FILES_MAX_BYTES"]),
        )
    )


def after_save(rex: Rex) -> None:
    """Attach the files sent with the save to ``rex`` (flushed, not committed)."""
    sent = _sent()
    if not sent:
        return
    if not policy.can_attach(current_user, rex):
        raise FilesRefused("Vous ne pouvez pas joindre de fichier à ce REX.")
    alt = request.form.get(ALT_FIELD, "")
    names = []
    for upload in sent:
        try:
            att = services.store_checked(
                rex, upload.stream, upload.filename or "", alt=alt, actor=current_user
            )
        except FileRefused as exc:
            raise FilesRefused(_refusal(upload.filename or "", exc)) from exc
        names.append(att.name)
    _flash(names)


def post_fields() -> Markup:
    """The file input of the new-thread and reply forms (shown to whoever may post there)."""
    return _render()


def after_post(post: Post, thread: Thread) -> None:
    """Attach the files sent with a new message to ``post`` (flushed, not committed)."""
    sent = _sent()
    if not sent:
        return
    alt = request.form.get(ALT_FIELD, "")
    names = []
    for upload in sent:
        try:
            att = posts.attach_to_post(
                current_user, post, thread, upload.stream, upload.filename or "", alt=alt
            )
        except errors.Forbidden as exc:
            raise PostFilesRefused("Vous ne pouvez pas joindre de fichier à ce message.") from exc
        except FileRefused as exc:
            raise PostFilesRefused(_refusal(upload.filename or "", exc)) from exc
        names.append(att.name)
    _flash(names)


def init_app(app: Flask) -> None:
    """Register the REX editor part and the forum compose part."""
    add_editor_part(app, fields, after_save)
    add_compose_part(app, post_fields, after_post)
