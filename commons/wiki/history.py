"""History, diff and restore routes (registered on the wiki blueprint)."""

from __future__ import annotations
