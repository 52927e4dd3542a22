"""Search under several OS processes: concurrent writers through the real services, each
change committed then drained the way a write request does (Whoosh: timed writer lock;
PostgreSQL backend: ``SKIP LOCKED`` queue rows), and one process killed with SIGKILL — while it
holds the Whoosh writer lock (and an uncommitted database change), or at an arbitrary point of
its work.

Afterwards: no error reached a "user" (each writer records its outcomes), every committed
change is in the database and, after ``drain``, searchable by its unique token, and nothing
uncommitted is found in the database or the index.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from commons import create_app, db
from commons.accounts.models import User
from commons.forum import services as forum
from commons.forum.models import Post, Thread
from commons.search import outbox, whoosh_store
from commons.search.backends import get_backend
from commons.search.whoosh_backend import WhooshIndex, prepare_document
from commons.wiki import services as wiki
from commons.wiki.models import Rex
from tests.conftest import PG_URL, base_config
from tests.search_support import empty_backend

WRITERS = 3
CHANGES = 6  # per writer: REX, reply in a shared thread, new thread, in turn
AGENT = (True, frozenset[int]())
TOKEN = re.compile(r"\bqz[a-z]+wk\b")
BODY = "Retour sur la mise en place du compostage partagé dans les quartiers : {token}.\n"


#: (database, search backend, who is killed): the Whoosh writer-lock holder, or a writer at an
#: arbitrary point of its work; the PostgreSQL search backend where PostgreSQL is available.
SCENARIOS = [("sqlite", "whoosh", "holding_index_lock"), ("sqlite", "whoosh", "mid_work")] + (
    [
        ("postgresql", "whoosh", "holding_index_lock"),
        ("postgresql", "whoosh", "mid_work"),
        ("postgresql", "postgres", "mid_work"),
    ]
    if PG_URL
    else []
)


@pytest.fixture(params=SCENARIOS, ids="-".join)
def scenario(request: pytest.FixtureRequest) -> tuple[str, str, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def backend(scenario: tuple[str, str, str]) -> str:
    """The database of the ``app`` fixture (overrides conftest's parametrised one)."""
    return scenario[0]


@pytest.fixture
def app_config(tmp_path: Path, backend: str, scenario: tuple[str, str, str]) -> dict[str, Any]:
    """Posting fast is the point here: lift the per-person forum rate limit."""
    config = base_config(tmp_path, backend)
    return {**config, "SEARCH_BACKEND": scenario[1], "FORUM_POSTS_PER_MINUTE": 100_000}


def token(who: int, n: int) -> str:
    """A unique, purely alphabetic word that the French analyser keeps whole."""
    letters = "abcdefghijklmnopqrstuvxy"
    return f"qz{letters[who]}{letters[n // 24]}{letters[n % 24]}wk"


def search_ids(app: Flask, text: str) -> set[str]:
    """Ids of the documents a signed-in agent finds."""
    results = get_backend(app).search(text, visibility_filter=AGENT, per_page=100)
    return {hit.id for hit in results.hits}


# -- what runs in the child processes ----------------------------------------------------------


class _Recorder(logging.Handler):
    """Writes one JSON line per outcome; a line is on disk before the next step starts."""

    def __init__(self, path: Path) -> None:
        super().__init__(level=logging.ERROR)
        self.file = path.open("a", encoding="utf-8")

    def write(self, **entry: Any) -> None:
        self.file.write(json.dumps(entry) + "\n")
        self.file.flush()

    def emit(self, record: logging.LogRecord) -> None:  # a drain failure logged by the app
        self.write(state="logged_error", message=record.getMessage())


def _wait_for(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.01)


def _change(app: Flask, user_id: int, thread_id: int, n: int, tok: str) -> str:
    """One change inside a POST request context: service, commit, then the teardown drain."""
    with app.test_request_context("/", method="POST"):
        actor = db.session.get(User, user_id)
        assert actor is not None
        body = BODY.format(token=tok)
        if n % 3 == 0:
            rex = wiki.create_rex(actor, title=f"Compostage {tok}", body=body, space="public")
            doc = f"rex:{rex.id}"
        elif n % 3 == 1:
            shared = db.session.get(Thread, thread_id)
            assert shared is not None
            forum.reply(actor, shared, body)
            doc = f"thread:{thread_id}"
        else:
            thread = forum.create_thread(
                actor, title=f"Discussion {tok}", body=body, space="network"
            )
            doc = f"thread:{thread.id}"
        db.session.commit()
    return doc


def writer_process(
    config: dict[str, Any], who: int, user_id: int, thread_id: int, signals: str
) -> None:
    """Wait for ``go``, then make :data:`CHANGES` changes, recording each outcome."""
    app = create_app(config)
    rec = _Recorder(Path(signals) / f"writer-{who}.jsonl")
    app.logger.addHandler(rec)
    _wait_for(Path(signals) / "go")
    for n in range(CHANGES):
        tok = token(who, n)
        rec.write(state="attempt", token=tok)
        try:
            doc = _change(app, user_id, thread_id, n, tok)
        except Exception as exc:  # what a user would have seen as an error page
            rec.write(state="error", token=tok, error=repr(exc))
        else:
            rec.write(state="committed", token=tok, doc=doc)


def lock_holder_process(config: dict[str, Any], who: int, user_id: int, signals: str) -> None:
    """A process frozen in the middle of a drain, then of an uncommitted change.

    It commits one REX, takes the index writer lock and signals ``held``; when ``stage2``
    appears it also starts a database change with token ``(who, 99)`` (flushed, with its queue
    row, never committed), writes that token into the held writer, signals ``held2`` and waits
    to be killed.
    """
    app = create_app(config)
    rec = _Recorder(Path(signals) / f"writer-{who}.jsonl")
    sig = Path(signals)
    tok = token(who, 0)
    rec.write(state="attempt", token=tok)
    rec.write(state="committed", token=tok, doc=_change(app, user_id, 0, 0, tok))
    writer = WhooshIndex(whoosh_store.current_dir(app)).ix.writer(timeout=5.0)
    (sig / "held").touch()
    _wait_for(sig / "stage2")
    doomed = token(who, 99)
    rec.write(state="attempt", token=doomed)
    with app.test_request_context("/", method="POST"):
        actor = db.session.get(User, user_id)
        rex = wiki.create_rex(
            actor, title=f"Compostage {doomed}", body=BODY.format(token=doomed), space="public"
        )
        doc = {"id": f"rex:{rex.id}", "kind": "rex", "title": doomed, "visibility": "public"}
        writer.update_document(**prepare_document(doc))
        (sig / "held2").touch()
        time.sleep(120)  # killed long before


# -- the parent --------------------------------------------------------------------------------


def _read(signals: Path) -> list[dict[str, Any]]:
    entries = []
    for path in sorted(signals.glob("writer-*.jsonl")):
        entries += [json.loads(line) for line in path.read_text().splitlines() if line]
    return entries


def _committed_per_writer(signals: Path) -> dict[str, int]:
    return {p.name: p.read_text().count('"committed"') for p in signals.glob("writer-*.jsonl")}


def _until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _tokens_in_database() -> dict[str, set[str]]:
    """Every token stored in REX titles and posts, with the search document it belongs to."""
    found: dict[str, set[str]] = {}
    for rex_id, title in db.session.execute(select(Rex.id, Rex.title)):
        for tok in TOKEN.findall(title):
            found.setdefault(tok, set()).add(f"rex:{rex_id}")
    for thread_id, source in db.session.execute(select(Post.thread_id, Post.source)):
        for tok in TOKEN.findall(source):
            found.setdefault(tok, set()).add(f"thread:{thread_id}")
    return found


def test_concurrent_writers_one_killed_lose_nothing(
    app: Flask,
    make_user: Any,
    app_config: dict[str, Any],
    tmp_path: Path,
    scenario: tuple[str, str, str],
) -> None:
    kill = scenario[2]
    empty_backend(app)  # PostgreSQL search tables outlive a test
    users = [make_user() for _ in range(WRITERS + 1)]
    shared = forum.create_thread(
        users[0], title="Compostage partagé", body="Ouverture.", space="network"
    )
    db.session.commit()
    ids, thread_id = [u.id for u in users], shared.id
    assert not outbox.drain(app).busy
    db.session.remove()  # end the test's transaction: SQLite's write lock must be free

    signals = tmp_path / "signals"
    signals.mkdir()
    spawn = multiprocessing.get_context("spawn")
    writers = [
        spawn.Process(target=writer_process, args=(app_config, w, ids[w], thread_id, str(signals)))
        for w in range(WRITERS)
    ]
    holder = None
    if kill == "holding_index_lock":
        holder = spawn.Process(
            target=lock_holder_process, args=(app_config, WRITERS, ids[WRITERS], str(signals))
        )
        holder.start()
    for proc in writers:
        proc.start()
    try:
        if holder is not None:
            _until(lambda: (signals / "held").exists(), "the lock holder")
            (signals / "go").touch()
            # Writers keep committing while the index is locked: drains time out, rows wait.
            _until(
                lambda: sum(_committed_per_writer(signals).values()) >= 1 + 2 * WRITERS,
                "commits while the index is locked",
            )
            assert outbox.pending(app) > 0
            (signals / "stage2").touch()
            _until(lambda: (signals / "held2").exists(), "the uncommitted change")
            holder.kill()  # SIGKILL: index writer and database transaction both open
            holder.join(10)
            assert holder.exitcode == -9
        else:
            (signals / "go").touch()
            victim = writers[0]
            _until(
                lambda: _committed_per_writer(signals).get("writer-0.jsonl", 0) >= 3,
                "the victim's first commits",
            )
            victim.kill()
            victim.join(10)
            assert victim.exitcode == -9
        for proc in writers:
            proc.join(60)
            assert proc.exitcode in (0, -9)
    finally:
        for proc in [*writers, *([holder] if holder else [])]:
            if proc.is_alive():
                proc.kill()
                proc.join()

    entries = _read(signals)
    assert [e for e in entries if e["state"] in ("error", "logged_error")] == []
    committed = {e["token"]: e["doc"] for e in entries if e["state"] == "committed"}
    attempted = {e["token"] for e in entries if e["state"] == "attempt"}
    survivors = WRITERS - (0 if holder else 1)
    assert len(committed) >= survivors * CHANGES + 1

    in_db = _tokens_in_database()
    db.session.commit()
    for tok, doc in committed.items():
        assert in_db.get(tok) == {doc}, tok
    assert set(in_db) <= attempted  # nothing appears that nobody wrote
    if holder is not None:
        assert token(WRITERS, 99) not in in_db  # its transaction died with it

    report = outbox.drain(app, limit=10_000)
    assert not report.busy and report.failed == 0 and report.remaining == 0
    for tok, docs in in_db.items():
        assert search_ids(app, tok) == docs, tok
    for tok in attempted - set(in_db):  # started but never committed: never found
        assert search_ids(app, tok) == set(), tok
