"""``commons mail send``: deliver the outbox (from cron, or as a worker with ``--watch``)."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from . import outbox


@click.group("mail", help="Courriels sortants.")
def mail_group() -> None:
    """Outgoing mail commands."""


@mail_group.command("send", help="Envoie les courriels en attente dont l'essai est dû.")
@click.option("--watch", is_flag=True, help="Continue et envoie toutes les --interval secondes.")
@click.option("--interval", default=30.0, show_default=True, help="Secondes entre deux passages.")
@with_appcontext
def send(watch: bool, interval: float) -> None:
    """Deliver due messages once, or forever with ``--watch``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    while True:
        click.echo(str(outbox.deliver(app)))
        if not watch:
            return
        time.sleep(interval)
