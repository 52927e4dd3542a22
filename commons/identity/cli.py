"""``commons privacy``: retention purges meant for cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import db


@click.group("privacy", help="Données personnelles : purges de conservation (cron).")
def privacy_group() -> None:
    pass


@privacy_group.command("purge", help="Supprime ce qui dépasse les durées de conservation.")
@with_appcontext
def purge_command() -> None:
    from . import retention

    result = retention.purge()
    db.session.commit()
    click.echo(
        f"Comptes jamais confirmés supprimés : {result.unconfirmed_accounts}\n"
        f"Événements de limitation supprimés : {result.rate_events}\n"
        f"Courriels archivés supprimés : {result.mail_files}"
    )
