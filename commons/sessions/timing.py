"""Wall-clock times in Europe/Paris: conversion to UTC refusing the hour that does not exist
(spring forward) and the hour that exists twice (fall back), and recurring dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
ORDINALS = {1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", -1: "dernier"}


class TimeError(ValueError):
    """A local time that cannot be used, with a French message."""


def to_utc(day: date, at: time) -> datetime:
    """The UTC instant of a Paris wall-clock time; refuses a time that does not exist or that
    exists twice on a day of clock change."""
    local = datetime.combine(day, at, tzinfo=PARIS)
    round_trip = local.astimezone(UTC).astimezone(PARIS)
    when = f"{at:%H:%M} du {day:%d/%m/%Y}"
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise TimeError(
            f"L'heure {when} n'existe pas à Paris (passage à l'heure d'été : les horloges "
            "sautent de 2 h à 3 h). Choisissez une autre heure."
        )
    if local.replace(fold=1).utcoffset() != local.utcoffset():
        raise TimeError(
            f"L'heure {when} existe deux fois à Paris (passage à l'heure d'hiver : de 2 h à 3 h "
            "les horloges repassent la même heure). Choisissez une autre heure."
        )
    return local.astimezone(UTC)


def local(moment: datetime) -> datetime:
    """A UTC instant as a Paris wall-clock time."""
    return moment.astimezone(PARIS)


def nth_weekday(day: date) -> int:
    """Which occurrence of its weekday in its month a date is: 1..4, or -1 for a fifth one."""
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


def _nth_in_month(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == -1:
        nxt = date(year + month // 12, month % 12 + 1, 1)
        last = nxt - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def recurring_days(first: date, rule: str, count: int) -> list[date]:
    """``count`` dates from ``first``: every week (``weekly``) or the same nth weekday of each
    month (``monthly-weekday``: « le premier jeudi du mois », « le dernier mardi »)."""
    if rule == "weekly":
        return [first + timedelta(weeks=i) for i in range(count)]
    if rule == "monthly-weekday":
        nth = nth_weekday(first)
        days = []
        year, month = first.year, first.month
        for _ in range(count):
            days.append(_nth_in_month(year, month, first.weekday(), nth))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return days
    raise TimeError("Rythme de répétition inconnu.")


def rule_label(first: date, rule: str) -> str:
    """French description: « chaque semaine, le jeudi », « le premier jeudi du mois »."""
    weekday = WEEKDAYS[first.weekday()]
    if rule == "weekly":
        return f"chaque semaine, le {weekday}"
    return f"le {ORDINALS[nth_weekday(first)]} {weekday} du mois"
