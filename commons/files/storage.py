"""Where attachment bytes live: one small interface, the instance folder by default.

Blobs are content-addressed: the key of a blob is the SHA-256 of its bytes, so two uploads of
the same report share one blob and a key can be checked against what it returns. A blob is
written to a temporary file in the same folder, flushed to disk, then renamed into place
(``os.replace`` is atomic), so a crash or a refused upload never leaves half a file under a key.

The database says which blobs are in use; a blob that no attachment references any more is
removed by ``commons files gc`` (never inside a request: the transaction that dropped the row
might still roll back). Several servers need a shared store: any object implementing
:class:`Storage` (an S3-compatible store through boto3, for instance) can be plugged in with
``FILES_STORAGE`` set to a dotted ``module:factory`` taking the app config.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask, current_app

CHUNK = 64 * 1024
_KEY = re.compile(r"[0-9a-f]{64}(?:-[a-z0-9]{1,20})?")


class Storage(Protocol):
    """The four operations attachments need (see ``tests/test_files_storage.py``)."""

    def put(self, source: BinaryIO, key: str | None = None) -> str:
        """Store the bytes read from ``source``; return their key (SHA-256 unless given)."""

    def open(self, key: str) -> BinaryIO:
        """A binary stream of the blob; ``FileNotFoundError`` if there is none."""

    def delete(self, key: str) -> None:
        """Remove the blob (no error if it is already gone)."""

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""


def check_key(key: str) -> str:
    """Keys are hex digests (optionally with a short suffix for derived blobs): nothing a
    path could be built from."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"clé de fichier invalide : {key!r}")
    return key


class LocalStorage:
    """Blobs under ``root/ab/abcdef…``; temporary files under ``root/tmp``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key

    def put(self, source: BinaryIO, key: str | None = None) -> str:
        self.tmp.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="put-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = check_key(key or digest.hexdigest())
            target = self._path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, min_age: float = 0.0) -> list[str]:
        """Stored keys written more than ``min_age`` seconds ago (for the garbage collector:
        a blob just written may belong to a transaction not yet committed)."""
        limit = time.time() - min_age
        return sorted(
            p.name
            for p in self.root.glob("??/*")
            if _KEY.fullmatch(p.name) and p.is_file() and p.stat().st_mtime <= limit
        )


EXTENSION = "commons.files.storage"


def build(app: Flask) -> Storage:
    """The configured store: ``FILES_STORAGE`` = ``local`` (default) or ``module:factory``."""
    spec = app.config.get("FILES_STORAGE") or "local"
    if spec == "local":
        return LocalStorage(app.config["FILES_DIR"])
    module, _, name = spec.partition(":")
    factory = getattr(importlib.import_module(module), name)
    return factory(app.config)


def get_storage() -> Storage:
    """The store of the current app."""
    return current_app.extensions[EXTENSION]
