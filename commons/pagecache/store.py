"""The page cache's store (a per-process LRU bounded by size) and the WSGI middleware that
answers visitors from it or stores what Flask rendered (see :mod:`commons.pagecache`)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.http import is_resource_modified, unquote_etag

from .generation import GENERATION

#: Headers that describe a body, dropped from a ``304 Not Modified``.
BODY_HEADERS = frozenset({"content-length", "content-type", "content-encoding", "content-range"})
#: Where the generation read before a marked view's content travels in the WSGI environ.
ENVIRON_KEY = "commons.pagecache.generation"


@dataclass(frozen=True)
class Entry:
    """A stored response, with the generation read before its content was rendered."""

    generation: int
    stored_at: float
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class Store:
    """A thread-safe LRU of entries bounded by total body size."""

    def __init__(self, max_bytes: int, ttl: float) -> None:
        self.max_bytes, self.ttl = max_bytes, ttl
        self._items: OrderedDict[str, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None and time.monotonic() - entry.stored_at > self.ttl:
                self._drop(key)
                entry = None
            if entry is not None:
                self._items.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:
            return  # one page must not evict most of the others
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = entry
            self._size += len(entry.body)
            while self._size > self.max_bytes and self._items:
                self._drop(next(iter(self._items)))

    def discard(self, key: str) -> None:
        with self._lock:
            if key in self._items:
                self._drop(key)

    def _drop(self, key: str) -> None:
        self._size -= len(self._items.pop(key).body)


def _key(environ: dict[str, Any]) -> str:
    return "|".join(
        (
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )
    )


def eligible(environ: dict[str, Any]) -> bool:
    """A request the cache may answer: ``GET``/``HEAD`` with no cookie and no credentials."""
    return (
        environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        and not environ.get("HTTP_COOKIE")
        and not environ.get("HTTP_AUTHORIZATION")
    )


def _not_modified(entry: Entry, environ: dict[str, Any]) -> bool:
    """Whether the client's ``If-None-Match`` / ``If-Modified-Since`` match the stored page."""
    if "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ:
        return False
    headers = {k.lower(): v for k, v in entry.headers}
    etag = unquote_etag(headers["etag"])[0] if "etag" in headers else None
    return not is_resource_modified(environ, etag=etag, last_modified=headers.get("last-modified"))


class Middleware:
    """WSGI layer in front of Flask: answers from the store, or stores what Flask rendered."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]], store: Store) -> None:
        self.app, self.wsgi_app, self.store = app, wsgi_app, store

    def current_generation(self) -> int:
        """One SELECT outside any transaction (no ``BEGIN``, never SQLite's write lock)."""
        engine = self.app.extensions["commons.engine"]
        with engine.connect().execution_options(single_read=True) as conn:
            return int(conn.scalar(GENERATION) or 0)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if not eligible(environ):
            return self.wsgi_app(environ, start_response)
        key = _key(environ)
        entry = self.store.get(key)
        if entry is not None:
            current = self.current_generation()
            if entry.generation == current:
                self.store.hits += 1
                return self._serve(entry, environ, start_response)
            self.store.discard(key)
            environ[ENVIRON_KEY] = current  # read before the content: the view's page may use it
        self.store.misses += 1
        return self._render(key, environ, start_response)

    def _serve(
        self, entry: Entry, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if _not_modified(entry, environ):  # the same rules as Werkzeug's make_conditional
            kept = [(k, v) for k, v in entry.headers if k.lower() not in BODY_HEADERS]
            start_response("304 NOT MODIFIED", kept)
            return [b""]
        start_response(entry.status, entry.headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [entry.body]

    def _render(
        self, key: str, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return (
                start_response(status, headers, exc_info)
                if exc_info
                else start_response(status, headers)
            )

        body = self.wsgi_app(environ, capture)
        generation_read = environ.get(ENVIRON_KEY)
        status = captured.get("status", "")
        headers: list[tuple[str, str]] = captured.get("headers", [])
        if (
            generation_read is None
            or environ.get("REQUEST_METHOD") != "GET"
            or not status.startswith("200")
            or any(k.lower() == "set-cookie" for k, _ in headers)
        ):
            return body
        chunks = list(body)
        if hasattr(body, "close"):
            body.close()
        data = b"".join(chunks)
        self.store.put(key, Entry(generation_read, time.monotonic(), status, list(headers), data))
        return [data]
