"""Search under gunicorn on the embedded default (SQLite + Whoosh in the instance folder).

``gunicorn -w 3 wsgi:app`` as in the README's deployment section, CSRF on; logged-in agents post
concurrently through the real HTML forms. Every response must succeed, every write be in the
database and, after ``commons search drain``, be found through ``/recherche`` by its unique
token — by signed-in agents only (forum threads are never public).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from commons import create_app, db
from commons.accounts import services as accounts
from commons.collectivites import services as collectivites
from commons.forum import services as forum
from commons.forum.models import Post, Thread
from commons.models import Base
from commons.search import outbox
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
AGENTS = 6
REPLIES = 5  # per agent, in one shared thread; plus one new thread each
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def token(who: int, n: int) -> str:
    letters = "abcdefghijklmnopqrstuvxy"
    return f"qg{letters[who]}{letters[n]}wk"


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An instance folder, a database with agents and a thread, and the production-like
    environment (no TESTING, CSRF on) that both gunicorn and this test read."""
    env = {
        "COMMONS_SECRET_KEY": "gunicorn-test-secret-key-0123456789",
        "COMMONS_INSTANCE_PATH": str(tmp_path / "instance"),
        "COMMONS_DATABASE_URL": f"sqlite:///{tmp_path / 'commons.db'}",
        "COMMONS_MAIL_BACKEND": "file",
        "COMMONS_ARGON2_TIME_COST": "1",
        "COMMONS_ARGON2_MEMORY_KIB": "1024",
        "COMMONS_FORUM_POSTS_PER_MINUTE": "1000",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = create_app()
    assert app.config["WTF_CSRF_ENABLED"] and not app.testing
    Base.metadata.create_all(app.extensions["commons.engine"])
    with app.app_context():
        coll = collectivites.create(name="Commune de Test", kind="commune", departement_code="33")
        emails = [f"agent{i}@exemple.fr" for i in range(AGENTS)]
        users = [
            accounts.create_user(
                email=email,
                display_name=f"Agent {i}",
                job_title="Chargée de mission",
                password=PASSWORD,
                collectivite_id=coll.id,
                confirmed=True,
            )
            for i, email in enumerate(emails)
        ]
        shared = forum.create_thread(
            users[0], title="Compostage partagé", body="Ouverture.", space="network"
        )
        db.session.commit()
        thread_id = shared.id
    outbox.drain(app)
    app.extensions["commons.engine"].dispose()
    return {"app": app, "emails": emails, "thread_id": thread_id}


@pytest.fixture
def server(tmp_path: Path, deployment: dict[str, Any]) -> Any:
    """``gunicorn --workers 3`` on a free port; yields its base URL, then stops it."""
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "3", "--bind", "127.0.0.1:0"]
            + ["--access-logfile", "-", "wsgi:app"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
        )
    try:
        url = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if url is None and (m := re.search(r"Listening at: (http://\S+)", log.read_text())):
                url = m.group(1)
            if url is not None and log.read_text().count("Booting worker") >= 3:
                try:
                    if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                        break
                except requests.RequestException:  # still booting
                    pass
            time.sleep(0.1)
        else:
            pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
        yield {"url": url, "log": log}
    finally:
        proc.terminate()
        proc.wait(20)


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    match = CSRF.search(page.text)
    assert match, url
    return match.group(1)


def _signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    data = {"email": email, "password": PASSWORD, "csrf_token": _csrf(session, f"{base}/connexion")}
    done = session.post(f"{base}/connexion", data=data, allow_redirects=False, timeout=30)
    assert done.status_code == 302, done.text[:500]
    return session


def test_concurrent_posts_under_gunicorn_are_all_searchable(
    server: dict[str, Any], deployment: dict[str, Any]
) -> None:
    base, thread_id = server["url"], deployment["thread_id"]
    sessions = [_signed_in(base, email) for email in deployment["emails"]]
    outcomes: list[tuple[str, int, str]] = []  # (token, status, location)
    start = threading.Barrier(AGENTS, timeout=60)

    def agent(who: int, session: requests.Session) -> None:
        reply_csrf = _csrf(session, f"{base}/forum/sujet/{thread_id}")
        new_csrf = _csrf(session, f"{base}/forum/nouveau")
        start.wait()
        for n in range(REPLIES + 1):
            tok = token(who, n)
            body = f"Chez nous, le compostage partagé a pris trois mois : {tok}."
            if n < REPLIES:
                url, data = f"{base}/forum/sujet/{thread_id}/repondre", {"body": body}
                data["csrf_token"] = reply_csrf
            else:
                url = f"{base}/forum/nouveau"
                data = {"title": f"Compostage {tok}", "body": body, "category": ""}
                data["csrf_token"] = new_csrf
            response = session.post(url, data=data, allow_redirects=False, timeout=60)
            outcomes.append((tok, response.status_code, response.headers.get("Location", "")))

    threads = [threading.Thread(target=agent, args=(i, s)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert len(outcomes) == AGENTS * (REPLIES + 1)
    assert [o for o in outcomes if o[1] != 302 or "/forum/sujet/" not in o[2]] == []
    log = server["log"].read_text()
    assert "Traceback" not in log and "LockError" not in log and "database is locked" not in log

    app = deployment["app"]
    with app.app_context():
        rows = db.session.execute(select(Post.thread_id, Post.source, Post.number)).all()
        where = {m: tid for tid, source, _ in rows for m in re.findall(r"qg[a-z]+wk", source)}
        numbers = sorted(n for tid, _, n in rows if tid == thread_id)
        shared_count = db.session.get(Thread, thread_id).post_count  # type: ignore[union-attr]
    expected = {token(w, n) for w in range(AGENTS) for n in range(REPLIES + 1)}
    assert set(where) == expected
    assert numbers == list(range(1, AGENTS * REPLIES + 2)) and shared_count == len(numbers)

    drained = subprocess.run(
        [str(Path(sys.executable).parent / "commons"), "search", "drain", "--all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert drained.returncode == 0, drained.stderr
    anonymous = requests.Session()
    for tok, thread in where.items():
        found = sessions[0].get(f"{base}/recherche", params={"q": tok}, timeout=30)
        assert found.status_code == 200, server["log"].read_text()[-3000:]
        assert f'href="/forum/sujet/{thread}"' in found.text, tok
        if thread != thread_id:
            assert f"Compostage {tok}" in found.text
        outsider = anonymous.get(f"{base}/recherche", params={"q": tok}, timeout=30)
        assert outsider.status_code == 200 and "/forum/sujet/" not in outsider.text
