"""Accessibility plumbing shared by every page (RGAA 4.1, see ``docs/accessibilite/``).

- ``page_has_errors``: set in every template context when a form on the page failed validation
  or an error was flashed, so the layout prefixes the ``<title>`` with « Erreur : » (RGAA 8.6,
  11.10) and ``static/commons.js`` moves the focus to the error summary;
- ``nest_headings`` (stored HTML placed under a heading) and ``lang_en`` (« Open Licence »);
- the audit grid (``docs/accessibilite/grille-rgaa.csv``) read once: its conformity rate and the
  status the law derives from it, shown by the statement and the footer.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, before_render_template, has_request_context, session
from markupsafe import Markup, escape
from wtforms import Form

from .forms import is_generic

GRID = Path(__file__).resolve().parents[1] / "docs" / "accessibilite" / "grille-rgaa.csv"
#: Date of the audit recorded in the grid (update it with the grid).
AUDIT_DATE = "3 décembre 2026"


def _flag_errors(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
    """Mark the page as an error page when one of its forms has errors, an edit conflicts (not
    once its resolution is composed) or an error is flashed."""
    if "page_has_errors" in context or not has_request_context():  # mails have no title
        return
    conflict = context.get("conflict")
    composed = getattr(conflict, "composed", None) is not None  # resolved, to check: no error
    failed = (
        bool(conflict)
        and not composed
        or any(isinstance(v, Form) and v.errors for v in context.values())
    )
    flashed = any(category == "error" for category, _ in session.get("_flashes", ()))
    context["page_has_errors"] = failed or flashed


_HEADING = re.compile(r"<(/?)h([1-6])\b([^>]*)>")
_ID = re.compile(r'\bid="([^"]*)"')
#: English words kept in French names (RGAA 8.7): marked with their language.
_ENGLISH = re.compile(r"\bOpen Licence\b")


def nest_headings(html: str, below: int, id_prefix: str) -> Markup:
    """Stored HTML placed under a heading of level ``below``: its top headings become
    ``h<below+1>`` (never deeper than h6) and its ids get ``id_prefix`` (unique on the page)."""
    levels = [int(level) for _, level, _ in _HEADING.findall(str(html))]
    shift = below + 1 - min(levels) if levels else 0

    def heading(match: re.Match[str]) -> str:
        closing, level, attributes = match.groups()
        attributes = _ID.sub(lambda m: f'id="{id_prefix}-{m.group(1)}"', attributes)
        return f"<{closing}h{min(6, int(level) + shift)}{attributes}>"

    return Markup(_HEADING.sub(heading, str(html)))


def lang_en(text: str) -> Markup:
    """Escape ``text`` and mark its English words (« Open Licence ») with ``lang="en"``."""
    return Markup(_ENGLISH.sub(lambda m: f'<span lang="en">{m.group(0)}</span>', str(escape(text))))


@dataclass(frozen=True)
class Conformity:
    """What the audit grid says: criteria met, not met, not applicable, and the legal status."""

    met: int
    not_met: int
    not_applicable: int

    @property
    def rate(self) -> float:
        """Share of applicable criteria met, in percent (RGAA method: C / (C + NC))."""
        applicable = self.met + self.not_met
        return round(100 * self.met / applicable, 1) if applicable else 0.0

    @property
    def status(self) -> str:
        """The wording the law allows: total only at 100 %, partial from 50 % with an audit."""
        if not self.met + self.not_met:
            return "non conforme"
        if self.not_met == 0:
            return "totalement conforme"
        return "partiellement conforme" if self.rate >= 50 else "non conforme"


def read_grid(path: Path = GRID) -> list[dict[str, str]]:
    """The rows of the audit grid (one per criterion; ``statut`` is C, NC or NA)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def conformity(path: Path = GRID) -> Conformity:
    """Count the grid: a criterion is met when met on every page of the sample."""
    counts = {"C": 0, "NC": 0, "NA": 0}
    if not path.is_file():  # no audit shipped: the law says « non conforme »
        return Conformity(0, 0, 0)
    for row in read_grid(path):
        counts[row["statut"].strip()] += 1
    return Conformity(counts["C"], counts["NC"], counts["NA"])


def init_app(app: Flask) -> None:
    """Register the error flag, the ``conformity`` global, the ``generic_error`` test."""
    before_render_template.connect(_flag_errors, app)
    app.jinja_env.tests["generic_error"] = is_generic
    app.jinja_env.filters["nest_headings"] = nest_headings
    app.jinja_env.filters["lang_en"] = lang_en
    app.jinja_env.globals["conformity"] = conformity
