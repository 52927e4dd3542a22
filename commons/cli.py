"""The ``commons`` command line: a Flask CLI group; each feature adds its sub-group here."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from . import db


def _create_app() -> Flask:
    from . import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_version_option=False,
    help="Commons : administration de l'instance.",
)
def main() -> None:
    """Entry point of the ``commons`` console script."""


@click.group("db", help="Base de données : migrations et vérifications.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Applique les migrations jusqu'à la dernière.")
@with_appcontext
def db_upgrade() -> None:
    from . import migrate

    migrate.upgrade()
    click.echo("Base de données à jour.")


@db_group.command("check", help="Échoue si les modèles et les migrations diffèrent.")
@with_appcontext
def db_check() -> None:
    from alembic.util.exc import CommandError

    from . import migrate

    try:
        migrate.check()
    except CommandError as exc:
        raise click.ClickException(f"Modèles et migrations diffèrent : {exc}") from exc
    click.echo("Modèles et migrations concordent.")


@db_group.command("revision", help="(Développement) génère une migration depuis les modèles.")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    from . import migrate

    migrate.revision(message)


@click.group("users", help="Comptes.")
def users_group() -> None:
    pass


@users_group.command("create", help="Crée un compte confirmé.")
@click.argument("email")
@click.option("--name", required=True, help="Nom affiché.")
@click.option("--password", required=True, help="Mot de passe (10 caractères au moins).")
@click.option(
    "--collectivite", default=None, help="Nom exact ou identifiant d'une collectivité existante."
)
@click.option("--job", default="Agent", show_default=True, help="Métier.")
@click.option(
    "--role",
    type=click.Choice(["agent", "facilitator", "admin"]),
    default="agent",
    show_default=True,
)
@with_appcontext
def users_create(
    email: str, name: str, password: str, collectivite: str | None, job: str, role: str
) -> None:
    from sqlalchemy import func, select

    from .accounts import services
    from .collectivites.models import Collectivite

    collectivite_id = None
    if collectivite:
        query = select(Collectivite.id).where(
            (Collectivite.id == int(collectivite))
            if collectivite.isdigit()
            else func.lower(Collectivite.name) == collectivite.lower()
        )
        collectivite_id = db.session.scalar(query)
        if collectivite_id is None:
            raise click.ClickException(f"Collectivité introuvable : {collectivite}")
    try:
        user = services.create_user(
            email=email,
            display_name=name,
            job_title=job,
            password=password,
            collectivite_id=collectivite_id,
            role=role,
            confirmed=True,
        )
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Compte créé : {user.email} (@{user.handle}, {role}).")


@click.group("content", help="Contenus livrés avec l'application (content/).")
def content_group() -> None:
    pass


@content_group.command(
    "load", help="Charge content/ (ou PATH) ; --demo ajoute les données de démonstration."
)
@click.argument(
    "path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--demo", is_flag=True, help="Charge aussi comptes, groupes et demandes de démonstration."
)
@with_appcontext
def content_load(path: Path | None, demo: bool) -> None:
    from . import content
    from .wiki.importer import RexImportError

    try:
        report = content.load(path, demo=demo)
    except RexImportError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(report.summary())
    _index_loaded_content()
    if report.users:
        click.echo("Comptes de démonstration (mot de passe : demo-commons-2026) :")
        for email, role in report.users:
            click.echo(f"  {email}  ({role})")


def _index_loaded_content() -> None:
    """Apply the search queue now, so the loaded content is searchable at once (issue 17)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "commons.search" not in app.extensions:
        return
    from .search.outbox import drain_all

    report = drain_all(app)
    click.echo(f"Recherche : {report}")


def init_app(app: Flask) -> None:
    """Attach the sub-groups to the app's CLI (``flask --app wsgi …`` works too)."""
    for group in (db_group, users_group, content_group):
        app.cli.add_command(group)
