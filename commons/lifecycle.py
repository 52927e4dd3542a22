"""The request lifecycle: one transaction per request, committed once, by nobody's hand.

Every request runs the same steps (after Indico's request handlers, ``indico/web/rh.py``):

1. **load or 404**: :func:`load` fetches a row and checks that the person may *see* it; a row
   they may not see answers 404, never 403, so its existence does not leak;
2. **may or 403**: :func:`require` turns a ``can_*`` predicate into :class:`errors.Forbidden`;
3. **validate**: the WTForms form (``form.validate_on_submit()``);
4. **call the service** inside :func:`attempt`, which runs it in a savepoint; a refusal from the
   error family (:mod:`commons.errors`) undoes only that call and becomes a message on the form
   field (or a flash), so the typed text is shown back and nothing is lost;
5. **commit once**: after the view returned, :func:`_commit` commits the request's transaction
   (an ``IntegrityError`` from a race becomes a 409 page); an exception that escapes the view
   (``abort``, an error of the family, a bug) or a 5xx response rolls everything back instead;
6. **after commit**: the outboxes are delivered by the worker once the response is sent (search
   documents, :mod:`commons.mail`), so the person never waits for them and nothing is delivered
   for a transaction that rolled back.

Views therefore never call ``commit()`` or ``rollback()`` and shrink to what is particular to
them. CLI commands and scripts commit themselves (they have no request).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import Flask, abort, current_app, flash, g, render_template
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from . import db, errors

T = TypeVar("T")
M = TypeVar("M")


class _Refused:
    """The value :func:`attempt` returns when the service refused (falsy, unique)."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "REFUSED"


#: Returned by :func:`attempt` when the service refused; test with ``is REFUSED``.
REFUSED: Any = _Refused()


class _Field(Protocol):
    errors: Any


class FormErrors:
    """A form's own error list (``form.form_errors``, shown above the fields) as the place
    where :func:`attempt` puts a refusal that concerns the whole form."""

    def __init__(self, form: Any) -> None:
        self.form = form

    @property
    def errors(self) -> list[str]:
        """The form-wide errors."""
        return list(self.form.form_errors)

    @errors.setter
    def errors(self, value: list[str]) -> None:
        self.form.form_errors[:] = value


def load(model: type[M], ident: object, can: Callable[[Any, M], bool] | None = None) -> M:
    """The row of ``model`` with primary key ``ident`` if the current person may see it
    (``can(current_user, row)``), else 404."""
    row = db.session.get(model, ident) if ident is not None else None
    if row is None or (can is not None and not can(current_user, row)):
        abort(404)
    return row


def require(allowed: bool, message: str | None = None) -> None:
    """Raise :class:`errors.Forbidden` (a French 403 page) unless ``allowed``."""
    if not allowed:
        raise errors.Forbidden(message)


def show_error(target: _Field | None, message: str) -> None:
    """Put ``message`` on a form field (``target``), or flash it when there is no field."""
    if target is None:
        flash(message, "error")
        return
    current = list(target.errors) if isinstance(target.errors, list | tuple) else []
    if message not in current:
        current.append(message)
    target.errors = current


def attempt(target: _Field | None, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service in a savepoint. On a refusal (:class:`errors.Refused`,
    :class:`errors.Conflict`, :class:`errors.TooMany`), undo what it did, show its message on
    ``target`` (a form field, or ``None`` for a flash) and return :data:`REFUSED`.
    :class:`errors.Forbidden` and :class:`errors.NotFound` go on to the error pages."""
    try:
        with db.session.begin_nested():
            return call(*args, **kwargs)
    except (errors.Refused, errors.Conflict, errors.TooMany) as exc:
        show_error(target, exc.message)
        return REFUSED


def _error_page(exc: errors.CommonsError) -> tuple[str, int, dict[str, str]]:
    db.session.rollback()
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, errors.TooMany) else {}
    template = f"errors/{exc.status}.html"
    return render_template(template, description=exc.message), exc.status, headers


AFTER_COMMIT = "commons.after_commit"


def after_commit(app: Flask, hook: Callable[[Response], None]) -> None:
    """Run ``hook(response)`` after each request's commit (outboxes: mail…), failed or not:
    a hook only ever sees what was committed."""
    app.extensions.setdefault(AFTER_COMMIT, []).append(hook)


def _commit(response: Response) -> Response:
    """Commit the request's transaction once the view has returned (see the module)."""
    response = _commit_or_roll_back(response)
    for hook in current_app.extensions.get(AFTER_COMMIT, []):
        hook(response)
    return response


def _commit_or_roll_back(response: Response) -> Response:
    if g.pop("commons_failed", False) or response.status_code >= 500:
        db.session.rollback()  # an error page, or a view that reports a failure (503…)
        return response
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        body, status, headers = _error_page(errors.Conflict())
        return Response(body, status, headers, mimetype="text/html")
    return response


def mark_failed() -> None:
    """Error handlers call this: the request's transaction is rolled back, not committed."""
    g.commons_failed = True
    db.session.rollback()


def init_app(app: Flask) -> None:
    """Commit after every request whose view returned; map the error family to pages.

    Registered just after :mod:`commons.db`, so its ``after_request`` runs after those of the
    features (Flask runs them in reverse order): whatever they write is committed with the rest.
    """
    app.after_request(_commit)

    @app.errorhandler(errors.CommonsError)
    def _handle(exc: errors.CommonsError) -> tuple[str, int, dict[str, str]]:
        mark_failed()
        return _error_page(exc)
