"""Helpers of the edit-integrity tests: hidden fields of a served form, and concurrent clients
(one test client per thread, all sent at the same moment through a barrier)."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask

from commons import db

from .conftest import login

_INPUT = re.compile(r"<input\b[^>]*>")


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page (``base``, ``fields_base``, ``submission``…), by name."""
    found: dict[str, str] = {}
    for tag in _INPUT.findall(page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            found[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return found


def form_of(client: Any, path: str) -> dict[str, str]:
    """GET a form page (200 expected) and return its hidden fields."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return hidden_fields(response.get_data(as_text=True))


def clients(app: Flask, users: list[Any]) -> list[Any]:
    """One signed-in test client per user (sign-in done here, before any race)."""
    made = []
    for user in users:
        client = app.test_client()
        assert login(client, user).status_code == 302
        made.append(client)
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    return made


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; their results (or raised exceptions)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        try:
            return call()
        except Exception as exc:  # reported, so that the test fails with the cause
            return exc

    db.session.commit()
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        results = list(pool.map(run, calls))
    db.session.expire_all()
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results
