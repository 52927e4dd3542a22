"""Whoosh-only behaviour: the French analysis chain and the writer lock. Everything a search
backend must do is in ``test_search_backends.py``, run on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from commons.search.analysis import exact_analyzer, fold, french_analyzer
from commons.search.results import IndexBusy
from commons.search.whoosh_backend import WhooshIndex

from .search_support import ANON, DOCS, angers_rex, ids

# No warning filter needed: whoosh-reloaded 2.7.5 imports cleanly with warnings as errors (its
# vendored whoosh.support.pyparsing, which would warn, is not imported by these modules).


@pytest.fixture()
def index(tmp_path: Path) -> WhooshIndex:
    ix = WhooshIndex(tmp_path / "ix", timeout=0.2).create()
    ix.add([*DOCS, angers_rex()])
    return ix


def test_analysis_chain() -> None:
    assert fold("Œuvre Collectivités ÆSTHÈTE Straße") == "oeuvre collectivites aesthete strasse"
    assert [t.text for t in exact_analyzer()("L'eau d'une qu’il")] == ["eau", "une", "il"]
    french = french_analyzer()
    assert [t.text for t in french("Les budgets à Angers")] == ["budget", "anger"]
    assert [t.text for t in french("collectivite")] == [t.text for t in french("collectivités")]


def test_locked_writer_raises_busy_then_retry_succeeds(index: WhooshIndex) -> None:
    doc = {"id": "rex:50", "kind": "rex", "title": "Cantines bio", "visibility": "public"}
    other_process = WhooshIndex(index.path).open()
    held = other_process.ix.writer()
    try:
        with pytest.raises(IndexBusy):
            index.add([doc])
        assert index.search("cantines", visibility_filter=ANON).total == 0
    finally:
        held.cancel()
    index.add([doc])  # the caller (outbox drain) retries with the same documents
    assert ids(index.search("cantines", visibility_filter=ANON)) == ["rex:50"]
