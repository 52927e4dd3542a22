"""Panels of the facilitator dashboards contributed by other packages (e.g. publications
awaiting consent or review), without moderation importing them. The registry lives with the
groups, below every room that adds a panel, so that no room imports moderation.

``register_panel(fn)`` where ``fn(user, group_or_None) -> Panel | dict | None``: ``group`` is
the group of a group dashboard, ``None`` for the global one. Return ``None`` to show nothing.
A dict is read as ``Panel(**data)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..actor import Actor
from .models import Group


@dataclass
class Panel:
    """A titled list of ``(label, url)`` items, with a sentence for when it is empty."""

    title: str
    items: list[tuple[str, str]] = field(default_factory=list)
    empty: str = "Rien en attente."


PanelFunction = Callable[[Actor, Group | None], Panel | dict[str, Any] | None]
_PANELS: list[PanelFunction] = []


def register_panel(fn: PanelFunction) -> None:
    """Add a panel to the dashboards (idempotent)."""
    if fn not in _PANELS:
        _PANELS.append(fn)


def panels(user: Actor, group: Group | None) -> list[Panel]:
    """The registered panels for this user and dashboard."""
    out = []
    for fn in _PANELS:
        data = fn(user, group)
        if data is not None:
            out.append(data if isinstance(data, Panel) else Panel(**data))
    return out
