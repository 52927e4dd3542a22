"""The one way to start a session, whatever proved the identity (password, OpenID Connect).

A feature may register a *second step* (two-factor sign-in does): :func:`begin` asks each step
whether it must run before the session opens; :func:`finish` opens it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import session
from werkzeug.wrappers import Response

from . import sessions
from .models import User

#: ``step(user, remember=, method=, acr=, target=)`` -> a response that takes over, or ``None``.
SecondStep = Callable[..., Response | None]
_steps: list[SecondStep] = []


def register_second_step(step: SecondStep) -> None:
    """Add a step run between proof of identity and the session (idempotent)."""
    if step not in _steps:
        _steps.append(step)


def begin(
    user: User, *, remember: bool, method: str, target: str, acr: str | None = None
) -> Response | None:
    """After ``method`` proved who ``user`` is: a second step's response, or ``None`` once the
    session is open (the caller then commits and redirects to ``target``)."""
    for step in _steps:
        response = step(user, remember=remember, method=method, acr=acr, target=target)
        if response is not None:
            return response
    finish(user, remember=remember, method=method)
    return None


def finish(user: User, *, remember: bool, method: str) -> None:
    """Open the session (a server-side record, then Flask-Login) and note how the person signed
    in. The caller commits."""
    sessions.sign_in(user, remember=remember)
    session["signin_method"] = method
