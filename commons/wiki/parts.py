"""What other features add to REX pages without the wiki importing them (registries kept in
``app.extensions``): sections of a REX page's aside (publication, discussions, attachments…)
and parts of the REX editor (attachments), with the hook each part runs after a save."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from markupsafe import Markup

from .models import Rex

SECTIONS = "commons.rex_sections"
EDITOR_PARTS = "commons.rex_editor_parts"


def add_rex_section(app: Flask, render: Callable[[Rex], Markup | None]) -> None:
    """Let a feature (publication…) add a section to a REX page's aside, without the wiki
    importing it; ``render`` returns ``None`` when it has nothing to show."""
    app.extensions.setdefault(SECTIONS, []).append(render)


def sections(rex: Rex) -> list[Markup]:
    """The registered sections that have something to show for ``rex``."""
    return [s for render in current_app.extensions.get(SECTIONS, []) if (s := render(rex))]


def add_editor_part(
    app: Flask, render: Callable[[Rex | None], Markup | None], after_save: Callable[[Rex], None]
) -> None:
    """Let a feature (files…) add fields to the REX editor and the new-REX form without the
    wiki importing it: ``render`` gives the fields (``None`` for the new-REX form's REX), and
    ``after_save`` runs in the same transaction once the REX is saved; it raises
    :class:`~.revisions.RexError` to refuse the whole save (rolled back, the form shown again
    with what was typed)."""
    app.extensions.setdefault(EDITOR_PARTS, []).append((render, after_save))


def editor_parts(rex: Rex | None) -> list[Markup]:
    """The registered editor fields for ``rex`` (``None``: the new-REX form)."""
    parts = current_app.extensions.get(EDITOR_PARTS, [])
    return [part for render, _after in parts if (part := render(rex))]


def after_save(rex: Rex) -> None:
    """Run every editor part's hook once ``rex`` is saved (same transaction)."""
    for _render, hook in current_app.extensions.get(EDITOR_PARTS, []):
        hook(rex)
