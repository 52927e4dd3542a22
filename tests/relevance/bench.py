"""Relevance benchmark of the search over the REX shipped in ``content/rex`` (issue 17).

``make bench-relevance`` (``python -m tests.relevance.bench``) loads the shipped content into a
fresh database, indexes it with each backend — Whoosh on SQLite, and PostgreSQL full-text when
``TEST_DATABASE_URL`` is set (its ``public`` schema is dropped and rebuilt, as the tests do) —
runs the judged queries of ``queries.yml`` as an anonymous visitor, and prints MRR, recall@5,
nDCG@10 and the number of « 0 résultat » pages beside a plain BM25 baseline measured in the
same run: SQLite FTS5 (``unicode61 remove_diacritics 2``) over the same title, summary and body,
any word matching. Figures are given for the tuning queries, the held-out ones and all.

``tests/test_search_relevance.py`` runs the same queries in the suite with a floor on the figures.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
QUERIES = Path(__file__).with_name("queries.yml")
REX_DIR = ROOT / "content" / "rex"
DEPTH = 10
HEADER = f"{'moteur (requêtes)':<26} {'n':>4} {'MRR':>7} {'rappel@5':>9} {'nDCG@10':>8} " + (
    f"{'0 résultat':>10}"
)


@dataclass(frozen=True)
class Judged:
    """A query and its graded relevant REX slugs (2: the answer, 1: useful too)."""

    q: str
    kind: str
    relevant: dict[str, int]
    holdout: bool = False


def load_queries(path: Path = QUERIES) -> list[Judged]:
    """The judged queries of ``queries.yml``."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Judged(r["q"], r.get("kind", "mots"), dict(r["relevant"]), bool(r.get("holdout")))
        for r in rows
    ]


# -- metrics --------------------------------------------------------------------------------


@dataclass
class Figures:
    """Mean figures over a set of queries."""

    n: int
    mrr: float
    recall5: float
    ndcg10: float
    zero: int

    def row(self, name: str) -> str:
        return (
            f"{name:<26} {self.n:>4} {self.mrr:>7.3f} {self.recall5:>9.3f} "
            f"{self.ndcg10:>8.3f} {self.zero:>10}"
        )


def _dcg(gains: Iterable[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def score(queries: list[Judged], rankings: list[list[str]]) -> Figures:
    """MRR (first result of grade 2), recall@5 (of every relevant REX, at most 5) and nDCG@10
    (graded), and how many queries found nothing at all."""
    mrr = recall = ndcg = 0.0
    zero = 0
    for judged, ranking in zip(queries, rankings, strict=True):
        ranking = ranking[:DEPTH]
        zero += not ranking
        answers = {slug for slug, grade in judged.relevant.items() if grade >= 2}
        first = next((i for i, slug in enumerate(ranking) if slug in answers), None)
        mrr += 0.0 if first is None else 1.0 / (first + 1)
        wanted = set(judged.relevant)
        recall += len(wanted & set(ranking[:5])) / min(len(wanted), 5)
        ideal = _dcg(sorted(judged.relevant.values(), reverse=True)[:DEPTH])
        ndcg += _dcg(judged.relevant.get(slug, 0) for slug in ranking) / ideal
    n = max(1, len(queries))
    return Figures(len(queries), mrr / n, recall / n, ndcg / n, zero)


# -- the BM25 baseline ------------------------------------------------------------------------


def _front_matter(path: Path) -> tuple[dict[str, Any], str]:
    _, front, body = path.read_text(encoding="utf-8").split("---", 2)
    return yaml.safe_load(front), body


def bm25_search() -> Callable[[str], list[str]]:
    """Plain BM25 over the shipped REX: SQLite FTS5, ``unicode61 remove_diacritics 2``, any
    word of the query matching, ranked by ``bm25()``."""
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE rex USING fts5(slug UNINDEXED, title, summary, body, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for path in sorted(REX_DIR.glob("*.md")):
        if path.name == "README.md":
            continue
        meta, body = _front_matter(path)
        conn.execute(
            "INSERT INTO rex VALUES (?, ?, ?, ?)",
            (meta["slug"], meta["title"], meta.get("summary") or "", body),
        )

    def search(q: str) -> list[str]:
        words = re.findall(r"\w+", q)
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        rows = conn.execute(
            "SELECT slug FROM rex WHERE rex MATCH ? ORDER BY bm25(rex) LIMIT ?", (match, DEPTH)
        )
        return [slug for (slug,) in rows]

    return search


# -- the application's backends ----------------------------------------------------------------


def slugs(results: Any) -> list[str]:
    """REX slugs of a page of results, in order (other kinds of hits are left out)."""
    return [hit.url.rsplit("/", 1)[-1] for hit in results.hits if hit.kind == "rex"]


def app_search(app: Any) -> Callable[[str], list[str]]:
    """Anonymous search on ``app``'s configured backend, as the search page asks it (with the
    correction of unknown words): the REX slugs of the first page."""
    from commons.search.backends import answer, get_backend

    backend = get_backend(app)

    def search(q: str) -> list[str]:
        return slugs(answer(backend, q, (False, set()), per_page=DEPTH))

    return search


def load_content(app: Any) -> None:
    """Load ``content/`` into ``app``'s (empty) database and drain the index queue."""
    from commons import content, db
    from commons.search.outbox import drain_all

    with app.app_context():
        content.load()
        db.session.commit()
        report = drain_all(app)
        assert not report.remaining, report


def _make_app(tmp: Path, database_url: str, backend: str) -> Any:
    from sqlalchemy import text

    from commons import create_app
    from commons.models import Base

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-relevance",
            "DATABASE_URL": database_url,
            "SEARCH_BACKEND": backend,
            "SEARCH_INDEX_DIR": str(tmp / f"index-{backend}"),
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(tmp / "mail"),
        }
    )
    engine = app.extensions["commons.engine"]
    if database_url.startswith("postgres"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    Base.metadata.create_all(engine)
    load_content(app)
    return app


def run(queries: list[Judged], search: Callable[[str], list[str]]) -> list[list[str]]:
    return [search(j.q) for j in queries]


def report(name: str, queries: list[Judged], rankings: list[list[str]]) -> list[str]:
    """Table rows for the tuning queries, the held-out ones and all of them."""
    dev = [i for i, j in enumerate(queries) if not j.holdout]
    held = [i for i, j in enumerate(queries) if j.holdout]
    rows = []
    for label, idx in (
        ("réglage", dev),
        ("mises de côté", held),
        ("toutes", list(range(len(queries)))),
    ):
        figures = score([queries[i] for i in idx], [rankings[i] for i in idx])
        rows.append(figures.row(f"{name} ({label})"))
    return rows


def misses(queries: list[Judged], rankings: list[list[str]]) -> list[str]:
    """Tuning queries whose answer is not first (held-out queries are never listed)."""
    out = []
    for judged, ranking in zip(queries, rankings, strict=True):
        answers = {s for s, g in judged.relevant.items() if g >= 2}
        if judged.holdout or (ranking and ranking[0] in answers):
            continue
        rank = next((i + 1 for i, s in enumerate(ranking) if s in answers), None)
        out.append(f"  {judged.q!r}: rang {rank}, premier {ranking[:1]}")
    return out


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    verbose = "-v" in args
    queries = load_queries()
    engines: list[tuple[str, Callable[[str], list[str]]]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        engines.append(
            ("whoosh", app_search(_make_app(tmp, f"sqlite:///{tmp / 'w.db'}", "whoosh")))
        )
        pg = os.environ.get("TEST_DATABASE_URL")
        if pg:
            engines.append(("postgres", app_search(_make_app(tmp, pg, "postgres"))))
        engines.append(("bm25-fts5", bm25_search()))
        print(HEADER)
        for name, search in engines:
            rankings = run(queries, search)
            print("\n".join(report(name, queries, rankings)))
            if verbose:
                print("\n".join(misses(queries, rankings)))
        if not pg:
            print(
                "(PostgreSQL : définissez TEST_DATABASE_URL pour mesurer aussi le moteur postgres)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
