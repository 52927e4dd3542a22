"""``commons privacy``: retention purges and due account deletions, meant for cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import db
from . import deletion, retention


@click.group("privacy", help="Données personnelles : conservation et suppressions (cron).")
def privacy_group() -> None:
    pass


@privacy_group.command("purge", help="Supprime ce qui dépasse les durées de conservation.")
@with_appcontext
def purge_command() -> None:
    result = retention.purge()
    db.session.commit()
    click.echo(
        f"Comptes jamais confirmés supprimés : {result.unconfirmed_accounts}\n"
        f"Événements de limitation supprimés : {result.rate_events}\n"
        f"Sessions expirées supprimées : {result.sessions}\n"
        f"Courriels archivés supprimés : {result.mail_files}"
    )


@privacy_group.command("delete-due", help="Efface les comptes dont le délai de grâce est passé.")
@with_appcontext
def delete_due_command() -> None:
    erased = deletion.erase_due()
    db.session.commit()
    click.echo(f"Comptes supprimés : {len(erased)}")
    for alias in erased:
        click.echo(f"  {alias}")
