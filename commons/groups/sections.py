"""The sections other rooms add to a group's private space (REX, forum, agenda…): a registry
in ``app.extensions``, so that the groups package never imports those rooms."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from markupsafe import Markup

from .models import Group

KEY = "commons.group_sections"


def add_private_section(app: Flask, render: Callable[[Group], Markup]) -> None:
    """Let a feature (REX, forum…) show a section in a group's private space, without the
    groups package importing it."""
    app.extensions.setdefault(KEY, []).append(render)


def private_sections(group: Group) -> list[Markup]:
    """The sections of the group's private space, rendered, in registration order."""
    return [render(group) for render in current_app.extensions.get(KEY, [])]
