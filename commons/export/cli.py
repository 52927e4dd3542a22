"""``commons export public PATH`` and ``commons import PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .. import db
from ..wiki.importer import RexImportError
from . import archive, archive_cache, importing


@click.group("export", help="Export des communs publics.")
def export_group() -> None:
    pass


@export_group.command(
    "public", help="Écrit l'archive des REX publics : PATH.zip, ou un dossier (vide ou absent)."
)
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def export_public(path: Path) -> None:
    try:
        if path.suffix.lower() == ".zip":
            if path.is_dir():
                raise click.ClickException(f"{path} est un dossier.")
            path.parent.mkdir(parents=True, exist_ok=True)
            count = archive.write_zip(path)
        else:
            count = archive.write_folder(path)
    except (FileExistsError, NotADirectoryError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Archive écrite : {path} ({count} REX publics).")


@export_group.command(
    "cache", help="Prépare l'archive servie à /communs/export.zip (si le contenu a changé)."
)
@with_appcontext
def export_cache() -> None:
    cached = archive_cache.cached_archive()
    click.echo(f"Archive prête : {cached.path}")


@click.command("import", help="Importe l'archive d'export d'une autre instance (zip ou dossier).")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    try:
        report = importing.import_archive(
            None, path, importing.Limits.from_config(current_app.config)
        )
    except RexImportError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(importing.summary(report))


def init_app(app: Flask) -> None:
    """Add ``export`` and ``import`` to the ``commons`` command."""
    app.cli.add_command(export_group)
    app.cli.add_command(import_command)
