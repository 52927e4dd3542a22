"""Dates, times, numbers and plurals for French readers, through Flask-Babel.

Times are stored in UTC (:class:`commons.db.UTCDateTime`) and always *shown* in Europe/Paris:
templates never call ``strftime``, they use these filters (a house test checks it):

=====================  ====================================  ================================
filter                 example                               use
=====================  ====================================  ================================
``|day``               3 décembre 2026                       a day in running text
``|short_day``         03/12/2026                            tables, compact lists
``|clock``             14:35                                 an hour alone
``|when``              3 décembre 2026 à 14:35               a moment in running text
``|short_when``        03/12/2026 à 14:35                    tables, compact lists
``|long_when``         jeudi 3 décembre 2026 à 14 h 35       a meeting, an invitation
``|machine``           2026-12-03T13:35:00Z                  a ``<time datetime>`` attribute
``|number``            12 345                                a count
=====================  ====================================  ================================

Plurals go through :func:`ngettext` (also a Jinja global) with the French rule of CLDR: 0 and 1
take the singular (« 0 notification », « 1 notification », « 2 notifications »).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import flask_babel
from babel import Locale
from flask import Flask

LOCALE = "fr_FR"
TIMEZONE = "Europe/Paris"
_FRENCH = Locale.parse("fr")


def _moment(value: datetime) -> datetime:
    # stored times are UTC; a naive value comes from SQLite and is UTC too
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day(value: date | datetime | None) -> str:
    """« 3 décembre 2026 » (Paris day of a moment)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return flask_babel.format_datetime(_moment(value), "d MMMM y")
    return flask_babel.format_date(value, "d MMMM y")


def short_day(value: date | datetime | None) -> str:
    """« 03/12/2026 »."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return flask_babel.format_datetime(_moment(value), "dd/MM/y")
    return flask_babel.format_date(value, "dd/MM/y")


def clock(value: datetime | None) -> str:
    """« 14:35 » in Paris time."""
    return "" if value is None else flask_babel.format_datetime(_moment(value), "HH:mm")


def when(value: datetime | None) -> str:
    """« 3 décembre 2026 à 14:35 » in Paris time."""
    return "" if value is None else f"{day(value)} à {clock(value)}"


def short_when(value: datetime | None) -> str:
    """« 03/12/2026 à 14:35 » in Paris time."""
    return "" if value is None else f"{short_day(value)} à {clock(value)}"


def long_when(value: datetime | None) -> str:
    """« jeudi 3 décembre 2026 à 14 h 35 » in Paris time."""
    if value is None:
        return ""
    return flask_babel.format_datetime(_moment(value), "EEEE d MMMM y 'à' H 'h' mm")


def machine(value: date | datetime | None) -> str:
    """A valid ``datetime`` attribute: a date, or a UTC moment to the second (``…Z``)."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.isoformat()
    return _moment(value).astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def number(value: int | float | None) -> str:
    """« 12 345 » (French grouping)."""
    return "" if value is None else flask_babel.format_decimal(value)


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """The French singular or plural of a message (``%(num)d`` is ``n``), through the
    Flask-Babel translations' ``ngettext``, with the CLDR rule of French (0 and 1: singular)."""
    count = 1 if _FRENCH.plural_form(abs(n)) == "one" else 2
    text = flask_babel.get_translations().ngettext(singular, plural, count)
    return text % {"num": n, **variables}


FILTERS = {
    "day": day,
    "short_day": short_day,
    "clock": clock,
    "when": when,
    "short_when": short_when,
    "long_when": long_when,
    "machine": machine,
    "isodatetime": machine,  # older name, same meaning
    "number": number,
}


def init_app(app: Flask) -> None:
    """French locale and Paris time zone for Flask-Babel; the filters and ``ngettext``."""
    flask_babel.Babel(
        app,
        default_locale=LOCALE,
        default_timezone=TIMEZONE,
        locale_selector=lambda: LOCALE,
        timezone_selector=lambda: TIMEZONE,
    )
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals["ngettext"] = ngettext
