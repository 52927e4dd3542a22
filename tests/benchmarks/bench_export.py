"""Benchmark of the export archive and of the import: time and peak memory.

    python -m tests.benchmarks.bench_export [--rex 10000] [--small 2000]

Builds two SQLite databases of public REX (``--small`` and ``--rex``; ~4 Ko of Markdown each,
collectivités, named contributors or frozen group credits), then, each in its own process:
the export of each (wall time, peak RSS from ``resource``, and in a second run the
``tracemalloc`` peak of Python allocations: flat memory means the same peak for both sizes),
and the import of the large archive into an empty database (wall time, peak RSS).

Measures, asserts nothing. Results: ``tests/benchmarks/results/<date>/export.json`` and
``export.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "benchmarks" / "results"
_TEXT = (
    "collectivité agents habitants projet budget participatif mobilité données ouverture "
    "démarche concertation atelier bilan service public commune métropole région élus "
    "coopération numérique tiers-lieu cantine énergie rénovation évaluation usagers équipe "
    "marché public calendrier partenaires association formation pilotage indicateurs"
)
WORDS = _TEXT.split()
SECTIONS = ("Contexte", "Objectifs", "Démarche", "Ce qui a marché", "Enseignements")
THEMES = ["mobilite", "donnees", "participation-citoyenne", "numerique", "energie", "social"]


def _app(db_path: Path) -> Any:
    from commons import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SEARCH_INDEX_DIR": str(db_path.parent / f"{db_path.stem}-index"),
            "BASE_URL": "https://bench.example",
            "SITE_NAME": "Commons bench",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
        }
    )


def _body(rng: random.Random) -> str:
    parts = []
    for title in SECTIONS:
        words = " ".join(rng.choice(WORDS) for _ in range(110))
        parts.append(f"## {title}\n\n{words.capitalize()}.\n")
    return "\n".join(parts)


def build(db_path: Path, count: int, seed: int = 2026) -> None:
    """A database of ``count`` public REX written with bulk inserts."""
    from sqlalchemy import insert

    from commons import db
    from commons.accounts import services as accounts
    from commons.collectivites import services as collectivites
    from commons.models import Base
    from commons.wiki.models import Revision, Rex, rex_collectivite, rex_theme, theme_rows

    rng = random.Random(seed)
    app = _app(db_path)
    Base.metadata.create_all(app.extensions["commons.engine"])
    with app.app_context():
        places = [
            collectivites.create(name=f"Commune {n}", kind="commune", departement_code="33").id
            for n in range(50)
        ]
        users = [
            accounts.create_user(
                email=f"agent{n}@bench.example", display_name=f"Agent Bench {n}",
                job_title="Chargé de mission", password="bench-password-2026",
                collectivite_id=places[n], role="agent", confirmed=True,
            ).id
            for n in range(20)
        ]  # fmt: skip
        db.session.commit()
        start = datetime(2024, 1, 1, tzinfo=UTC)
        for first in range(0, count, 1000):
            rex_rows, rev_rows, links = [], [], []
            for n in range(first, min(count, first + 1000)):
                when = start + timedelta(minutes=n)
                grouped = n % 3 == 0
                rex_rows.append({
                    "id": n + 1, "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "slug": f"rex-bench-{n}", "title": f"Retour d'expérience n° {n}",
                    "summary": "Résumé " + " ".join(rng.choice(WORDS) for _ in range(20)),
                    "space": "public", "licence_id": rng.choice(["etalab-2.0", "CC-BY-4.0"]),
                    "status": "termine", "themes": rng.sample(THEMES, 2), "head": 1,
                    "html": "", "created_at": when, "updated_at": when,
                    "attribution_mode": "group" if grouped else "named",
                    "credits": [{"name": "Groupe bench", "role": "group"}] if grouped else None,
                })  # fmt: skip
                rev_rows.append({
                    "rex_id": n + 1, "number": 1, "title": f"Retour d'expérience n° {n}",
                    "source": _body(rng), "html": "", "author_id": rng.choice(users),
                    "created_at": when,
                })  # fmt: skip
                links += [{"rex_id": n + 1, "collectivite_id": p} for p in rng.sample(places, 2)]
            db.session.execute(insert(Rex), rex_rows)
            db.session.execute(insert(Revision), rev_rows)
            db.session.execute(insert(rex_collectivite), links)
            themes = [t for row in rex_rows for t in theme_rows(row["id"], row["themes"])]
            db.session.execute(insert(rex_theme), themes)  # bulk: no ORM events fill it
            db.session.commit()


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(action: str, db_path: Path, archive_path: Path, trace: bool) -> dict[str, Any]:
    """Run in a fresh process: ``export`` or ``import``; its figures."""
    from commons import db
    from commons.export import archive, importing
    from commons.models import Base

    app = _app(db_path)
    if action == "import":
        Base.metadata.create_all(app.extensions["commons.engine"])
    with app.app_context():
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        if action == "export":
            count = archive.write_zip(archive_path)
        else:
            report = importing.import_archive(None, archive_path)
            db.session.commit()
            count = report.created
        seconds = time.perf_counter() - started
        figures = {"rex": count, "seconds": round(seconds, 2), "peak_rss_mib": _peak_rss_mib()}
        if trace:
            figures["tracemalloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        if action == "export":
            figures["archive_mib"] = round(archive_path.stat().st_size / 2**20, 1)
    return figures


def _run(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_export", "--child", *args],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rex", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--child", nargs=3, metavar=("ACTION", "DB", "ARCHIVE"))
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        action, db_path, archive_path = args.child
        print(json.dumps(child(action, Path(db_path), Path(archive_path), args.trace)))
        return 0
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} CPU · Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for label, count in (("small", args.small), ("large", args.rex)):
            db_path, zip_path = Path(tmp, f"{label}.db"), Path(tmp, f"{label}.zip")
            started = time.perf_counter()
            build(db_path, count)
            print(f"corpus {count} REX: {time.perf_counter() - started:.1f} s", file=sys.stderr)
            results[f"export_{count}"] = _run("export", str(db_path), str(zip_path))
            traced = _run("export", str(db_path), str(zip_path) + ".t", "--trace")
            results[f"export_{count}"]["tracemalloc_peak_mib"] = traced["tracemalloc_peak_mib"]
            print(json.dumps(results[f"export_{count}"]), file=sys.stderr)
        target = Path(tmp, "import.db")
        results[f"import_{args.rex}"] = _run("import", str(target), str(Path(tmp, "large.zip")))
    folder = RESULTS / datetime.now(UTC).strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "export.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = [f"# Export / import — {results['date']}", "", results["machine"], ""]
    lines += [
        "| mesure | REX | temps (s) | pic RSS (Mio) | pic tracemalloc (Mio) | archive (Mio) |",
        "|---|---|---|---|---|---|",
    ]
    for key, value in results.items():
        if isinstance(value, dict):
            lines.append(
                f"| {key.split('_')[0]} | {value['rex']} | {value['seconds']} | "
                f"{value['peak_rss_mib']:.0f} | {value.get('tracemalloc_peak_mib', '—')} | "
                f"{value.get('archive_mib', '—')} |"
            )
    (folder / "export.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
