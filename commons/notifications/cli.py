"""``commons notify``: send the daily digests (and whatever immediate mail is left)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import db
from . import emails


@click.group("notify", help="Notifications par courriel.")
def notify_group() -> None:
    """Notification commands."""


@notify_group.command("digests", help="Envoie les résumés quotidiens dus.")
@with_appcontext
def digests() -> None:
    """Send due digests, then pending immediate messages."""
    count = emails.send_digests(db.utcnow())
    immediate = emails.deliver_pending()
    click.echo(f"{count} résumé(s) envoyé(s).")
    if immediate:
        click.echo(f"{immediate} courriel(s) immédiat(s) envoyé(s).")
