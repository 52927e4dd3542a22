"""Writes under load: N logged-in clients, mostly reads, some writes, every write checked.

Each client is a real browser-like session (cookies, CSRF tokens scraped from the forms) on a
running server. A write counts as *acknowledged* only when the server answered the expected
redirect; afterwards :func:`verify` checks every acknowledged write in the database and in the
search index. Errors are any 5xx, connection failure or unexpected answer.
"""

from __future__ import annotations

import http.cookiejar
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASE_RE = re.compile(r'name="base"[^>]*value="(\d+)"')
TEXTAREA_RE = re.compile(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', re.S)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        return None


@dataclass
class Account:
    """A client's identity and what it may touch."""

    email: str
    password: str
    threads: list[int]  # threads it may reply to
    rex_slug: str  # its own REX to edit (no edit conflicts between clients)
    join_slugs: list[str]  # groups it may ask to join


@dataclass
class Outcome:
    reads: int = 0
    writes: Counter[str] = field(default_factory=Counter)
    acknowledged: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


class Client:
    """One session: login once, then :meth:`step` does a read or a write."""

    def __init__(self, base: str, account: Account, outcome: Outcome, seed: int) -> None:
        self.base = base
        self.account = account
        self.out = outcome
        self.rng = random.Random(seed)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def _open(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text, location = response.status, response.read().decode(), ""
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
            location = exc.headers.get("Location", "")
        self.out.latencies_ms.append((time.perf_counter() - started) * 1000)
        if status >= 500:
            self.out.errors.append(f"{status} {path}")
        return status, text, location

    def _form(self, path: str) -> str:
        status, text, _ = self._open(path)
        if status != 200:
            raise RuntimeError(f"form {path}: {status}")
        return text

    def login(self) -> None:
        page = self._form("/connexion")
        token = CSRF_RE.search(page)
        fields = {"email": self.account.email, "password": self.account.password}
        status, _, _ = self._open(
            "/connexion", {**fields, "csrf_token": token.group(1) if token else ""}
        )
        if status != 302:
            raise RuntimeError(f"login failed for {self.account.email}: {status}")

    def step(self, reads: list[str], write_ratio: float) -> None:
        if self.rng.random() >= write_ratio:
            status, _, _ = self._open(self.rng.choice(reads))
            self.out.reads += 1
            if status not in (200, 304):
                self.out.errors.append(f"read {status}")
            return
        kind = self.rng.choices(["post", "rex", "join"], weights=[6, 3, 1])[0]
        if kind == "join" and not self.account.join_slugs:
            kind = "post"
        try:
            getattr(self, f"_write_{kind}")()
        except (OSError, RuntimeError) as exc:
            self.out.errors.append(f"{kind}: {exc}")

    def _token(self) -> str:
        return f"jeton{self.rng.getrandbits(48):012x}"

    def _ack(self, kind: str, target: str, token: str, status: int, expected: bool) -> None:
        self.out.writes[kind] += 1
        if status == 302 and expected:
            self.out.acknowledged.append((kind, target, token))
        else:
            self.out.errors.append(f"{kind} {target}: answered {status}")

    def _write_post(self) -> None:
        thread = self.rng.choice(self.account.threads)
        page = self._form(f"/forum/sujet/{thread}")
        token, csrf = self._token(), CSRF_RE.search(page)
        body = f"Réponse sous charge {token} : nous avons testé la même démarche."
        status, _, location = self._open(
            f"/forum/sujet/{thread}/repondre",
            {"body": body, "csrf_token": csrf.group(1) if csrf else ""},
        )
        self._ack("post", str(thread), token, status, f"/forum/sujet/{thread}" in location)

    def _write_rex(self) -> None:
        slug = self.account.rex_slug
        page = self._form(f"/rex/{slug}/modifier")
        csrf, base, current = CSRF_RE.search(page), BASE_RE.search(page), TEXTAREA_RE.search(page)
        if not (base and current):
            raise RuntimeError(f"edit form of {slug} has no base revision or body")
        import html

        token = self._token()
        body = html.unescape(current.group(1)).lstrip("\n") + f"\n\nAjout sous charge {token}.\n"
        title = re.search(r'name="title"[^>]*value="([^"]*)"', page)
        data = {
            "title": html.unescape(title.group(1)) if title else slug,
            "body": body,
            "comment": f"charge {token}",
            "base": base.group(1),
            "csrf_token": csrf.group(1) if csrf else "",
        }
        status, _, location = self._open(f"/rex/{slug}/modifier", data)
        self._ack("rex", slug, token, status, location.rstrip("/").endswith(f"/rex/{slug}"))

    def _write_join(self) -> None:
        slug = self.account.join_slugs.pop()
        page = self._form(f"/groupes/{slug}")
        csrf = CSRF_RE.search(page)
        data = {
            "message": "Bonjour, je souhaite rejoindre le groupe.",
            "accept_charter": "y",
            "csrf_token": csrf.group(1) if csrf else "",
        }
        status, _, _ = self._open(f"/groupes/{slug}/rejoindre", data)
        self._ack("join", slug, self.account.email, status, True)


def run(
    base: str,
    accounts: list[Account],
    reads: list[str],
    *,
    duration: float = 60.0,
    write_ratio: float = 0.10,
    seed: int = 7,
) -> Outcome:
    """Run one client per account for ``duration`` seconds; returns the merged outcome."""
    outcomes = [Outcome() for _ in accounts]
    clients = [
        Client(base, a, o, seed + i)
        for i, (a, o) in enumerate(zip(accounts, outcomes, strict=True))
    ]
    for client in clients:
        client.login()
    deadline = time.monotonic() + duration

    def loop(client: Client) -> None:
        while time.monotonic() < deadline:
            try:
                client.step(reads, write_ratio)
            except Exception as exc:  # noqa: BLE001 - any failure is a counted error
                client.out.errors.append(f"client: {exc!r}")

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    merged = Outcome()
    for o in outcomes:
        merged.reads += o.reads
        merged.writes.update(o.writes)
        merged.acknowledged += o.acknowledged
        merged.errors += o.errors
        merged.latencies_ms += o.latencies_ms
    return merged
