"""``make bench``: hot pages under load, writes under load, and two app servers on PostgreSQL.

For each corpus size (``small``, ``large``; ``BENCH_SIZES`` to choose) on the embedded default
(SQLite + Whoosh): generate the corpus, start the app under gunicorn (2 workers, the README's
deployment settings) and a bare Flask hello-world under the same settings, then load each
endpoint with ``wrk`` (8 connections). Then the mixed read/write run on SQLite and PostgreSQL
(every acknowledged write checked in the database and the search index), and the scale-out
run: PostgreSQL + ``postgres`` search backend, one then two gunicorn servers.

Results go to ``tests/benchmarks/results/<date>/http.json``, ``http.md`` and ``http.png``.
Wall-clock figures are measurements, never assertions.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.benchmarks import loadtest, mixed_load

ROOT = loadtest.ROOT
RESULTS = ROOT / "tests" / "benchmarks" / "results"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def machine() -> dict[str, Any]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(int(mem) / 1024**2, 1),
        "python": platform.python_version(), "load_before": os.getloadavg(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }  # fmt: skip


def _run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def new_postgres_db(name: str) -> str | None:
    """A fresh database on the local PostgreSQL, or ``None`` when it is not reachable."""
    try:
        engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - PostgreSQL is optional for the bench
        print(f"PostgreSQL indisponible ({exc.__class__.__name__}) : partie PostgreSQL ignorée")
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_db(name: str) -> None:
    """Drop a database made by :func:`new_postgres_db` (quietly, if the server is gone)."""
    try:
        engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    except Exception:  # noqa: BLE001 - cleanup only
        pass


def prepare(workdir: Path, size: str, db_url: str | None, search: str = "whoosh") -> dict[str, Any]:
    """Migrate, generate the corpus and index it; returns env and the corpus manifest."""
    instance = workdir / f"instance-{size}-{search}"
    instance.mkdir(parents=True, exist_ok=True)
    env = {
        "COMMONS_SECRET_KEY": secrets.token_hex(16),
        "COMMONS_INSTANCE_PATH": str(instance),
        "COMMONS_SEARCH_BACKEND": search,
        "COMMONS_MAIL_BACKEND": "file",
        # Integrity is measured here, not the anti-flood limits: 32 clients share one address.
        "COMMONS_FORUM_POSTS_PER_MINUTE": "100000",
        "COMMONS_LOGIN_MAX_FAILURES_ADDRESS": "100000",
    }
    if db_url:
        env["COMMONS_DATABASE_URL"] = db_url
    _run([str(loadtest.VENV_BIN / "commons"), "db", "upgrade"], env)
    started = time.perf_counter()
    out = _run([sys.executable, "-m", "tests.benchmarks.corpus", "--size", size], env)
    manifest = json.loads(out[out.index("{") :])
    manifest["total_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()  # as the README says to do after a deployment
    _run([str(loadtest.VENV_BIN / "commons"), "export", "cache"], env)
    manifest["export_cache_seconds"] = round(time.perf_counter() - started, 1)
    return {
        "env": env,
        "manifest": manifest,
        "db_url": db_url or f"sqlite:///{instance}/commons.db",
    }


def targets(db_url: str, manifest: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """Endpoint name -> (path, needs a signed-in member)."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rex = conn.scalar(text("SELECT slug FROM rex WHERE space = 'public' ORDER BY id LIMIT 1"))
        theme = conn.scalar(
            text("SELECT themes FROM rex WHERE space = 'public' ORDER BY id LIMIT 1")
        )
        group = conn.scalar(
            text("SELECT g.slug FROM peer_group g WHERE g.id = :id"),
            {"id": (manifest["member"] or {}).get("group_ids", [0])[0]},
        )
        long_id = manifest.get("long_thread_id")
        posts = (
            conn.scalar(
                text("SELECT count(*) FROM forum_post WHERE thread_id = :id"), {"id": long_id}
            )
            or 1
        )
    engine.dispose()
    if isinstance(theme, str):
        theme = json.loads(theme)
    last = (int(posts) - 1) // 20 + 1
    return {
        "accueil": ("/", False),
        "rex_public": (f"/rex/{rex}", False),
        "rex_liste_filtres": (f"/rex/?theme={(theme or ['mobilite'])[0]}&statut=termine", False),
        "page_vide_connecte": ("/charte", True),  # the floor of any signed-in page
        "groupe": (f"/groupes/{group}", True),
        "fil_page_1": (f"/forum/sujet/{long_id}", True),
        "fil_derniere_page": (f"/forum/sujet/{long_id}?page={last}", True),
        "recherche_selective": ("/recherche?q=m%C3%A9thanisation", False),
        "recherche_mot_courant": ("/recherche?q=projet", False),
        "export_zip": ("/communs/export.zip", False),
        "flux_atom": ("/communs/flux.atom", False),
    }


def member_cookie(base: str, manifest: dict[str, Any]) -> str:
    account = mixed_load.Account(manifest["member"]["email"], manifest["password"], [], "", [])
    client = mixed_load.Client(base, account, mixed_load.Outcome(), 1)
    client.login()
    return "; ".join(f"{c.name}={c.value}" for c in client.jar)


def load_endpoints(prep: dict[str, Any], duration: float, connections: int) -> dict[str, Any]:
    """Hello-world ceiling, then every endpoint, on the same gunicorn settings (visitor pages
    come from the page cache), then the visitor pages with the page cache off."""
    results: dict[str, Any] = {}
    with loadtest.gunicorn(
        "hello_wsgi:app", {}, chdir=ROOT / "tests" / "benchmarks", health="/"
    ) as hello:
        results["hello_world"] = loadtest.wrk(
            hello.url + "/", connections=connections, duration=duration, server=hello
        )
        results["hello_world"]["peak_rss_mib"] = _peak(hello)
    with loadtest.gunicorn("wsgi:app", prep["env"]) as server:
        cookie = member_cookie(server.url, prep["manifest"])
        for name, (path, signed_in) in targets(prep["db_url"], prep["manifest"]).items():
            headers = {"Cookie": cookie} if signed_in else {}
            warm = loadtest.wrk(server.url + path, connections=1, duration=1, headers=headers)
            del warm  # first hits build caches (searcher, facet values)
            server.reset_window()
            row = loadtest.wrk(
                server.url + path, connections=connections, duration=duration,
                headers=headers, server=server,
            )  # fmt: skip
            row["path"] = path
            row["rss_mib"] = round(server.window_rss_kib / 1024, 1)
            row["ratio_hello"] = round(row["rps"] / results["hello_world"]["rps"], 3)
            results[name] = row
        results["peak_rss_mib_per_worker"] = _peak(server)
    # The same visitor pages rendered on every request: what a cache miss costs (the first
    # visit after a change), and whether that cost grows with the corpus.
    paths = targets(prep["db_url"], prep["manifest"])
    with loadtest.gunicorn("wsgi:app", {**prep["env"], "COMMONS_PAGE_CACHE_MB": "0"}) as server:
        for name in UNCACHED:
            warm = loadtest.wrk(server.url + paths[name][0], connections=1, duration=1)
            del warm
            server.reset_window()
            row = loadtest.wrk(
                server.url + paths[name][0], connections=connections, duration=duration,
                server=server,
            )  # fmt: skip
            row["path"] = paths[name][0] + " (sans cache de page)"
            row["rss_mib"] = round(server.window_rss_kib / 1024, 1)
            row["ratio_hello"] = round(row["rps"] / results["hello_world"]["rps"], 3)
            results[f"{name}_sans_cache"] = row
    return results


#: Visitor pages the page cache serves; measured again with the cache off.
UNCACHED = ("accueil", "rex_public", "rex_liste_filtres", "flux_atom")


def _peak(server: loadtest.Server) -> float:
    return round(max(server.peak_rss_kib.values(), default=0) / 1024, 1)


# -- writes under load ------------------------------------------------------------------------


def bench_app(prep: dict[str, Any]) -> Any:
    """The app of a prepared instance, in this process (same folder, database and index as the
    servers: the instance path comes from the environment, as in production)."""
    from commons import create_app

    saved = dict(os.environ)
    os.environ.update(prep["env"])
    os.environ["COMMONS_DATABASE_URL"] = prep["db_url"]
    try:
        return create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def mixed_accounts(prep: dict[str, Any], clients: int) -> list[mixed_load.Account]:
    """``clients`` agents, each with network threads to answer, a REX of its own to edit and
    listed groups it is not in (join requests). The REX are created through the services."""
    from commons import db
    from commons.accounts.models import User
    from commons.wiki import services as wiki

    app = bench_app(prep)
    accounts = []
    with app.app_context():
        conn = db.session.connection()
        threads = list(conn.scalars(text(
            "SELECT id FROM forum_thread WHERE space = 'network' AND rex_id IS NULL "
            "AND post_count < 200 ORDER BY id LIMIT 40"
        )))  # fmt: skip
        users = list(conn.scalars(text(
            "SELECT id FROM user_account WHERE email LIKE '%@bench.commons.fr' ORDER BY id "
            f"LIMIT {clients}"
        )))  # fmt: skip
        for n, user_id in enumerate(users):
            user = db.session.get(User, user_id)
            assert user is not None
            rex = wiki.create_rex(
                user, title=f"Carnet de charge {n} {secrets.token_hex(3)}",
                body="## Contexte\n\nNotes prises pendant l'essai de charge.\n",
            )  # fmt: skip
            joinable = list(conn.scalars(text(
                "SELECT slug FROM peer_group WHERE listed AND id NOT IN "
                "(SELECT group_id FROM membership WHERE user_id = :u) ORDER BY id LIMIT 3"
            ), {"u": user_id}))  # fmt: skip
            accounts.append(mixed_load.Account(
                user.email, prep["manifest"]["password"], threads, rex.slug, joinable
            ))  # fmt: skip
        db.session.commit()
    from commons.search import outbox

    outbox.drain(app)
    app.extensions["commons.engine"].dispose()
    return accounts


def verify(prep: dict[str, Any], outcome: mixed_load.Outcome) -> dict[str, int]:
    """Every acknowledged write is in the database, and (after a drain) found by search."""
    from commons.search import outbox
    from commons.search.backends import get_backend

    app = bench_app(prep)
    lost = unsearchable = 0
    with app.app_context():
        while outbox.drain(app, limit=2000).remaining:
            pass
        engine = app.extensions["commons.engine"]
        with engine.connect() as conn:
            group_ids = list(conn.scalars(text("SELECT id FROM peer_group")))
            for kind, target, token in outcome.acknowledged:
                if kind == "post":
                    sql = "SELECT count(*) FROM forum_post WHERE thread_id = :t AND source LIKE :k"
                    found = conn.scalar(text(sql), {"t": int(target), "k": f"%{token}%"})
                elif kind == "rex":
                    sql = ("SELECT count(*) FROM rex_revision r JOIN rex x ON x.id = r.rex_id "
                           "WHERE x.slug = :t AND r.source LIKE :k")  # fmt: skip
                    found = conn.scalar(text(sql), {"t": target, "k": f"%{token}%"})
                else:
                    sql = ("SELECT count(*) FROM join_request j JOIN peer_group g "
                           "ON g.id = j.group_id JOIN user_account u ON u.id = j.user_id "
                           "WHERE g.slug = :t AND u.email = :k")  # fmt: skip
                    found = conn.scalar(text(sql), {"t": target, "k": token})
                lost += 0 if found else 1
                if kind in ("post", "rex") and found:
                    hits = get_backend(app).search(token, visibility_filter=(True, group_ids))
                    unsearchable += 0 if hits.total else 1
    engine.dispose()
    return {"acknowledged": len(outcome.acknowledged), "lost": lost, "unsearchable": unsearchable}


def mixed_run(
    prep: dict[str, Any], clients: int, duration: float, servers: int = 1
) -> dict[str, Any]:
    accounts = mixed_accounts(prep, clients)
    with loadtest.gunicorn("wsgi:app", prep["env"]) as server:
        reads = list(dict.fromkeys(p for p, _ in targets(prep["db_url"], prep["manifest"]).values()
                                   if "export" not in p))  # fmt: skip
        outcome = mixed_load.run(server.url, accounts, reads, duration=duration)
    checked = verify(prep, outcome)
    lat = sorted(outcome.latencies_ms)
    pct = (lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 1)) if lat else (lambda q: 0)
    return {
        "clients": clients, "seconds": duration, "reads": outcome.reads,
        "writes": dict(outcome.writes), "errors": len(outcome.errors),
        "error_samples": outcome.errors[:10], "p50_ms": pct(0.5), "p95_ms": pct(0.95),
        **checked,
    }  # fmt: skip


# -- scale-out ----------------------------------------------------------------------------------


def scale_out(prep: dict[str, Any], duration: float, connections: int) -> dict[str, Any]:
    """The public REX page and a search, on one then two gunicorn servers sharing PostgreSQL."""
    paths = targets(prep["db_url"], prep["manifest"])
    out: dict[str, Any] = {}
    for name in ("rex_public", "recherche_selective"):
        path = paths[name][0]
        with loadtest.gunicorn("wsgi:app", prep["env"]) as one:
            single = loadtest.wrk(one.url + path, connections=connections, duration=duration)
        with (
            loadtest.gunicorn("wsgi:app", prep["env"]) as a,
            loadtest.gunicorn("wsgi:app", prep["env"]) as b,
        ):
            both = _parallel_wrk([a.url + path, b.url + path], connections, duration)
        out[name] = {
            "one_server": single,
            "two_servers": both,
            "gain": round(both["rps"] / single["rps"], 2) if single["rps"] else None,
        }
    return out


def _parallel_wrk(urls: list[str], connections: int, duration: float) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(urls)) as pool:
        rows = list(pool.map(
            lambda u: loadtest.wrk(u, connections=connections, duration=duration, threads=1), urls
        ))  # fmt: skip
    return {
        "rps": round(sum(r["rps"] for r in rows), 1),
        "p95_ms": max(r["p95_ms"] for r in rows),
        "errors": sum(r["errors"] for r in rows),
    }


# -- report -------------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmark HTTP — {m['date']}",
        "",
        f"Machine : {m['cpu']}, {m['cores']} cœurs, {m['ram_gib']} Gio, Python {m['python']}.",
        "",
    ]
    for size, rows in report["sizes"].items():
        corpus = rows.pop("_corpus", {})
        lines += [f"## Corpus `{size}` (SQLite + Whoosh, 2 workers gunicorn, 8 connexions)", "",
                  f"Génération + indexation : {corpus.get('total_seconds', '?')} s.", "",
                  "| point d'accès | req/s | p50 ms | p95 ms | p99 ms | erreurs | / hello "
                  "| RSS Mio |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
        for name, row in rows.items():
            if isinstance(row, dict) and "rps" in row:
                lines.append(
                    f"| {name} | {row['rps']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
                    f"{row['p99_ms']:.1f} | {row['errors']} | {row.get('ratio_hello', 1.0)} | "
                    f"{row.get('rss_mib', '')} |"
                )
        lines += [
            "",
            "RSS Mio : mémoire résidente maximale d'un worker pendant la mesure (fichiers de "
            f"l'index projetés en mémoire compris) ; pic sur toute la série : "
            f"{rows.get('peak_rss_mib_per_worker')} Mio.",
            "",
        ]
        rows["_corpus"] = corpus
    for db_name, mixed in report.get("mixed", {}).items():
        lines += [
            f"## Charge mixte — {db_name}",
            "",
            "```",
            json.dumps(mixed, indent=1, ensure_ascii=False),
            "```",
            "",
        ]
    if report.get("scale_out"):
        lines += ["## Deux serveurs d'application (PostgreSQL + recherche postgres)", "", "```",
                  json.dumps(report["scale_out"], indent=1, ensure_ascii=False), "```"]  # fmt: skip
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(report["sizes"])
    names = [
        n for n, r in report["sizes"][sizes[0]].items() if isinstance(r, dict) and "p95_ms" in r
    ]
    fig, ax = plt.subplots(figsize=(9, 5))
    for name in names:
        ax.plot(
            sizes,
            [report["sizes"][s].get(name, {}).get("p95_ms") for s in sizes],
            marker="o",
            label=name,
        )
    ax.set_xlabel("taille du corpus")
    ax.set_ylabel("latence p95 (ms)")
    ax.set_yscale("log")
    ax.set_title("Latence p95 par point d'accès (gunicorn 2 workers, 8 connexions)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark HTTP de Commons (make bench).")
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "small,large"))
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 10))
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--mixed-clients", type=int, default=32)
    parser.add_argument("--mixed-seconds", type=float, default=60)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args(argv)
    loadtest.require_wrk()
    report: dict[str, Any] = {"machine": machine(), "sizes": {}, "mixed": {}}
    with tempfile.TemporaryDirectory(prefix="commons-bench-") as tmp:
        work = Path(tmp)
        for size in args.sizes.split(","):
            print(f"== corpus {size} (SQLite + Whoosh)", flush=True)
            prep = prepare(work, size, None)
            rows = load_endpoints(prep, args.duration, args.connections)
            rows["_corpus"] = prep["manifest"]
            report["sizes"][size] = rows
            if size == "small":
                print("== charge mixte SQLite", flush=True)
                report["mixed"]["sqlite"] = mixed_run(prep, args.mixed_clients, args.mixed_seconds)
        pg_name = f"commons_bench_{os.getpid()}"
        pg_url = None if args.skip_postgres else new_postgres_db(pg_name)
        if pg_url:
            atexit.register(drop_postgres_db, pg_name)
        if pg_url:
            print("== PostgreSQL : charge mixte et deux serveurs", flush=True)
            try:
                url = pg_url.replace("postgresql://", "postgresql+psycopg://")
                prep = prepare(work, "small", url, "postgres")
                report["mixed"]["postgresql"] = mixed_run(
                    prep, args.mixed_clients, args.mixed_seconds
                )
                report["scale_out"] = scale_out(prep, args.duration, args.connections)
            except Exception as exc:  # noqa: BLE001 - keep the SQLite figures
                report["postgresql_error"] = repr(exc)[:2000]
                print(f"Partie PostgreSQL en échec : {exc!r}", flush=True)
    out = RESULTS / datetime.now(UTC).strftime("%Y-%m-%d")
    out.mkdir(parents=True, exist_ok=True)
    (out / "http.json").write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    (out / "http.md").write_text(markdown(report))
    plot(report, out / "http.png")
    print(markdown(report))
    print(f"Résultats : {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
