"""The controlled vocabulary of themes of REX: the shared one of :mod:`commons.themes`."""

from __future__ import annotations

from ..themes import PATH, themes

__all__ = ["PATH", "themes"]
