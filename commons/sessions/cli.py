"""``commons sessions remind``: the reminders of the day before, for cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import db
from ..notifications import emails
from . import notify


@click.group("sessions", help="Séances des groupes.")
def sessions_group() -> None:
    pass


@sessions_group.command(
    "remind", help="Rappelle aux membres les séances du lendemain (une fois par séance)."
)
@with_appcontext
def remind() -> None:
    created = notify.send_reminders()
    db.session.commit()
    sent = emails.deliver_pending()
    click.echo(f"{created} rappel(s) créé(s), {sent} courriel(s) envoyé(s).")
