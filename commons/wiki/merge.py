"""Three-way merge of REX texts: the shared one of :mod:`commons.integrity.merge`."""

from __future__ import annotations

from ..integrity.merge import MergeResult, merge

__all__ = ["MergeResult", "merge"]
