"""Outgoing mail: real RFC 5322 messages through a console, file or SMTP backend.

``file`` (the default) writes one ``.eml`` file per message into ``MAIL_FILE_DIR`` so tests, the
demo and e2e journeys can read what would have been sent; ``console`` logs it; ``smtp`` sends it
with the ``MAIL_SMTP_*`` settings.
"""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import Flask, current_app

from .db import utcnow

#: An attachment: file name, MIME type (``text/calendar; method=REQUEST``…) and content.
Attachment = tuple[str, str, bytes]


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A French plain-text message, with an HTML alternative when given, and attachments
    (e.g. an ``.ics`` invitation; MIME parameters after ``;`` are kept)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="commons.localhost")
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, mime, content in attachments:
        kind, _, rest = mime.partition(";")
        maintype, subtype = kind.strip().split("/", 1)
        params = dict(p.strip().split("=", 1) for p in rest.split(";") if "=" in p)
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    message["Content-Language"] = "fr"  # after the parts: multipart moves Content-* headers
    return message


def send(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """Build and deliver a message through the configured backend; return it."""
    message = build_message(to, subject, text, html, attachments)
    deliver(message)
    return message


def deliver(message: EmailMessage) -> None:
    """Hand a built message to the configured backend."""
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        cfg = current_app.config
        with smtplib.SMTP(cfg["MAIL_SMTP_HOST"], int(cfg["MAIL_SMTP_PORT"]), timeout=30) as smtp:
            if cfg["MAIL_SMTP_STARTTLS"]:
                smtp.starttls()
            if cfg["MAIL_SMTP_USER"]:
                smtp.login(cfg["MAIL_SMTP_USER"], cfg["MAIL_SMTP_PASSWORD"])
            smtp.send_message(message)
    elif backend == "file":
        folder = Path(current_app.config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        tmp = folder / (name + ".tmp")
        tmp.write_bytes(bytes(message))
        tmp.rename(folder / name)
    else:
        current_app.logger.info("Courriel (console) :\n%s", message.as_string())


def absolute_url(endpoint: str, **values: object) -> str:
    """An absolute link for emails, on ``BASE_URL``."""
    from flask import url_for

    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def send_template(
    to: str,
    subject: str,
    template: str,
    attachments: Sequence[Attachment] = (),
    **context: object,
) -> EmailMessage:
    """Render ``<template>.txt`` and ``<template>.html`` with ``context`` and send them."""
    from flask import render_template

    text = render_template(f"{template}.txt", **context)
    html = render_template(f"{template}.html", **context)
    return send(to, subject, text, html, attachments)


def render_message(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    """Render ``<template>.txt`` and ``.html`` into a message without sending it."""
    from flask import render_template

    text = render_template(f"{template}.txt", **context)
    html = render_template(f"{template}.html", **context)
    return build_message(to, subject, text, html)


def deliver_after_response(message: EmailMessage | None) -> None:
    """Deliver ``message`` once the response has been sent (``None``: nothing to send). The
    time a visitor waits then says nothing about whether a mail left (no account oracle)."""
    from flask import after_this_request

    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def _later(response):  # type: ignore[no-untyped-def]
        if message is not None:

            def _deliver() -> None:
                with app.app_context():
                    try:
                        deliver(message)
                    except Exception:  # noqa: BLE001 - the response is gone: log, never raise
                        app.logger.exception("Courriel non remis à %s", message["To"])

            response.call_on_close(_deliver)
        return response


def read_outbox(folder: str | Path) -> list[EmailMessage]:
    """Messages written by the file backend, oldest first (tests, demo, e2e)."""
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    paths = sorted(Path(folder).glob("*.eml"))
    return [parser.parsebytes(p.read_bytes()) for p in paths]  # type: ignore[misc]


def init_app(app: Flask) -> None:
    """Check the backend name early so a typo fails at start-up."""
    if app.config["MAIL_BACKEND"] not in {"console", "file", "smtp"}:
        raise RuntimeError("COMMONS_MAIL_BACKEND doit valoir console, file ou smtp.")
