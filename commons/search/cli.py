"""``commons search``: drain the outbox into the index, or rebuild the index."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .outbox import IndexBusy, drain, reindex
from .startup import health


@click.group("search", help="Recherche : index plein texte.")
def search_group() -> None:
    pass


@search_group.command("drain", help="Indexe les modifications en file d'attente.")
@click.option("--limit", default=500, show_default=True, help="Lignes traitées par passe.")
@click.option("--all", "drain_all", is_flag=True, help="Recommence jusqu'à vider la file.")
@with_appcontext
def drain_command(limit: int, drain_all: bool) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    report = drain(app, limit)
    while drain_all and not report.busy and report.remaining and report.indexed + report.deleted:
        report = drain(app, limit)
    click.echo(str(report))
    if report.busy:
        raise click.ClickException("L'index est verrouillé par un autre processus ; réessayez.")


@search_group.command("reindex", help="Reconstruit tout l'index depuis la base, sans coupure.")
@with_appcontext
def reindex_command() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        count = reindex(app)
    except IndexBusy as exc:
        message = "L'index est verrouillé par un autre processus ; réessayez."
        raise click.ClickException(message) from exc
    click.echo(f"Index reconstruit : {count} document(s).")


@search_group.command("status", help="État de la file d'attente de l'index.")
@with_appcontext
def status_command() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = health(app)
    click.echo(f"Moteur : {state['backend']}")
    click.echo(f"File d'attente : {state['queue']} modification(s)")
    if state["oldest_change_age_s"] is not None:
        click.echo(f"Plus ancienne : il y a {state['oldest_change_age_s']} s")
