"""Rows of the benchmark corpus, written in bulk with SQLAlchemy Core (see ``corpus.py``).

One :class:`Rows` per generation holds the connection, the seeded random generator, the first
free id of each table and the pools of pre-rendered Markdown; each method writes one family of
tables and returns what the next one needs.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from commons.text import slugify
from commons.wiki.models import theme_rows
from tests.benchmarks import french_text as fr

LICENCES = ["etalab-2.0", "etalab-2.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0"]
STATUSES = ["idee", "en-cours", "en-cours", "termine", "termine", "abandonne"]
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
TABLES = (
    "collectivite", "user_account", "peer_group", "membership", "rex", "rex_revision",
    "forum_category", "forum_thread", "forum_post",
)  # fmt: skip
Row = dict[str, Any]


class Pools:
    """Rendered blocks: Markdown and HTML of headings, paragraphs and post bodies."""

    def __init__(self, rng: random.Random, paragraphs: int, posts: int) -> None:
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


def date(rng: random.Random, days: int = 7 * 365) -> datetime:
    return NOW - timedelta(days=rng.randint(0, days), minutes=rng.randint(0, 24 * 60))


@dataclass
class Rows:
    conn: Connection
    rng: random.Random
    pools: Pools
    password_hash: str
    tables: dict[str, Table]
    ids: dict[str, int] = field(default_factory=dict)
    vocab: fr.Vocabulary = field(default_factory=fr.vocabulary)

    def __post_init__(self) -> None:
        for name in TABLES:
            self.ids[name] = (self.conn.scalar(select(func.max(self.tables[name].c.id))) or 0) + 1

    def insert(self, name: str, rows: list[Row], batch: int = 2_000) -> None:
        for start in range(0, len(rows), batch):
            self.conn.execute(self.tables[name].insert(), rows[start : start + batch])

    def collectivites(self, count: int) -> list[Row]:
        rng, vocab, out = self.rng, self.vocab, []
        for i in range(count):
            cid = self.ids["collectivite"] + i
            kind, label = rng.choice(vocab.kinds[:7])
            dep, name, region = rng.choice(vocab.departements)
            place = rng.choice(fr.CITIES) if kind.startswith(("commun", "metro")) else name
            name = f"{label} de {place}" if kind != "region" else f"Région {vocab.regions[region]}"
            out.append({
                "id": cid, "name": name, "slug": f"{slugify(name)}-{cid}", "kind": kind,
                "departement_code": dep, "region_code": region, "validated": True,
                "created_at": date(rng),
            })  # fmt: skip
        self.insert("collectivite", out)
        return out

    def users(self, count: int, colls: list[Row]) -> list[Row]:
        rng, out = self.rng, []
        for i in range(count):
            uid = self.ids["user_account"] + i
            email = f"agent{uid}@bench.commons.fr"
            out.append({
                "id": uid, "email": email, "email_key": email, "display_name": fr.person(rng),
                "handle": f"agent{uid}", "job_title": rng.choice(fr.JOBS),
                "collectivite_id": rng.choice(colls)["id"] if colls else None,
                "role": "facilitator" if i % 25 == 0 else "agent",
                "password_hash": self.password_hash, "email_confirmed_at": NOW,
                "created_at": date(rng),
            })  # fmt: skip
        self.insert("user_account", out)
        return out

    def groups(
        self, count: int, facilitators: list[int], agents: list[int]
    ) -> tuple[list[Row], dict[int, list[int]], list[Row]]:
        """Groups, their members (eight agents each) and the memberships (with facilitators)."""
        rng, groups, members, memberships = self.rng, [], {}, []
        for i in range(count):
            gid = self.ids["peer_group"] + i
            theme_code, theme_label = rng.choice(self.vocab.themes)
            name = f"{theme_label} — pairs de {rng.choice(self.vocab.departements)[1]}"
            desc, desc_html = rng.choice(self.pools.paragraphs)
            facilitator = rng.choice(facilitators)
            groups.append({
                "id": gid, "slug": f"{slugify(name, 70)}-{gid}", "name": name,
                "summary": fr.rex_summary(rng), "description_md": desc,
                "description_html": desc_html, "themes": [theme_code],
                "charter_md": "Ce qui se dit ici reste ici.",
                "charter_html": "<p>Ce qui se dit ici reste ici.</p>", "listed": rng.random() < 0.8,
                "created_by_id": facilitator, "created_at": date(rng),
            })  # fmt: skip
            members[gid] = rng.sample(agents, min(8, len(agents)))
            memberships.append({"group_id": gid, "user_id": facilitator, "role": "facilitator"})
            memberships += [{"group_id": gid, "user_id": u, "role": "member"} for u in members[gid]]
        for n, row in enumerate(memberships):
            row.update(id=self.ids["membership"] + n, charter_accepted_at=NOW, joined_at=NOW)
        self.insert("peer_group", groups)
        self.insert("membership", memberships)
        return groups, members, memberships

    def rex(
        self, count: int, colls: list[Row], groups: list[Row], members: dict[int, list[int]],
        authors: list[int],
    ) -> list[tuple[int, str, int | None, str]]:  # fmt: skip
        """REX with their first revision, streamed; returns ``(id, space, group, title)``."""
        rng, vocab = self.rng, self.vocab
        meta: list[tuple[int, str, int | None, str]] = []
        rows: list[Row] = []
        revisions: list[Row] = []
        links: list[Row] = []
        themes: list[Row] = []  # rex_theme: the ORM events that fill it do not run here
        for i in range(count):
            rid = self.ids["rex"] + i
            roll = rng.random()
            space = "public" if roll < 0.4 else "network" if roll < 0.8 or not groups else "group"
            gid = rng.choice(groups)["id"] if space == "group" else None
            author = rng.choice(members[gid]) if gid else rng.choice(authors)
            linked = rng.sample(colls, min(len(colls), rng.randint(1, 2)))
            title = fr.rex_title(rng, linked[0]["name"] if linked else "Ville de Lyon")
            source, html = self.pools.rex_body(rng)
            when, start = date(rng), rng.randint(2015, 2025)
            rows.append({
                "id": rid, "uuid": str(uuid.UUID(int=rng.getrandbits(128) ^ rid)),
                "slug": f"{slugify(title, 100)}-{rid}", "title": title,
                "summary": fr.rex_summary(rng), "space": space, "group_id": gid,
                "licence_id": rng.choice(LICENCES), "status": rng.choice(STATUSES),
                "period": f"{start}-{start + rng.randint(0, 3)}",
                "themes": [c for c, _ in rng.sample(vocab.themes, rng.randint(1, 3))],
                "head": 1, "html": html, "created_by_id": author, "created_at": when,
                "updated_at": when,
            })  # fmt: skip
            revisions.append({
                "id": self.ids["rex_revision"] + i, "rex_id": rid, "number": 1, "title": title,
                "source": source, "html": html, "author_id": author, "comment": "Création",
                "created_at": when,
            })  # fmt: skip
            meta.append((rid, space, gid, title))
            links += [{"rex_id": rid, "collectivite_id": c["id"]} for c in linked]
            themes += theme_rows(rid, rows[-1]["themes"])
            if len(rows) >= 1_000 or i == count - 1:
                self.insert("rex", rows)
                self.insert("rex_revision", revisions)
                self.insert("rex_collectivite", links)
                self.insert("rex_theme", themes)
                rows, revisions, links, themes = [], [], [], []
        return meta

    def threads(
        self, count: int, posts: int, long_thread: int, groups: list[Row],
        members: dict[int, list[int]], agents: list[int],
        rex_meta: list[tuple[int, str, int | None, str]],
    ) -> list[Row]:  # fmt: skip
        """Agora, group and REX talk threads (the first one gets ``long_thread`` posts)."""
        rng, cat0 = self.rng, self.ids["forum_category"]
        categories = [
            {"id": cat0 + n, "slug": f"{slugify(label)}-{cat0 + n}", "name": label, "position": n}
            for n, (_, label) in enumerate(self.vocab.themes[:6])
        ]
        self.insert("forum_category", categories)
        per_thread = Counter(range(count))
        if long_thread and count:
            per_thread[0] += long_thread - 1
        extra = max(0, posts - sum(per_thread.values()))
        per_thread.update(rng.choices(range(count), k=extra))
        talk = rng.sample(rex_meta, min(len(rex_meta), count // 5))
        out = []
        for n in range(count):
            rex_id = None
            if n and n <= len(talk):
                rex_id, _, gid, rex_title = talk[n - 1]
                space, title = ("group" if gid else "network"), f"Discussion : {rex_title}"[:200]
            elif n and groups and rng.random() < 0.35:
                gid, space = rng.choice(groups)["id"], "group"
                title = f"{rng.choice(fr.OPENERS[:5])}{rng.choice(fr.TOPICS)} ?".capitalize()
            else:
                gid, space = None, "network"
                title = f"{rng.choice(fr.TOPICS).capitalize()} : vos retours ?"
            agora = space == "network" and not rex_id
            posted, created = per_thread[n], date(rng)
            out.append({
                "id": self.ids["forum_thread"] + n, "title": title, "space": space,
                "group_id": gid, "category_id": rng.choice(categories)["id"] if agora else None,
                "rex_id": rex_id,
                "author_id": rng.choice(members[gid]) if gid else rng.choice(agents),
                "post_count": posted, "last_post_number": posted,
                "last_post_at": created + timedelta(minutes=7 * posted), "created_at": created,
            })  # fmt: skip
        self.insert("forum_thread", out)
        return out

    def posts(self, threads: list[Row], members: dict[int, list[int]], agents: list[int]) -> None:
        """Every thread's posts, numbered from 1, streamed in batches."""
        post_id, batch = self.ids["forum_post"], []
        for row in threads:
            writers = members[row["group_id"]] if row["group_id"] else agents
            for number in range(1, row["post_count"] + 1):
                source, html = self.rng.choice(self.pools.posts)
                batch.append({
                    "id": post_id, "thread_id": row["id"], "number": number,
                    "author_id": self.rng.choice(writers), "source": source, "html": html,
                    "created_at": row["created_at"] + timedelta(minutes=7 * number),
                })  # fmt: skip
                post_id += 1
            if len(batch) >= 5_000:
                self.insert("forum_post", batch)
                batch = []
        self.insert("forum_post", batch)

    def move_sequences(self) -> None:
        """PostgreSQL: the ORM's next ids follow the bulk rows."""
        if self.conn.dialect.name == "postgresql":
            for name in TABLES:
                self.conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                ))  # fmt: skip
