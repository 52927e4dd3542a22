"""The editor's side of a conflict resolved passage by passage (:mod:`..conflicts`): compose
the text from the choices and put it back in the editor, nothing saved."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from ...lifecycle import REFUSED, FormErrors, attempt
from .. import conflicts
from ..forms import EditForm
from ..models import Rex
from ..revisions import EditConflict

#: The form button that asks for a composition (in ``request.form``).
COMPOSE = conflicts.COMPOSE


def origin() -> int | None:
    """The revision the edit first started from, carried by the conflict page."""
    return conflicts.origin(request.form)


def composed(form: EditForm, rex: Rex) -> EditConflict | None:
    """The conflict page again, the editor's text replaced by the composition when the choices
    allow it (else their French error on the page); the user's text stays on the page."""
    found = attempt(
        FormErrors(form), conflicts.compose, current_user, rex, form.body.data or "", request.form
    )
    if found is REFUSED:
        return None
    form.base.data = str(found.head)
    if found.composed is not None:
        form.body.data = found.composed
    return found
