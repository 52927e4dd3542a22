"""Mail backends: the file backend writes real RFC 5322 messages; SMTP talks to a real server."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from commons import create_app, mail


class _SMTPHandler(socketserver.StreamRequestHandler):
    """A minimal SMTP sink (RFC 5321 subset) that keeps what it receives."""

    def handle(self) -> None:
        server: _SMTPServer = self.server  # type: ignore[assignment]
        self.wfile.write(b"220 test ESMTP\r\n")
        envelope: dict[str, object] = {"rcpt": []}
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == b"MAIL":
                envelope["from"] = line[10:].strip().decode()
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"RCPT":
                envelope["rcpt"].append(line[8:].strip().decode())  # type: ignore[union-attr]
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                envelope["data"] = data
                server.received.append(envelope)
                self.wfile.write(b"250 OK queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 Bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    received: list[dict[str, object]]


@pytest.fixture
def smtp_server() -> Iterator[_SMTPServer]:
    server = _SMTPServer(("127.0.0.1", 0), _SMTPHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_smtp_backend_is_chosen_when_a_host_is_set(
    tmp_path: Path, smtp_server: _SMTPServer
) -> None:
    host, port = smtp_server.server_address[:2]
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
            "MAIL_SMTP_HOST": host,
            "MAIL_SMTP_PORT": port,
        }
    )
    assert app.config["MAIL_BACKEND"] == "smtp"
    with app.app_context():
        mail.send("agent@exemple.fr", "Essai d'envoi", "Bonjour, voici un test.", "<p>Bonjour</p>")
    assert len(smtp_server.received) == 1
    envelope = smtp_server.received[0]
    assert "agent@exemple.fr" in envelope["rcpt"][0]  # type: ignore[index]
    message = message_from_bytes(envelope["data"], policy=policy.default)  # type: ignore[arg-type]
    assert message["Subject"] == "Essai d'envoi" and message["Content-Language"] == "fr"
    assert "voici un test" in message.get_body(preferencelist=("plain",)).get_content()


def test_smtp_failure_raises(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
            "MAIL_SMTP_HOST": "127.0.0.1",
            "MAIL_SMTP_PORT": port,
        }
    )
    with app.app_context(), pytest.raises(OSError):
        mail.send("agent@exemple.fr", "x", "y")


def test_file_backend_is_the_default(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
        }
    )
    assert app.config["MAIL_BACKEND"] == "file"
    with app.app_context():
        mail.send("a@exemple.fr", "Sujet accentué é", "Corps")
    [message] = mail.read_outbox(tmp_path / "mail")
    assert message["Subject"] == "Sujet accentué é" and message["To"] == "a@exemple.fr"
    assert not list((tmp_path / "mail").glob("*.tmp"))


def test_unknown_backend_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="console, file ou smtp"):
        create_app({"TESTING": True, "MAIL_BACKEND": "pigeon"})
