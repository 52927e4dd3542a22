"""Form building blocks shared by every feature: French validator messages and text filters."""

from __future__ import annotations

import re
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


#: Messages of the shared validators that do not say which field they are about: the error
#: summary prefixes them with the field's label (« Nom affiché : Ce champ est obligatoire. »);
#: any other message (a checkbox's, a service's) is a sentence of its own, shown alone.
GENERIC = re.compile(
    r"(Ce champ est obligatoire|Entre \d+ et \d+ caractères|\d+ caractères au plus"
    r"|Not a valid .*|Invalid .*|.{0,30}(non valide|invalide|incorrecte?)"
    r"|.*(pour ce champ|n'est pas une? .{0,20}valide).*)\.?",
    re.IGNORECASE,
)


def is_generic(message: object) -> bool:
    """Whether an error message needs its field's label to be understood (Jinja test
    ``generic_error``)."""
    return bool(GENERIC.fullmatch(str(message).strip()))


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
