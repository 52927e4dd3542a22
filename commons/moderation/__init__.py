"""Facilitator tools: reports, moderation actions with statements of reasons, private notes
on members, dashboards and the audit log page.

Imports ``wiki``, ``forum``, ``groups``, ``notifications``, ``accounts`` and ``audit``; no
feature imports moderation. Feature templates reach it through Jinja globals registered here
(``report_link``, ``moderation_link``, ``can_moderate``: :mod:`.links`), guarded with
``is defined``; other packages add dashboard panels with
:func:`commons.groups.dashboard.register_panel`.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register pages, template helpers and notification kinds."""
    from . import views

    views.init_app(app)
