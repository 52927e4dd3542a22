"""Benchmark of the REX lists filtered by theme, in process (SQL only, no HTTP, no template).

    python -m tests.benchmarks.bench_rex_list DB [DB …] [--repeat 30] [--plan]

Each ``DB`` is a SQLite file or a PostgreSQL URL holding a benchmark corpus
(``tests/benchmarks/corpus.py``). For each, times (median and p95 of ``--repeat`` runs) the
filtered lists as their pages run them: ``/rex/?theme=…&statut=termine`` for the member with
the most groups, the same at page 10, ``/communs/?theme=…`` for an anonymous reader, the
theme counts of ``/api/v1/themes``, and whole pages through the Flask test client (HTML
included: ``page_rex`` signed in as that member, ``page_communs`` anonymous); ``--plan`` also
prints SQLite's query plans. Measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

THEME = "mobilite"


def _timed(run: Callable[[], Any], repeat: int) -> tuple[float, float]:
    run()  # warm the caches and the connection pool
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def _member(app: Any) -> Any:
    """The agent in the most groups (the widest visibility filter)."""
    from sqlalchemy import func, select

    from commons import db
    from commons.accounts.models import User
    from commons.groups.models import Membership

    user_id = db.session.scalar(
        select(Membership.user_id)
        .where(Membership.role == "member")
        .group_by(Membership.user_id)
        .order_by(func.count().desc(), Membership.user_id)
        .limit(1)
    )
    return db.session.get(User, user_id)


def _plans(stmts: dict[str, Any]) -> None:
    from sqlalchemy import text

    from commons import db

    bind = db.session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name, stmt in stmts.items():
        sql = str(stmt.compile(bind, compile_kwargs={"literal_binds": True}))
        rows = db.session.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
        print(f"  plan {name}:")
        for row in rows:
            print(f"    {row[-1]}")


def bench(url: str, repeat: int, plan: bool) -> dict[str, tuple[float, float]]:
    from flask import Flask
    from sqlalchemy import func, select

    from commons import create_app, db
    from commons.export import api, public
    from commons.wiki import queries
    from commons.wiki.models import Rex

    if "://" not in url:
        url = f"sqlite:///{url}"
    from tests.benchmarks.corpus import BENCH_PASSWORD

    config = {"SECRET_KEY": "bench", "DATABASE_URL": url, "TESTING": True}
    app: Flask = create_app(config | {"WTF_CSRF_ENABLED": False})
    results: dict[str, tuple[float, float]] = {}
    with app.test_request_context("/"):
        member = _member(app)
        total = db.session.scalar(select(func.count(Rex.id)))
        member_f = queries.Filters(theme=THEME, status="termine")
        deep_f = queries.Filters(theme=THEME, status="termine", page=10)
        public_f = public.Filters(theme=THEME)
        cases: dict[str, Callable[[], Any]] = {
            "rex_member_p1": lambda: queries.listing(member, member_f),
            "rex_member_p10": lambda: queries.listing(member, deep_f),
            "communs_p1": lambda: public.listing(public_f),
            "api_themes": lambda: api.themes(),
        }
        for name, run in cases.items():
            results[name] = _timed(run, repeat)
        email = member.email
        page = queries.listing(member, member_f)
        print(f"{url}: {total} REX; member list total {page.total}")
        if plan:
            stmt = queries._filtered(member, member_f)
            order = (Rex.updated_at.desc(), Rex.id.desc())
            _plans(
                {
                    "count": select(func.count()).select_from(stmt.subquery()),
                    "page": stmt.order_by(*order).limit(20).offset(180),
                    "public": public.filtered(public_f).order_by(*order).limit(20),
                }
            )
    member_client, anonymous = app.test_client(), app.test_client()
    member_client.post("/connexion", data={"email": email, "password": BENCH_PASSWORD})
    pages = {
        "page_rex": lambda: member_client.get(f"/rex/?theme={THEME}&statut=termine"),
        "page_communs": lambda: anonymous.get(f"/communs/?theme={THEME}"),
    }
    assert "/deconnexion" in pages["page_rex"]().get_data(as_text=True)  # signed in
    for name, run in pages.items():
        results[name] = _timed(run, repeat)
    app.extensions["commons.engine"].dispose()
    for name, (median, p95) in results.items():
        print(f"  {name:16s} median {median:7.2f} ms  p95 {p95:7.2f} ms")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Listes de REX filtrées par thème.")
    parser.add_argument("databases", nargs="+")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--plan", action="store_true")
    args = parser.parse_args(argv)
    for url in args.databases:
        bench(url, args.repeat, args.plan)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
