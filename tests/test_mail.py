"""Mail: queued in the outbox with the change, delivered after commit to a real SMTP sink,
retried when the server is down, never sent for a rolled-back transaction."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from commons import create_app, db, mail
from commons.collectivites import services as collectivites
from commons.mail.models import OutgoingMail
from commons.models import Base
from tests.test_accounts import _registration


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _app(tmp_path: Path, **config: object):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
            "MAIL_SMTP_TIMEOUT": 2,
            **config,
        }
    )
    Base.metadata.create_all(app.extensions["commons.engine"])
    return app


def _collectivite(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        made = collectivites.create(name="Ville de Bègles", kind="commune", departement_code="33")
        db.session.commit()
        return made.id


def _rows(app) -> list[OutgoingMail]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def test_smtp_backend_delivers_after_commit(tmp_path: Path, smtp_server: _SMTPServer) -> None:
    host, port = smtp_server.server_address[:2]
    app = _app(tmp_path, MAIL_SMTP_HOST=host, MAIL_SMTP_PORT=port)
    assert app.config["MAIL_BACKEND"] == "smtp"
    with app.app_context():
        mail.send("agent@exemple.fr", "Essai d'envoi", "Bonjour, voici un test.", "<p>Bonjour</p>")
        assert smtp_server.received == []  # queued, not sent: the transaction is still open
        db.session.commit()
    assert len(smtp_server.received) == 1
    envelope = smtp_server.received[0]
    assert "agent@exemple.fr" in envelope["rcpt"][0]  # type: ignore[index]
    message = message_from_bytes(envelope["data"], policy=policy.default)  # type: ignore[arg-type]
    assert message["Subject"] == "Essai d'envoi" and message["Content-Language"] == "fr"
    assert "voici un test" in message.get_body(preferencelist=("plain",)).get_content()
    [row] = _rows(app)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None


def test_nothing_is_sent_for_a_rolled_back_transaction(
    tmp_path: Path, smtp_server: _SMTPServer
) -> None:
    host, port = smtp_server.server_address[:2]
    app = _app(tmp_path, MAIL_SMTP_HOST=host, MAIL_SMTP_PORT=port)
    with app.app_context():
        mail.send("agent@exemple.fr", "Jamais", "Ce message ne doit pas partir.")
        db.session.rollback()
        db.session.commit()
    assert smtp_server.received == [] and _rows(app) == []


def test_a_down_smtp_server_neither_fails_nor_loses_a_request(tmp_path: Path) -> None:
    """Registration sends a confirmation: with the SMTP server down, the person's request
    succeeds, the message waits in the outbox; once the server is up, ``commons mail send``
    delivers it, once."""
    port = _free_port()
    app = _app(tmp_path, MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=port, MAIL_RETRY_SECONDS=0)
    form = _registration(_collectivite(app), email="nouvelle@exemple.fr")
    response = app.test_client().post("/inscription", data=form, buffered=True)
    assert response.status_code in (200, 302), response.status_code
    [row] = _rows(app)
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error and "ConnectionRefused" in row.last_error

    server = _SMTPServer(("127.0.0.1", port), _SMTPHandler)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["mail", "send"])
        assert "1 courriel envoyé." in result.output, result.output
        again = runner.invoke(args=["mail", "send"])
        assert "0 courriel envoyé." in again.output
    finally:
        server.shutdown()
        server.server_close()
    assert len(server.received) == 1
    assert "nouvelle@exemple.fr" in server.received[0]["rcpt"][0]  # type: ignore[index]
    [row] = _rows(app)
    assert row.sent_at is not None and row.attempts == 2


def test_retries_back_off_and_give_up(tmp_path: Path) -> None:
    app = _app(
        tmp_path, MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=_free_port(), MAIL_MAX_ATTEMPTS=3
    )
    with app.app_context():
        mail.send("agent@exemple.fr", "Essai", "Corps")
        db.session.commit()  # first attempt, refused
        [row] = db.session.scalars(select(OutgoingMail)).all()
        db.session.refresh(row)
        assert row.attempts == 1
        first_delay = row.next_attempt_at - db.utcnow()
        assert 50 < first_delay.total_seconds() <= 60  # MAIL_RETRY_SECONDS, then doubled
        assert mail.outbox.retry_delay(2).total_seconds() == 120
        assert mail.outbox.retry_delay(30).total_seconds() == 6 * 3600
        report = mail.outbox.deliver(app)  # not due yet: untouched
        assert report.sent == report.failed == 0
        for _ in range(5):
            row.next_attempt_at = db.utcnow()
            db.session.commit()
            mail.outbox.deliver(app)
            db.session.refresh(row)
        assert row.attempts == 3 and row.sent_at is None  # given up after MAIL_MAX_ATTEMPTS


def test_a_request_delivers_only_its_own_messages(tmp_path: Path) -> None:
    app = _app(tmp_path)
    with app.app_context():
        mail.outbox.queue(mail.build_message("ancien@exemple.fr", "Ancien", "En attente"))
        db.session.flush()
        db.session.info.pop("commons.mail_rows")  # as if written by a worker that died
        db.session.commit()
    form = _registration(_collectivite(app), email="b@exemple.fr")
    app.test_client().post("/inscription", data=form, buffered=True)
    old, new = _rows(app)
    assert old.sent_at is None and old.attempts == 0
    assert new.sent_at is not None and new.recipient == "b@exemple.fr"
    assert [m["To"] for m in mail.read_outbox(tmp_path / "mail")] == ["b@exemple.fr"]


def test_file_backend_is_the_default(tmp_path: Path) -> None:
    app = _app(tmp_path)
    assert app.config["MAIL_BACKEND"] == "file"
    with app.app_context():
        mail.send("a@exemple.fr", "Sujet accentué é", "Corps")
        db.session.commit()
    [message] = mail.read_outbox(tmp_path / "mail")
    assert message["Subject"] == "Sujet accentué é" and message["To"] == "a@exemple.fr"
    assert not list((tmp_path / "mail").glob("*.tmp"))


def test_unknown_backend_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="console, file ou smtp"):
        create_app({"TESTING": True, "MAIL_BACKEND": "pigeon"})


def test_a_released_savepoint_sends_nothing_before_the_real_commit(
    tmp_path: Path, smtp_server: _SMTPServer
) -> None:
    """Services use savepoints (unique names, reports): releasing one is not the commit; the
    message waits for the outer transaction, and leaves nothing if that one rolls back."""
    host, port = smtp_server.server_address[:2]
    app = _app(tmp_path, MAIL_SMTP_HOST=host, MAIL_SMTP_PORT=port)
    with app.app_context():
        mail.send("agent@exemple.fr", "Plus tard", "Après la validation seulement.")
        with db.session.begin_nested():
            db.session.flush()
        assert smtp_server.received == []
        db.session.rollback()
        db.session.commit()
    assert smtp_server.received == [] and _rows(app) == []
    with app.app_context():
        mail.send("agent@exemple.fr", "Validé", "Parti après la validation.")
        with db.session.begin_nested():
            db.session.flush()
        assert smtp_server.received == []
        db.session.commit()
    assert len(smtp_server.received) == 1
