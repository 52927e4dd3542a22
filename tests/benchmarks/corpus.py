"""Benchmark corpus: realistic French collectivités, agents, groups, REX, threads and posts.

Deterministic for a seed, sized by :data:`SIZES` (or any :class:`Size`), written with bulk
SQLAlchemy Core inserts (no ORM, so no search outbox rows), then indexed by one
``search reindex``. Markdown goes through the one pipeline, ``commons.markup``, but only once
per block: bodies are assembled from pools of pre-rendered headings and paragraphs (the HTML of
blocks separated by blank lines is the concatenation of their HTML).

    python -m tests.benchmarks.corpus --size small [--seed 2026] [--no-reindex]

reads ``COMMONS_*`` like the app (``COMMONS_DATABASE_URL``; run ``commons db upgrade`` first)
and prints a JSON manifest: counts and a few objects to benchmark (a member and her groups, the
long thread). :func:`documents` yields index documents without any database.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from flask import Flask

from tests.benchmarks import corpus_rows as rows_mod
from tests.benchmarks import french_text as fr
from tests.benchmarks.corpus_rows import Pools, Rows

BENCH_PASSWORD = "bench-commons-2026"


@dataclass(frozen=True)
class Size:
    """How many of each object; ``long_thread`` posts go to one Agora thread (0: none)."""

    rex: int
    threads: int
    posts: int
    groups: int
    users: int
    collectivites: int
    long_thread: int = 0

    @property
    def documents(self) -> int:
        """Index documents: REX, threads, groups and collectivités (posts live in threads)."""
        return self.rex + self.threads + self.groups + self.collectivites


SIZES = {
    "small": Size(1_000, 1_000, 10_000, 40, 400, 300, long_thread=5_000),
    "large": Size(20_000, 10_000, 200_000, 400, 4_000, 2_000, long_thread=5_000),
    "search-10k": Size(6_000, 3_600, 14_000, 100, 500, 300),
    "search-100k": Size(60_000, 36_000, 140_000, 1_000, 5_000, 3_000),
}


def generate(app: Flask, size: Size, *, seed: int = 2026) -> dict[str, Any]:
    """Write a corpus of ``size`` into the app's database (one transaction); the manifest."""
    from commons.accounts.passwords import hash_password
    from commons.models import Base

    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        pools = Pools(rng, min(3_000, 50 + size.rex), min(3_000, 50 + size.posts))
        password_hash = hash_password(BENCH_PASSWORD)
    with app.extensions["commons.engine"].begin() as conn:
        rows = Rows(conn, rng, pools, password_hash, Base.metadata.tables)  # type: ignore[arg-type]
        colls = rows.collectivites(size.collectivites)
        users = rows.users(size.users, colls)
        facilitators = [u["id"] for u in users if u["role"] == "facilitator"] or [users[0]["id"]]
        agents = [u["id"] for u in users if u["role"] == "agent"] or facilitators
        groups, members, memberships = rows.groups(size.groups, facilitators, agents)
        rex_meta = rows.rex(size.rex, colls, groups, members, agents)
        threads = rows.threads(
            size.threads, size.posts, size.long_thread, groups, members, agents, rex_meta
        )
        rows.posts(threads, members, agents)
        rows.move_sequences()

    groups_of = Counter(m["user_id"] for m in memberships if m["role"] == "member")
    member = groups_of.most_common(1)[0][0] if groups_of else None  # the one with most groups
    return {
        "size": asdict(size),
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 1),
        "password": BENCH_PASSWORD,
        "member": {
            "email": f"agent{member}@bench.commons.fr",
            "group_ids": sorted(g for g, ms in members.items() if member in ms),
        }
        if member
        else None,
        "place": _rarest_place(colls),
        "long_thread_id": threads[0]["id"] if size.long_thread and threads else None,
        "public_rex_ids": [r[0] for r in rex_meta if r[1] == "public"][:20],
    }


def _rarest_place(colls: list[dict[str, Any]]) -> str:
    """The town named by the fewest collectivités (a selective search term)."""
    places = Counter(c["name"].split(" de ", 1)[1] for c in colls if " de " in c["name"])
    return min(places, key=lambda p: (places[p], p)) if places else ""


def _rarest_place(colls: list[dict[str, Any]]) -> str:
    """The town named by the fewest collectivités (a selective search term)."""
    places = Counter(c["name"].split(" de ", 1)[1] for c in colls if " de " in c["name"])
    return min(places, key=lambda p: (places[p], p)) if places else ""


def documents(count: int, *, seed: int = 2026, groups: int = 50) -> Iterator[dict[str, Any]]:
    """``count`` index documents in the shape of ``commons.search.documents`` (no database):
    40 % public, 40 % network, 20 % in one of ``groups`` groups; REX and threads."""
    rng = random.Random(seed)
    vocab = fr.vocabulary()
    for n in range(1, count + 1):
        roll, kind = rng.random(), "rex" if n % 5 < 3 else "thread"
        space = "public" if roll < 0.4 and kind == "rex" else "network" if roll < 0.8 else "group"
        place = rng.choice(fr.CITIES)
        when = rows_mod.date(rng).replace(tzinfo=None)
        yield {
            "id": f"{kind}:{n}",
            "kind": kind,
            "title": fr.rex_title(rng, f"Ville de {place}"),
            "summary": fr.rex_summary(rng) if kind == "rex" else None,
            "body": "\n\n".join(fr.paragraph(rng) for _ in range(rng.randint(4, 10))),
            "themes": [c for c, _ in rng.sample(vocab.themes, rng.randint(1, 3))],
            "kind_coll": [rng.choice(vocab.kinds[:7])[0]],
            "collectivite": f"Ville de {place}",
            "licence": rng.choice(rows_mod.LICENCES) if kind == "rex" else None,
            "year": when.year,
            "updated": when,
            "url": f"/rex/doc-{n}" if kind == "rex" else f"/forum/sujet/{n}",
            "visibility": space,
            "group_id": rng.randint(1, groups) if space == "group" else None,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Génère un corpus de benchmark.")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-reindex", action="store_true", help="ne pas reconstruire l'index")
    args = parser.parse_args(argv)

    from commons import create_app
    from commons.search import outbox

    app = create_app()
    manifest = generate(app, SIZES[args.size], seed=args.seed)
    if not args.no_reindex:
        started = time.perf_counter()
        with app.app_context():
            manifest["indexed"] = outbox.reindex(app)
        manifest["reindex_seconds"] = round(time.perf_counter() - started, 1)
    json.dump(manifest, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
