"""Outgoing mail: real RFC 5322 messages, queued in the outbox and delivered after commit.

:func:`send` and :func:`send_template` build a French message and :func:`outbox.queue` it in the
current transaction (see :mod:`.outbox` for delivery and retries, :mod:`.transport` for the
``file``/``console``/``smtp`` backends). No code sends mail inside a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .. import lifecycle
from ..db import utcnow
from . import cli, outbox

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
    """Build a message and queue it in the outbox (sent after commit); return it."""
    message = build_message(to, subject, text, html, attachments)
    outbox.queue(message)
    return message


def absolute_url(endpoint: str, **values: Any) -> str:
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
    """Queue ``message`` (``None``: nothing): like every message, it leaves after the commit and
    once the response has been sent, so the time a visitor waits says nothing about whether a
    mail left (no account oracle)."""
    if message is None:
        outbox.queue_decoy()  # the same work either way
    else:
        outbox.queue(message)


def read_outbox(folder: str | Path) -> list[EmailMessage]:
    """Messages written by the file backend, oldest first (tests, demo, e2e)."""
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    paths = sorted(Path(folder).glob("*.eml"))
    return [parser.parsebytes(p.read_bytes()) for p in paths]


def init_app(app: Flask) -> None:
    """Check the backend name early (a typo fails at start-up), deliver each request's
    messages after its commit, and add ``commons mail``."""
    if app.config["MAIL_BACKEND"] not in {"console", "file", "smtp"}:
        raise RuntimeError("COMMONS_MAIL_BACKEND doit valoir console, file ou smtp.")
    outbox.listen()
    lifecycle.after_commit(app, outbox.after_request_commit)
    app.cli.add_command(cli.mail_group)
