"""Files sent with the REX editor and the new-REX form (``/rex/<slug>/modifier``, ``/rex/nouveau``).

The wiki does not import this package: :func:`init_app` registers an *editor part* with
:func:`commons.wiki.views.add_editor_part`. The part renders a plain ``<input type="file"
multiple>`` (the forms are ``multipart/form-data``, no JavaScript needed) and an alternative
text, and after the REX is saved puts every file sent through the same intake as the upload
page (:func:`services.store_checked`), in the same transaction. A refused file raises
:class:`FilesRefused` (a ``RexError``): the view rolls the whole save back and shows the form
again with everything typed; a blob already stored is collected by ``commons files gc``.
"""

from __future__ import annotations

from flask import Flask, current_app, flash, render_template, request
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import FileStorage

from ..wiki.models import Rex
from ..wiki.services import RexError
from ..wiki.views import add_editor_part
from . import policy, services
from .intake import FileRefused, human_size

FIELD = "fichiers"
ALT_FIELD = "fichiers_alt"
ENDPOINTS = ("wiki.edit", "wiki.new")


class FilesRefused(RexError):
    """A file sent with the editor is refused: nothing of the save is kept."""


def _sent() -> list[FileStorage]:
    return [f for f in request.files.getlist(FIELD) if f and f.filename]


def fields(rex: Rex | None) -> Markup | None:
    """The file input of the editor (a new REX: its author may attach; else ``can_attach``)."""
    if rex is not None and not policy.can_attach(current_user, rex):
        return None
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
            raise FilesRefused(
                f"Fichier « {upload.filename} » refusé : {exc} Rien n'a été enregistré ; "
                "votre texte est conservé, choisissez à nouveau vos fichiers."
            ) from exc
        names.append(att.name)
    label = "Fichier joint" if len(names) == 1 else "Fichiers joints"
    flash(f"{label} : {', '.join(names)}.", "success")


def init_app(app: Flask) -> None:
    """Register the editor part."""
    add_editor_part(app, fields, after_save)
