"""Reading numbers, dates and text from URLs and forms without ever raising a 500.

One URL converter replaces Flask's ``int`` for every route (ASCII digits only, at most the
largest database id: otherwise the route does not match and the answer is a French 404). Query
strings and form fields go through :func:`number`, :func:`page` and :func:`day`. NUL bytes, which
PostgreSQL refuses in text, make a path a 404 and are stripped from query strings and forms.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, ValidationError

#: The largest id a row can have: ids are ``INTEGER`` (32-bit) columns on PostgreSQL.
MAX_ID = 2**31 - 1
#: The largest page number any list accepts (beyond, the last page is shown or nothing).
MAX_PAGE = 100_000
#: Dates accepted in filters: what a ``date`` column holds on every database, with margin.
MIN_YEAR, MAX_YEAR = 1900, 2200


def number(raw: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """``raw`` as an int when it is ASCII digits within ``minimum..maximum``; :class:`ValueError`
    otherwise (usable as ``request.args.get(name, type=number)``). ``²`` or ``١`` are refused."""
    text = str(raw).strip() if raw is not None else ""
    if not text or len(text) > 12 or not (text.isascii() and text.isdigit()):
        raise ValueError(f"not a number: {text[:20]!r}")
    value = int(text)
    if value < minimum or value > maximum:
        raise ValueError(f"out of range: {value}")
    return value


def optional_number(raw: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """Like :func:`number`, but ``None`` instead of an error."""
    try:
        return number(raw, minimum=minimum, maximum=maximum)
    except ValueError:
        return None


def numbers(values: Any) -> list[int]:
    """The valid ids among ``values`` (a multi-select's data), others dropped."""
    found = (optional_number(v, minimum=1) for v in values or [])
    return [v for v in found if v is not None]


def page(args: Any, name: str = "page") -> int:
    """A page number from a query string: 1 when absent or invalid, at most :data:`MAX_PAGE`."""
    return min(optional_number(args.get(name), minimum=1) or 1, MAX_PAGE)


def day(raw: object) -> date | None:
    """An ISO date (``2026-03-01``) within :data:`MIN_YEAR`..:data:`MAX_YEAR`, else ``None``."""
    text = str(raw or "").strip()
    if len(text) != 10 or not text.isascii():
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


class IdConverter(IntegerConverter):
    """Flask's ``int`` converter, restricted to ASCII digits and to database ids."""

    regex = r"[0-9]{1,12}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        try:
            return number(value, minimum=self.min or 0, maximum=self.max or MAX_ID)
        except ValueError as exc:
            raise ValidationError() from exc


def _without_nul(values: Any) -> Any:
    if not any("\x00" in v for v in values.values()):
        return values
    return ImmutableMultiDict(
        [(k.replace("\x00", ""), v.replace("\x00", "")) for k, v in values.items(multi=True)]
    )


def _refuse_nul() -> None:
    """NUL in the path is a 404; in query strings and forms it is removed before any view."""
    if "\x00" in request.path:
        abort(404)
    request.args = _without_nul(request.args)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        request.form = _without_nul(request.form)


def init_app(app: Flask) -> None:
    """Install the id converter for every ``<int:…>`` route and the NUL guard."""
    app.url_map.converters["int"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_nul)
