"""Search benchmark: bulk reindex rate and query latency (p50/p95) against corpus size.

For each backend (``whoosh``; ``postgres`` when its backend exists and a PostgreSQL database is
given) and each size (10k and 100k index documents by default) it builds a fresh instance
(``commons db upgrade``, the :mod:`tests.benchmarks.corpus` generator, one timed
``search reindex``), then runs a query mix — selective and common words, phrases, filters, date
sort, query syntax, a misspelling (suggestions), as an anonymous reader, a signed-in agent and
a member of several groups — through one reused backend object, as a worker does.

    python -m tests.benchmarks.bench_search [--sizes 10000,100000] [--backends whoosh,postgres]

Writes ``search.json``, ``search.md`` and ``search.png`` to ``tests/benchmarks/results/<date>/``.
PostgreSQL: ``BENCH_DATABASE_URL`` (its public schema is dropped and rebuilt: use a dedicated
database), else a new database on the local server (``BENCH_PG_ADMIN_URL``, as ``bench_http``);
``BENCH_SEARCH_SIZES`` changes the default sizes. Nothing here asserts a time.
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.benchmarks import corpus

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"
CORPUS_OF = {10_000: "search-10k", 100_000: "search-100k"}
TARGETS = {"p95_ms": {10_000: 50, 100_000: 150}, "reindex_docs_per_s": 300}


@dataclass(frozen=True)
class Query:
    category: str
    text: str
    who: str = "agent"  # anonyme | agent | membre
    filters: dict[str, Any] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1


QUERIES = [
    Query("sélectif", "{place}"),
    Query("sélectif", "tiers-lieu {place}", who="anonyme"),
    Query("mots courants", "projet", who="anonyme"),
    Query("mots courants", "les habitants de la commune"),
    Query("mots courants", "collectivités", who="membre"),
    Query("phrase", '"budget participatif"'),
    Query("phrase", '"conseil citoyen" habitants', who="anonyme"),
    Query("filtres", "mobilité", filters={"themes": ["mobilite"]}),
    Query("filtres", "cantine", who="anonyme", filters={"kind": ["rex"], "year": [2024]}),
    Query("tri par date", "participation", sort="date"),
    Query("tri par date", "compostage", who="membre", sort="date", page=3),
    Query("membre", "budget", who="membre"),
    Query("syntaxe", "budget -participatif"),
    Query("syntaxe", "theme:alimentation cantine", who="membre"),
    Query("faute de frappe", "partcipation citoyene"),
]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
         if ln.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    versions = {}
    for dist in ("whoosh-reloaded", "sqlalchemy", "flask", "psycopg"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 1024**2, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": versions,
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _search_of(app: Any) -> Any:
    """The backend a worker would use, kept for every query (its searcher is reused)."""
    try:
        from commons.search.backends import get_backend
    except ImportError:  # before the backend interface existed
        from commons.search.whoosh_store import get_index

        return get_index(app)
    return get_backend(app)


def postgres_available(url: str | None) -> str | None:
    """Why the postgres backend cannot run, or ``None`` when it can."""
    if not url:
        return "BENCH_DATABASE_URL n'est pas défini"
    try:
        import commons.search.pg_backend  # noqa: F401
    except ImportError:
        return "le moteur PostgreSQL (commons/search/pg_backend.py) n'existe pas encore"
    return None


def build(backend: str, size: int, workdir: Path, pg_url: str | None) -> dict[str, Any]:
    """A fresh instance of ``size`` documents; returns the app, manifest and reindex figures."""
    from sqlalchemy import text

    from commons import create_app
    from commons.search import outbox

    env = {
        "COMMONS_SECRET_KEY": secrets.token_urlsafe(32),
        "COMMONS_INSTANCE_PATH": str(workdir / "instance"),
        "COMMONS_DATABASE_URL": pg_url if backend == "postgres" else f"sqlite:///{workdir}/b.db",
        "COMMONS_SEARCH_BACKEND": backend,
        "COMMONS_SEARCH_INDEX_DIR": str(workdir / "search"),
        "COMMONS_MAIL_BACKEND": "file",
    }
    os.environ.update(env)
    if backend == "postgres":
        from commons.db import make_engine

        engine = make_engine(env["COMMONS_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    commons_cli = str(Path(sys.executable).parent / "commons")
    subprocess.run([commons_cli, "db", "upgrade"], check=True, cwd=ROOT, capture_output=True)
    app = create_app()
    spec = corpus.SIZES[CORPUS_OF[size]] if size in CORPUS_OF else _scaled(size)
    manifest = corpus.generate(app, spec)
    started, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        count = outbox.reindex(app)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "app": app,
        "manifest": manifest,
        "documents": count,
        "reindex_s": round(seconds, 1),
        "reindex_docs_per_s": round(count / seconds, 1),
        "reindex_docs_per_cpu_s": round(count / cpu, 1),
        "corpus_s": manifest["seconds"],
    }


def _scaled(size: int) -> corpus.Size:
    """A corpus with about ``size`` index documents, in the proportions of ``search-10k``."""
    base = corpus.SIZES["search-10k"]
    f = size / base.documents
    return corpus.Size(*(max(1, round(getattr(base, k) * f)) for k in (
        "rex", "threads", "posts", "groups", "users", "collectivites")))  # fmt: skip


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[rank], 2)


def measure(app: Any, manifest: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Latency of every query of the mix, ``repeat`` times after one warm-up round."""
    member = manifest.get("member") or {"group_ids": []}
    who = {"anonyme": (False, ()), "agent": (True, ()), "membre": (True, member["group_ids"])}
    backend = _search_of(app)
    per_query: dict[str, dict[str, Any]] = {}
    samples: list[float] = []
    cpu_samples: list[float] = []
    with app.app_context():
        for round_ in range(repeat + 1):
            for q in QUERIES:
                text = q.text.format(place=manifest.get("place", ""))
                started, cpu = time.perf_counter(), time.process_time()
                results = backend.search(
                    text, visibility_filter=who[q.who], filters=q.filters, sort=q.sort, page=q.page
                )
                ms = (time.perf_counter() - started) * 1000
                cpu_ms = (time.process_time() - cpu) * 1000
                entry = per_query.setdefault(
                    f"{q.category} · {text} · {q.who}",
                    {"total": results.total, "ms": []},
                )
                if round_:  # the first round warms caches and opens the searcher
                    entry["ms"].append(ms)
                    samples.append(ms)
                    cpu_samples.append(cpu_ms)
    summary = {
        k: {"total": v["total"], "p50_ms": _percentile(v["ms"], 50)} for k, v in per_query.items()
    }
    return {
        "queries": len(samples),
        "p50_ms": _percentile(samples, 50),
        "p95_ms": _percentile(samples, 95),
        "max_ms": round(max(samples), 2),
        "cpu_p50_ms": _percentile(cpu_samples, 50),
        "cpu_p95_ms": _percentile(cpu_samples, 95),
        "per_query": summary,
    }


def _profiled(folder: Path | None, name: str, func: Any, *args: Any) -> Any:
    """``func(*args)``, under cProfile when ``folder`` is given (top 40 by cumulative time)."""
    if folder is None:
        return func(*args)
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    result = profiler.runcall(func, *args)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(out.getvalue())
    return result


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Recherche — {report['date']}",
        "",
        f"Machine : {m['nproc']} cœurs ({m['cpu']}), {m['ram_gib']} Gio, Python {m['python']}, "
        f"charge (1/5/15 min) au début {m['load_at_start']}, à la fin {m.get('load_at_end')}. "
        "Temps réel mesuré autour de chaque appel ; « CPU » : temps processeur du seul processus "
        "de l'application (hors serveur PostgreSQL), moins sensible à la charge de la machine.",
        "",
        "| moteur | documents | réindexation (doc/s ; par s de CPU) | p50 (ms) | p95 (ms) "
        "| max (ms) | CPU p50 / p95 (ms) | cible p95 | charge avant |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["runs"]:
        target = TARGETS["p95_ms"].get(r["size"], "—")
        lines.append(
            f"| {r['backend']} | {r['documents']:,} | {r['reindex_docs_per_s']:,.0f} ; "
            f"{r['reindex_docs_per_cpu_s']:,.0f} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} "
            f"| {r['cpu_p50_ms']} / {r['cpu_p95_ms']} | {target} "
            f"| {r.get('load_before', ['?'])[0]} |".replace(",", " ")
        )
    for note in report.get("skipped", []):
        lines.append(f"\n*{note}*")
    lines += ["", "Requêtes (p50 en ms, nombre de résultats) :", ""]
    for r in report["runs"]:
        lines.append(f"- **{r['backend']}, {r['documents']:,} documents**".replace(",", " "))
        for label, q in r["per_query"].items():
            lines.append(f"  - {label} : {q['p50_ms']} ms, {q['total']} résultats")
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for n, backend in enumerate(sorted({r["backend"] for r in report["runs"]})):
        runs = sorted(
            (r for r in report["runs"] if r["backend"] == backend), key=lambda r: r["size"]
        )
        for pct, style in (("p50_ms", "o-"), ("p95_ms", "s--")):
            ax.plot([r["documents"] for r in runs], [r[pct] for r in runs], style,
                    color=f"C{n}", label=f"{backend} {pct[:3]}")  # fmt: skip
    sizes = sorted(TARGETS["p95_ms"])
    ax.plot(sizes, [TARGETS["p95_ms"][s] for s in sizes], "k:", label="cible p95 (Whoosh)")
    ax.set_xscale("log")
    ax.set_xlabel("documents dans l'index")
    ax.set_ylabel("latence d'une recherche (ms)")
    ax.set_title(f"Recherche : latence selon la taille du corpus ({report['date']})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark de la recherche.")
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SEARCH_SIZES", "10000,100000"))
    parser.add_argument("--backends", default="whoosh,postgres")
    parser.add_argument("--repeat", type=int, default=20, help="tours de la série de requêtes")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--merge", action="store_true", help="garder les autres mesures du jour (search.json)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profils cProfile (réindexation, requêtes)"
    )
    args = parser.parse_args(argv)
    pg_url = os.environ.get("BENCH_DATABASE_URL")
    if pg_url is None and "postgres" in args.backends:
        # As bench_http does: a dedicated database on the local server, when there is one.
        from tests.benchmarks.bench_http import new_postgres_db

        made = f"commons_bench_search_{os.getpid()}"
        pg_url = new_postgres_db(made)
        if pg_url is not None:
            from tests.benchmarks.bench_http import drop_postgres_db

            atexit.register(drop_postgres_db, made)
    today = datetime.now(UTC).date().isoformat()
    report: dict[str, Any] = {"date": today, "machine": machine(), "runs": [], "skipped": []}
    for backend in args.backends.split(","):
        if backend == "postgres" and (why := postgres_available(pg_url)):
            report["skipped"].append(f"postgres non mesuré : {why}.")
            continue
        for size in (int(s) for s in args.sizes.split(",")):
            with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
                load = [round(x, 2) for x in os.getloadavg()]
                print(f"[{backend} {size}] corpus et réindexation…", flush=True)
                prof = args.out / today / f"profile-{backend}-{size}" if args.profile else None
                built = _profiled(prof, "reindex", build, backend, size, Path(tmp), pg_url)
                print(f"[{backend} {size}] requêtes…", flush=True)
                figures = _profiled(
                    prof, "queries", measure, built["app"], built["manifest"], args.repeat
                )
                run = {"backend": backend, "size": size, "load_before": load, **figures}
                run.update(
                    {k: v for k, v in built.items() if k.startswith(("documents", "reindex"))}
                )
                run["corpus_s"] = built["corpus_s"]
                report["runs"].append(run)
                built["app"].extensions["commons.engine"].dispose()
                print(json.dumps({k: v for k, v in run.items() if k != "per_query"}), flush=True)
    report["machine"]["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out = args.out / today
    out.mkdir(parents=True, exist_ok=True)
    if args.merge and (out / "search.json").exists():  # keep today's other measurements
        done = {(r["backend"], r["size"]) for r in report["runs"]}
        earlier = json.loads((out / "search.json").read_text())["runs"]
        kept = [r for r in earlier if (r["backend"], r["size"]) not in done]
        report["runs"] = sorted(kept + report["runs"], key=lambda r: (r["backend"], r["size"]))
    (out / "search.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    (out / "search.md").write_text(markdown(report))
    if report["runs"]:
        plot(report, out / "search.png")
    print(markdown(report))
    print(f"Résultats : {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
