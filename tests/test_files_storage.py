"""The storage contract every attachment store must keep (run on each implementation)."""

from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path

import pytest

from commons.files.storage import LocalStorage, Storage


@pytest.fixture(params=["local"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return LocalStorage(tmp_path / "files")


def test_put_open_exists_delete(store: Storage) -> None:
    data = b"rapport " * 50_000
    key = store.put(io.BytesIO(data))
    assert key == hashlib.sha256(data).hexdigest()
    assert store.exists(key)
    with store.open(key) as fh:
        assert fh.read() == data
    assert store.put(io.BytesIO(data)) == key  # content-addressed: same bytes, same blob
    store.delete(key)
    assert not store.exists(key)
    store.delete(key)  # already gone: no error
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_derived_keys_and_bad_keys(store: Storage) -> None:
    key = hashlib.sha256(b"x").hexdigest() + "-thumb"
    assert store.put(io.BytesIO(b"mini"), key) == key and store.exists(key)
    for bad in ("../../etc/passwd", "ab/../cd", "", "A" * 64):
        with pytest.raises(ValueError):
            store.exists(bad)


def test_a_failed_put_leaves_nothing(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "files")

    class Broken(io.RawIOBase):
        calls = 0

        def read(self, n: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise OSError("disque plein")
            return b"x" * 1000

    with pytest.raises(OSError):
        store.put(Broken())
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []


def test_keys_skip_recent_blobs(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path / "files")
    old, new = store.put(io.BytesIO(b"old")), store.put(io.BytesIO(b"new"))
    past = time.time() - 7200
    os.utime(tmp_path / "files" / old[:2] / old, (past, past))
    assert store.keys(3600) == [old]
    assert sorted(store.keys()) == sorted([old, new])


def test_gc_command_removes_unreferenced_blobs(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from commons.files.storage import get_storage

    store = get_storage()
    orphan = store.put(io.BytesIO(b"plus reference"))
    result = app.test_cli_runner().invoke(args=["files", "gc", "--min-age", "0"])
    assert result.exit_code == 0 and "1 fichier(s) supprimé(s)" in result.output
    assert not store.exists(orphan)
