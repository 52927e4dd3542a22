"""French error pages: HTTP errors, an expired form (CSRF) and server errors; each rolls the
request's transaction back (:func:`commons.lifecycle.mark_failed`)."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .. import lifecycle


def _error_page(code: int, description: str | None = None):  # type: ignore[no-untyped-def]
    return render_template(f"errors/{code}.html", description=description), code


def _handle_http(exc: HTTPException):  # type: ignore[no-untyped-def]
    lifecycle.mark_failed()
    code = exc.code or 500
    if code not in (400, 403, 404, 405, 413, 416, 429):
        return exc
    french = getattr(exc, "french", None)
    body, status = _error_page(code, french)
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return body, status, headers  # Content-Range of a 416, Allow of a 405, Retry-After…


def _handle_csrf(exc: CSRFError):  # type: ignore[no-untyped-def]
    lifecycle.mark_failed()
    return _error_page(
        400,
        "Le formulaire a expiré ou son jeton de sécurité manque. Rechargez la page et "
        "renvoyez-le : rien n'a été enregistré.",
    )


def _handle_500(exc: Exception):  # type: ignore[no-untyped-def]
    lifecycle.mark_failed()
    return _error_page(500)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(500, _handle_500)
