"""Test harness: an app per test on temporary files; every DB test runs on SQLite and, when
``TEST_DATABASE_URL`` is set, on PostgreSQL too (the ``app`` fixture is parametrised)."""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from commons import create_app, db
from commons.accounts import services as accounts
from commons.accounts.models import User
from commons.collectivites import services as collectivites
from commons.groups import services as groups
from commons.groups.models import Group
from commons.models import Base

PASSWORD = "mot-de-passe-de-test"


def _database_of_this_worker() -> None:
    """Under pytest-xdist (``make test`` runs one worker per core), each worker gets its own
    PostgreSQL database, ``<name>_<worker>``, created on first use: the tests drop and rebuild
    their schema, so two workers must never share one. Processes a test spawns inherit the
    worker's environment (its URL already names the worker's database) and import this module
    again: they keep that database; two of them creating it at once is not an error."""
    url, worker = os.environ.get("TEST_DATABASE_URL"), os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    base = make_url(db.normalise_url(url))
    if (base.database or "").endswith(f"_{worker}"):
        return
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            with contextlib.suppress(IntegrityError, ProgrammingError):  # created meanwhile
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    os.environ["TEST_DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)


_database_of_this_worker()
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
_pg_schema_ready = False


def base_config(tmp_path: Path, backend: str) -> dict[str, Any]:
    """Settings for a test app: fast KDF, file mail, CSRF off unless a test turns it on."""
    url = PG_URL if backend == "postgresql" else f"sqlite:///{tmp_path / 'test.db'}"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search"),
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        "BASE_URL": "http://commons.test",
        "SERVER_NAME": None,
        # Two-factor sign-in is required of admins and facilitators only where a test says so.
        "TWO_FACTOR_REQUIRED_ROLES": "",
    }


def _reset_postgres(app: Flask) -> None:
    global _pg_schema_ready
    engine = app.extensions["commons.engine"]
    if not _pg_schema_ready:  # a clean schema once per run, then truncation between tests
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        Base.metadata.create_all(engine)
        _pg_schema_ready = True
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(autouse=True)
def _isolated_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read the developer's instance/ folder or COMMONS_* environment."""
    for key in list(os.environ):
        if key.startswith("COMMONS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("COMMONS_INSTANCE_PATH", str(tmp_path / "instance"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app_config(tmp_path: Path, backend: str) -> dict[str, Any]:
    """Override in a module to change settings (e.g. CSRF on)."""
    return base_config(tmp_path, backend)


@pytest.fixture
def app(app_config: dict[str, Any], backend: str) -> Iterator[Flask]:
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    if backend == "postgresql":
        _reset_postgres(app)
    else:
        Base.metadata.create_all(app.extensions["commons.engine"])
    with app.app_context():
        yield app
        db.session.remove()
    app.extensions["commons.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server would: its own app context,
    ``g``, session and teardown. The test's own session ends its transaction first (so SQLite's
    lock is free) and is expired afterwards (so the test sees what the request wrote). Responses
    are read whole and closed, as a server does once it is sent, so work deferred to after the
    response (search drain, mail) has run when ``open`` returns."""

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("buffered", True)
        if not has_app_context():  # a redirect followed from inside a request's context
            return super().open(*args, **kwargs)
        db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            db.session.expire_all()


_counter = itertools.count(1)


@pytest.fixture
def make_collectivite(app: Flask):  # type: ignore[no-untyped-def]
    def make(name: str | None = None, kind: str = "commune", departement: str = "33", **kw: Any):
        c = collectivites.create(
            name=name or f"Commune test {next(_counter)}",
            kind=kind,
            departement_code=departement,
            **kw,
        )
        db.session.commit()
        return c

    return make


@pytest.fixture
def make_user(app: Flask, make_collectivite):  # type: ignore[no-untyped-def]
    def make(
        name: str | None = None,
        role: str = "agent",
        confirmed: bool = True,
        email: str | None = None,
        collectivite: Any = None,
    ) -> User:
        n = next(_counter)
        name = name or f"Agent {n}"
        coll = collectivite or make_collectivite()
        user = accounts.create_user(
            email=email or f"agent{n}@exemple.fr",
            display_name=name,
            job_title="Chargé de mission",
            password=PASSWORD,
            collectivite_id=coll.id,
            role=role,
            confirmed=confirmed,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_group(app: Flask, make_user):  # type: ignore[no-untyped-def]
    def make(facilitator: User | None = None, members: tuple[User, ...] = (), **kw: Any) -> Group:
        facilitator = facilitator or make_user(role="facilitator")
        kw.setdefault("name", f"Groupe {next(_counter)}")
        kw.setdefault("charter", "Ce qui se dit ici reste ici.")
        group = groups.create_group(facilitator, **kw)
        for member in members:
            if group.listed:
                join = groups.request_join(member, group, message="", accept_charter=True)
                groups.approve(facilitator, join)
            else:
                invitation = groups.invite(facilitator, group, member)
                groups.answer_invitation(member, invitation, accept=True, accept_charter=True)
        db.session.commit()
        return group

    return make


def login(client: FlaskClient, user: User | str, password: str = PASSWORD) -> Any:
    """Log a test client in through the real login form."""
    email = user if isinstance(user, str) else user.email
    return client.post("/connexion", data={"email": email, "password": password})


def outbox(app: Flask) -> list[Any]:
    """Messages written by the file mail backend."""
    from commons.mail import read_outbox

    return read_outbox(app.config["MAIL_FILE_DIR"])


def link_in(message: Any, pattern: str) -> str:
    """The first URL path in a mail's text part matching ``pattern``."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^\s/]+(" + pattern + r"[^\s]*)", body)
    assert match, body
    return match.group(1)
