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
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from commons.text import slugify
from tests.benchmarks import french_text as fr

BENCH_PASSWORD = "bench-commons-2026"
LICENCES = ["etalab-2.0", "etalab-2.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0"]
STATUSES = ["idee", "en-cours", "en-cours", "termine", "termine", "abandonne"]
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


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


class _Pools:
    """Rendered blocks: Markdown and HTML of headings, paragraphs and post bodies."""

    def __init__(self, rng: random.Random, paragraphs: int = 3_000, posts: int = 3_000) -> None:
        from commons.markup import render_markdown

        def pair(source: str) -> tuple[str, str]:
            return source, str(render_markdown(source))

        self.headings = [pair(f"## {h}") for h in fr.headings()]
        self.paragraphs = [pair(fr.paragraph(rng)) for _ in range(paragraphs)]
        self.posts = [pair(fr.post_body(rng)) for _ in range(posts)]

    def rex_body(self, rng: random.Random) -> tuple[str, str]:
        blocks = []
        for heading in self.headings:
            blocks.append(heading)
            blocks += rng.sample(self.paragraphs, rng.randint(1, 2))
        return "\n\n".join(b[0] for b in blocks) + "\n", "\n".join(b[1] for b in blocks)


def _date(rng: random.Random, days: int = 7 * 365) -> datetime:
    return NOW - timedelta(days=rng.randint(0, days), minutes=rng.randint(0, 24 * 60))


def _next_id(conn: Connection, table: Table) -> int:
    return (conn.scalar(select(func.max(table.c.id))) or 0) + 1


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]], batch: int = 2_000) -> None:
    for start in range(0, len(rows), batch):
        conn.execute(table.insert(), rows[start : start + batch])


def _tables() -> dict[str, Table]:
    from commons.models import Base

    return Base.metadata.tables  # type: ignore[return-value]


def generate(app: Flask, size: Size, *, seed: int = 2026) -> dict[str, Any]:
    """Write a corpus of ``size`` into the app's database; returns the manifest."""
    from commons.accounts.passwords import hash_password

    rng = random.Random(seed)
    t = _tables()
    engine = app.extensions["commons.engine"]
    started = time.perf_counter()
    with app.app_context():
        pools = _Pools(rng, min(3_000, 50 + size.rex), min(3_000, 50 + size.posts))
        password_hash = hash_password(BENCH_PASSWORD)
    vocab = fr.vocabulary()
    deps = {code: (name, region) for code, name, region in vocab.departements}
    with engine.begin() as conn:
        ids = {name: _next_id(conn, t[name]) for name in (
            "collectivite", "user_account", "peer_group", "membership", "rex", "rex_revision",
            "forum_category", "forum_thread", "forum_post",
        )}  # fmt: skip

        # Collectivités, agents, groups and memberships ----------------------------------
        colls = []
        for i in range(size.collectivites):
            cid = ids["collectivite"] + i
            kind, label = rng.choice(vocab.kinds[:7])
            dep = rng.choice(vocab.departements)
            place = (
                rng.choice(fr.CITIES) if kind.startswith(("commune", "commu", "metro")) else dep[1]
            )
            name = f"{label} de {place}" if kind != "region" else f"Région {vocab.regions[dep[2]]}"
            colls.append({
                "id": cid, "name": name, "slug": f"{slugify(name)}-{cid}", "kind": kind,
                "departement_code": dep[0], "region_code": deps[dep[0]][1], "validated": True,
                "created_at": _date(rng),
            })  # fmt: skip
        _insert(conn, t["collectivite"], colls)
        users = []
        for i in range(size.users):
            uid = ids["user_account"] + i
            email = f"agent{uid}@bench.commons.fr"
            users.append({
                "id": uid, "email": email, "email_key": email, "display_name": fr.person(rng),
                "handle": f"agent{uid}", "job_title": rng.choice(fr.JOBS),
                "collectivite_id": rng.choice(colls)["id"] if colls else None,
                "role": "facilitator" if i % 25 == 0 else "agent", "password_hash": password_hash,
                "email_confirmed_at": NOW, "created_at": _date(rng),
            })  # fmt: skip
        _insert(conn, t["user_account"], users)
        facilitators = [u["id"] for u in users if u["role"] == "facilitator"] or [users[0]["id"]]
        agents = [u["id"] for u in users if u["role"] == "agent"]
        groups, members, memberships = [], {}, []
        for i in range(size.groups):
            gid = ids["peer_group"] + i
            theme_code, theme_label = rng.choice(vocab.themes)
            name = f"{theme_label} — pairs de {rng.choice(vocab.departements)[1]}"
            desc, desc_html = rng.choice(pools.paragraphs)
            facilitator = rng.choice(facilitators)
            groups.append({
                "id": gid, "slug": f"{slugify(name, 70)}-{gid}", "name": name,
                "summary": fr.rex_summary(rng),
                "description_md": desc, "description_html": desc_html, "themes": [theme_code],
                "charter_md": "Ce qui se dit ici reste ici.",
                "charter_html": "<p>Ce qui se dit ici reste ici.</p>", "listed": rng.random() < 0.8,
                "created_by_id": facilitator, "created_at": _date(rng),
            })  # fmt: skip
            members[gid] = rng.sample(agents, min(8, len(agents)))
            memberships.append({"group_id": gid, "user_id": facilitator, "role": "facilitator"})
            memberships += [{"group_id": gid, "user_id": u, "role": "member"} for u in members[gid]]
        for n, row in enumerate(memberships):
            row.update(id=ids["membership"] + n, charter_accepted_at=NOW, joined_at=NOW)
        _insert(conn, t["peer_group"], groups)
        _insert(conn, t["membership"], memberships)

        # REX and their first revision (streamed) ----------------------------------------
        rex_meta: list[tuple[int, str, int | None, str]] = []  # id, space, group, title
        rows: list[dict[str, Any]] = []
        revisions: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        for i in range(size.rex):
            rid = ids["rex"] + i
            roll = rng.random()
            space = "public" if roll < 0.4 else "network" if roll < 0.8 or not groups else "group"
            gid = rng.choice(groups)["id"] if space == "group" else None
            author = rng.choice(members[gid]) if gid else rng.choice(agents or facilitators)
            linked = rng.sample(colls, min(len(colls), rng.randint(1, 2)))
            title = fr.rex_title(rng, linked[0]["name"] if linked else "Ville de Lyon")
            source, html = pools.rex_body(rng)
            when, first = _date(rng), rng.randint(2015, 2025)
            rows.append({
                "id": rid, "uuid": str(uuid.UUID(int=rng.getrandbits(128) ^ rid)),
                "slug": f"{slugify(title, 100)}-{rid}", "title": title,
                "summary": fr.rex_summary(rng), "space": space, "group_id": gid,
                "licence_id": rng.choice(LICENCES), "status": rng.choice(STATUSES),
                "period": f"{first}-{first + rng.randint(0, 3)}",
                "themes": [c for c, _ in rng.sample(vocab.themes, rng.randint(1, 3))],
                "head": 1, "html": html, "created_by_id": author, "created_at": when,
                "updated_at": when,
            })  # fmt: skip
            revisions.append({
                "id": ids["rex_revision"] + i, "rex_id": rid, "number": 1, "title": title,
                "source": source, "html": html, "author_id": author, "comment": "Création",
                "created_at": when,
            })  # fmt: skip
            rex_meta.append((rid, space, gid, title))
            links += [{"rex_id": rid, "collectivite_id": c["id"]} for c in linked]
            if len(rows) >= 1_000 or i == size.rex - 1:
                _insert(conn, t["rex"], rows)
                _insert(conn, t["rex_revision"], revisions)
                _insert(conn, t["rex_collectivite"], links)
                rows, revisions, links = [], [], []

        # Threads (Agora, groups, REX talk) then posts (streamed) ------------------------
        cat0 = ids["forum_category"]
        categories = [
            {"id": cat0 + n, "slug": f"{slugify(label)}-{cat0 + n}", "name": label, "position": n}
            for n, (_, label) in enumerate(vocab.themes[:6])
        ]
        _insert(conn, t["forum_category"], categories)
        per_thread = Counter(range(size.threads))
        if size.long_thread and size.threads:
            per_thread[0] += size.long_thread - 1
        extra = max(0, size.posts - sum(per_thread.values()))
        per_thread.update(rng.choices(range(size.threads), k=extra))
        talk = rng.sample(rex_meta, min(len(rex_meta), size.threads // 5))
        threads = []
        for n in range(size.threads):
            tid = ids["forum_thread"] + n
            rex_id = None
            if n and n <= len(talk):
                rex_id, rex_space, gid, rex_title = talk[n - 1]
                space, title = ("group" if gid else "network"), f"Discussion : {rex_title}"[:200]
            elif n and groups and rng.random() < 0.35:
                gid, space = rng.choice(groups)["id"], "group"
                title = f"{rng.choice(fr.OPENERS[:5])}{rng.choice(fr.TOPICS)} ?".capitalize()
            else:
                gid, space = None, "network"
                title = f"{rng.choice(fr.TOPICS).capitalize()} : vos retours ?"
            count = per_thread[n]
            created = _date(rng)
            threads.append({
                "id": tid, "title": title, "space": space, "group_id": gid,
                "category_id": rng.choice(categories)["id"] if space == "network" and not rex_id
                else None,
                "rex_id": rex_id,
                "author_id": rng.choice(members[gid]) if gid else rng.choice(agents),
                "post_count": count, "last_post_number": count,
                "last_post_at": created + timedelta(minutes=7 * count), "created_at": created,
            })  # fmt: skip
        _insert(conn, t["forum_thread"], threads)
        post_id, batch = ids["forum_post"], []
        for row in threads:
            writers = members[row["group_id"]] if row["group_id"] else agents
            for number in range(1, row["post_count"] + 1):
                source, html = rng.choice(pools.posts)
                batch.append({
                    "id": post_id, "thread_id": row["id"], "number": number,
                    "author_id": rng.choice(writers), "source": source, "html": html,
                    "created_at": row["created_at"] + timedelta(minutes=7 * number),
                })  # fmt: skip
                post_id += 1
            if len(batch) >= 5_000:
                _insert(conn, t["forum_post"], batch)
                batch = []
        _insert(conn, t["forum_post"], batch)
        if conn.dialect.name == "postgresql":
            for name in ids:
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                ))  # fmt: skip

    groups_of = Counter(m["user_id"] for m in memberships if m["role"] == "member")
    member = {"user_id": groups_of.most_common(1)[0][0]} if groups_of else None  # most groups
    return {
        "size": asdict(size),
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 1),
        "password": BENCH_PASSWORD,
        "member": {
            "email": f"agent{member['user_id']}@bench.commons.fr",
            "group_ids": sorted(g for g, ms in members.items() if member["user_id"] in ms),
        }
        if member
        else None,
        "place": next((c["name"].split(" de ", 1)[1] for c in colls if " de " in c["name"]), ""),
        "long_thread_id": ids["forum_thread"] if size.long_thread and size.threads else None,
        "public_rex_ids": [r[0] for r in rex_meta if r[1] == "public"][:20],
    }


def documents(count: int, *, seed: int = 2026, groups: int = 50) -> Iterator[dict[str, Any]]:
    """``count`` index documents in the shape of ``commons.search.documents`` (no database):
    40 % public, 40 % network, 20 % in one of ``groups`` groups; REX and threads."""
    rng = random.Random(seed)
    vocab = fr.vocabulary()
    for n in range(1, count + 1):
        roll, kind = rng.random(), "rex" if n % 5 < 3 else "thread"
        space = "public" if roll < 0.4 and kind == "rex" else "network" if roll < 0.8 else "group"
        place = rng.choice(fr.CITIES)
        when = _date(rng).replace(tzinfo=None)
        yield {
            "id": f"{kind}:{n}",
            "kind": kind,
            "title": fr.rex_title(rng, f"Ville de {place}"),
            "summary": fr.rex_summary(rng) if kind == "rex" else None,
            "body": "\n\n".join(fr.paragraph(rng) for _ in range(rng.randint(4, 10))),
            "themes": [c for c, _ in rng.sample(vocab.themes, rng.randint(1, 3))],
            "kind_coll": [rng.choice(vocab.kinds[:7])[0]],
            "collectivite": f"Ville de {place}",
            "licence": rng.choice(LICENCES) if kind == "rex" else None,
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
