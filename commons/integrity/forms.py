"""Form mixins: the base an edit started from (:class:`BasedForm`) and the one-time
submission token of a form that creates something (:class:`OnceForm`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import current_app
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField

from . import submissions

_SALT = "commons.edit-base"
T = TypeVar("T")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)  # type: ignore[arg-type]


def seal(values: Mapping[str, Any]) -> str:
    """The values a form was built from, signed (a client cannot make up another base)."""
    return str(_serializer().dumps(dict(values)))


def unseal(token: str | None) -> dict[str, Any] | None:
    """The values sealed by :func:`seal`, or ``None`` (missing, damaged or forged)."""
    if not token:
        return None
    try:
        values = _serializer().loads(token)
    except BadSignature:
        return None
    return values if isinstance(values, dict) else None


class BasedForm:
    """Mixin for edit forms: a hidden, signed copy of the edited fields as they were when the
    form was shown, so the save can tell my changes from someone else's (three-way merge)."""

    fields_base = HiddenField()

    def set_base(self, values: Mapping[str, Any]) -> None:
        """Record the values the user is about to see (on GET, and after a conflict)."""
        self.fields_base.data = seal(values)

    def base_values(self) -> dict[str, Any] | None:
        """The values the edit started from, or ``None`` when the form did not say."""
        return unseal(self.fields_base.data)


class OnceForm:
    """Mixin for forms that create something: a hidden one-time token, so that a replay
    (double click, retry after a dropped connection, back button) returns the first result
    instead of creating a second one."""

    submission = HiddenField(default=submissions.new_token)

    def replayed(self) -> str | None:
        """Claim the token in the current transaction; the URL of the first result when it
        was already used (the caller then redirects there and creates nothing)."""
        return submissions.claim(current_user, self.submission.data or "")

    def fulfil(self, url: str) -> None:
        """Record where the creation lives, in the transaction that creates it."""
        submissions.fulfil(current_user, self.submission.data or "", url)

    def create_once(
        self, create: Callable[[], T], url_of: Callable[[T], str]
    ) -> tuple[str, T | None]:
        """Claim the token, ``create``, record where the result lives: ``(url, result)``, or
        ``(url of the first result, None)`` on a replay. Run it through
        :func:`commons.lifecycle.attempt`, so that a refusal undoes the claim with the rest."""
        if first := self.replayed():
            return first, None
        made = create()
        url = url_of(made)
        self.fulfil(url)
        return url, made
