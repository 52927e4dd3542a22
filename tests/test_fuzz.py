"""Fuzzing every route of the URL map and every field of every form (issue 15).

Hypothesis picks a route, fills its path parameters (real ids and slugs, or hostile values: huge
or unicode numbers, NUL bytes, markup, long text), a query string and a form made of the field
names of all the app's forms, and sends it as an anonymous visitor, an agent or a facilitator.
Whatever comes, the answer is never a 5xx, and a refused request (4xx) leaves the database as it
was (throttle and session bookkeeping aside). The number of examples is bounded so the test runs
in CI on both databases in a few seconds per role.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import select, text
from wtforms.fields.core import UnboundField

import commons
from commons import db
from commons.models import Base

from .conftest import login
from .moderation_world import World, world_fixture  # noqa: F401 - the fixture

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "commons-hypothesis")

#: Examples per route and role; each is one request.
EXAMPLES_PER_ROUTE = 2
#: Bookkeeping a refused request may write: throttle counters and the session's last activity.
BOOKKEEPING = {"rate_event", "user_session", "content_generation", "search_index_queue"}
#: Routes that end the fuzzing session (tested in test_sessions.py): not fuzzed.
SKIPPED = {"accounts.logout", "accounts.logout_everywhere", "static", "account_sessions.end"}

HOSTILE = [
    "",
    "0",
    "1",
    "2",
    "-1",
    "²",
    "٣",
    "1" + "0" * 21,
    str(2**31),
    str(2**63),
    "9" * 5000,
    "\x00",
    "a\x00b",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "é" * 300,
    "9999-12-31",
    "0001-01-01",
    "nouvelle",
    "group:1",
    "group:²",
    "category:1",
    "group:" + "9" * 30,
    "network",
    "public",
    "on",
    "y",
    "[[Lien]] **gras** > citation",
]
QUERY_NAMES = [
    "page",
    "q",
    "groupe",
    "citer",
    "categorie",
    "annee",
    "du",
    "au",
    "acteur",
    "action",
    "cible",
    "next",
    "tri",
    "type",
    "region",
    "theme",
    "type_doc",
    "licence",
    "de",
    "a",
    "email",
    "titre",
    "v",
    "par_page",
]


def _form_fields() -> list[str]:
    """The field names of every form class of the app."""
    for module in pkgutil.walk_packages(commons.__path__, "commons."):
        if module.name.endswith(("forms", "views")) or ".forms" in module.name:
            importlib.import_module(module.name)
    names: set[str] = {"apercu", "id"}
    todo = list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names.update(n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField))
    return sorted(names)


def _values(world: World) -> list[str]:
    real = [
        str(world.a.thread.id),
        str(world.a.post.id),
        world.a.group.slug,
        world.b.group.slug,
        world.a.rex.slug,
        world.net_rex.slug,
        world.a.author.handle,
        world.plain.handle,
        "CC-BY-4.0",
        "etalab-2.0",
        "culture",
    ]
    return real + HOSTILE


def _snapshot(app: Flask) -> str:
    """A digest of every row of every table but bookkeeping (one query on PostgreSQL)."""
    tables = [t for t in Base.metadata.sorted_tables if t.name not in BOOKKEEPING]
    if db.session.get_bind().dialect.name == "postgresql":
        columns = ", ".join(
            f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
            f'FROM "{t.name}" t)'
            for t in tables
        )
        digest = str(db.session.execute(text(f"SELECT {columns}")).one())
        db.session.rollback()
        return digest
    hashed = hashlib.sha256()
    for table in tables:
        rows = db.session.execute(select(table)).all()
        hashed.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
    db.session.rollback()
    return hashed.hexdigest()


def _routes(app: Flask) -> list[Any]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED),
        key=lambda r: r.rule,
    )


#: Values every path parameter gets in turn (the other parameters get a real value).
HOSTILE_PARAMETERS = ["1" + "0" * 21, "%C2%B2", "9" * 5000, "a%00b"]


def _hostile_parameters(client: Any, rule: Any, values: list[str]) -> None:
    """Each path parameter in turn gets each hostile value, the others a plausible one."""
    dynamic = [part for is_dynamic, part in rule._trace if is_dynamic]
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    for name in dynamic:
        for hostile in HOSTILE_PARAMETERS:
            path = ""
            for is_dynamic, part in rule._trace[1:]:
                if not is_dynamic:
                    path += part
                elif part == name:
                    path += hostile
                else:
                    options = getattr(rule._converters.get(part), "items", None)
                    path += sorted(options)[0] if options else values[0]
            for method in methods:
                response = client.open(path, method=method, data={"q": "x"})
                response.close()
                assert response.status_code < 500, f"{method} {path} -> {response.status_code}"


def _fill(rule: Any, draw: Any, values: list[str]) -> str:
    """The rule's path with each parameter replaced by a drawn value (quoted)."""
    from urllib.parse import quote

    path = ""
    for is_dynamic, part in rule._trace:
        if not is_dynamic:
            path += part
            continue
        converter = rule._converters.get(part)
        options = getattr(converter, "items", None) if converter else None  # any(...)
        if options and draw(st.booleans()):
            path += draw(st.sampled_from(sorted(options)))
        else:
            value = draw(st.one_of(st.sampled_from(values), st.text(max_size=12)))
            path += quote(value, safe="")
    return path.split("|", 1)[1] if "|" in path else path


@pytest.mark.parametrize("role", ["anonymous", "agent", "facilitator"])
def test_no_server_error_and_refusals_change_nothing(app, client, world, role) -> None:  # type: ignore[no-untyped-def]
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must show as a 500, not raise
    if role != "anonymous":
        user = world.a.author if role == "agent" else world.a.creator
        assert login(client, user).status_code == 302
    fields, values = _form_fields(), _values(world)
    anything = st.one_of(st.sampled_from(values), st.text(max_size=60))
    state = {"snapshot": _snapshot(app)}
    seen: list[int] = []

    def fuzz(rule: Any) -> None:
        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.data())
        def request_once(data: Any) -> None:
            method = data.draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))
            path = _fill(rule, data.draw, values)
            query = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), anything, max_size=3))
            form = None
            if method != "GET":
                form = data.draw(st.dictionaries(st.sampled_from(fields), anything, max_size=8))
            response = client.open(path, method=method, query_string=query, data=form)
            status = response.status_code
            response.close()
            seen.append(status)
            assert status < 500, f"{method} {path} {query} {form} -> {status}"
            after = _snapshot(app)
            if 400 <= status < 500:
                assert after == state["snapshot"], f"{method} {path} {form} -> {status} wrote"
            state["snapshot"] = after

        request_once()

    for rule in _routes(app):
        if role == "facilitator":  # routing refuses these before any view: one role is enough
            _hostile_parameters(client, rule, values)
        fuzz(rule)
    assert len(seen) >= 2 * len(_routes(app))
    assert sum(1 for s in seen if s < 300) > len(seen) // 10  # not only refusals
