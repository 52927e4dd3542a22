"""``commons files``: maintenance of stored attachment blobs."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import services


@click.group("files", help="Fichiers joints.")
def files_group() -> None:
    pass


@files_group.command(
    "gc", help="Supprime les fichiers stockés qu'aucun REX ne référence plus (plus d'une heure)."
)
@click.option("--min-age", default=3600, show_default=True, help="Âge minimal en secondes.")
@with_appcontext
def gc(min_age: int) -> None:
    removed = services.collect_garbage(float(min_age))
    click.echo(f"{removed} fichier(s) supprimé(s) du stockage.")
