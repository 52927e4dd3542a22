"""The optional antivirus hook, against a stand-in daemon on loopback that speaks clamd's
``INSTREAM`` protocol (ClamAV itself is not installed here): clean files pass, a file the
daemon reports is refused, and an unreachable daemon refuses uploads (fail closed)."""

from __future__ import annotations

import io
import socketserver
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from commons import db
from commons.files import services as files
from commons.files.intake import FileRefused
from commons.wiki import services as wiki

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PORT, DEAD_PORT = 5160, 5161


class _Clamd(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        command = b""
        while not command.endswith(b"\0"):
            command += self.request.recv(1)
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            size = struct.unpack("!L", self._exactly(4))[0]
            if size == 0:
                break
            data += self._exactly(size)
        verdict = b"stream: Eicar-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
        self.request.sendall(verdict)

    def _exactly(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = self.request.recv(n - len(out))
            if not chunk:
                raise ConnectionError
            out += chunk
        return out


@pytest.fixture
def clamd() -> Iterator[str]:
    socketserver.TCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", PORT), _Clamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{PORT}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _rex(make_user) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = wiki.create_rex(author, title="Antivirus", body="Texte.\n")
    db.session.commit()
    return author, rex


def test_clean_files_pass_and_reported_files_are_refused(app, clamd, make_user) -> None:  # type: ignore[no-untyped-def]
    author, rex = _rex(make_user)
    app.config["FILES_CLAMD"] = clamd
    files.attach(author, rex, io.BytesIO(b"Compte rendu sain.\n"), "cr.txt")
    db.session.commit()
    with pytest.raises(FileRefused, match="antivirus a détecté"):
        files.attach(author, rex, io.BytesIO(EICAR + b"\n"), "eicar.txt")
    db.session.rollback()
    assert [a.name for a in files.files_of(rex)] == ["cr.txt"]


def test_an_unreachable_daemon_refuses_uploads(app, make_user) -> None:  # type: ignore[no-untyped-def]
    author, rex = _rex(make_user)
    app.config["FILES_CLAMD"] = f"127.0.0.1:{DEAD_PORT}"
    with pytest.raises(FileRefused, match="antivirus est indisponible"):
        files.attach(author, rex, io.BytesIO(b"texte\n"), "a.txt")
    db.session.rollback()
    app.config["FILES_CLAMD"] = ""  # off (the default): no check at all
    files.attach(author, rex, io.BytesIO(EICAR + b"\n"), "eicar.txt")
