"""``commons wiki``: maintenance of stored REX HTML."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .. import db
from . import rendering


@click.group("wiki", help="Retours d'expérience.")
def wiki_group() -> None:
    pass


@wiki_group.command(
    "rerender", help="Re-rend toutes les révisions (après un changement de liste blanche)."
)
@with_appcontext
def rerender() -> None:
    count = rendering.rerender_all()
    db.session.commit()
    click.echo(f"{count} révision(s) re-rendue(s).")
