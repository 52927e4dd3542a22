"""Hand one built message to the configured backend: ``smtp``, ``file`` or ``console``.

``file`` (the default) writes one ``.eml`` file per message into ``MAIL_FILE_DIR`` so tests, the
demo and browser journeys can read what was sent; ``console`` logs it; ``smtp`` sends it with
the ``MAIL_SMTP_*`` settings, within ``MAIL_SMTP_TIMEOUT`` seconds. Only the outbox calls this.
"""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from ..db import utcnow


def transmit(message: EmailMessage) -> None:
    """Deliver ``message`` now; raises on any transport failure (the outbox retries)."""
    cfg = current_app.config
    backend = cfg["MAIL_BACKEND"]
    if backend == "smtp":
        timeout = float(cfg["MAIL_SMTP_TIMEOUT"])
        with smtplib.SMTP(
            cfg["MAIL_SMTP_HOST"], int(cfg["MAIL_SMTP_PORT"]), timeout=timeout
        ) as smtp:
            if cfg["MAIL_SMTP_STARTTLS"]:
                smtp.starttls()
            if cfg["MAIL_SMTP_USER"]:
                smtp.login(cfg["MAIL_SMTP_USER"], cfg["MAIL_SMTP_PASSWORD"])
            smtp.send_message(message)
    elif backend == "file":
        folder = Path(cfg["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        tmp = folder / (name + ".tmp")
        tmp.write_bytes(bytes(message))
        tmp.rename(folder / name)
    else:
        current_app.logger.info("Courriel (console) :\n%s", message.as_string())
