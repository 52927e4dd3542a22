"""Form building blocks shared by every feature: French validator messages and text filters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import validators
from wtforms.fields.choices import SelectChoice

from .markup import clean_text


def clean(value: Any) -> Any:
    """Filter for text fields: no control characters (NUL…), surrounding spaces removed."""
    if isinstance(value, str):
        return clean_text(value).strip()
    return value


def required(message: str = "Ce champ est obligatoire.") -> validators.InputRequired:
    """Required field, French message."""
    return validators.InputRequired(message=message)


def length(maximum: int, minimum: int = 0) -> validators.Length:
    """Length bounds with a French message."""
    if minimum:
        message = f"Entre {minimum} et {maximum} caractères."
    else:
        message = f"{maximum} caractères au plus."
    return validators.Length(min=minimum, max=maximum, message=message)


def email() -> validators.Email:
    """Email syntax with a French message (no DNS look-up)."""
    return validators.Email(
        message="Adresse électronique invalide (exemple : prenom.nom@mairie.fr).",
        check_deliverability=False,
    )


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]
