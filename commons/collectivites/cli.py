"""``commons collectivites``: maintenance of the directory."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import db
from ..dates import ngettext
from .merging import merge
from .models import Collectivite
from .services import CollectiviteError


@click.group("collectivites", help="Annuaire des collectivités.")
def collectivites_group() -> None:
    pass


@collectivites_group.command(
    "fusionner", help="Fusionne un doublon (DOUBLON) dans la collectivité conservée (GARDEE)."
)
@click.argument("doublon")
@click.argument("gardee")
@with_appcontext
def merge_command(doublon: str, gardee: str) -> None:
    found = {
        c.slug: c
        for c in db.session.scalars(
            select(Collectivite).where(Collectivite.slug.in_([doublon, gardee]))
        )
    }
    missing = [s for s in (doublon, gardee) if s not in found]
    if missing:
        raise click.ClickException(
            f"Collectivité introuvable : {', '.join(missing)} (identifiant d'URL attendu)."
        )
    try:
        result = merge(found[doublon], found[gardee])
    except CollectiviteError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    total = sum(result.moved.values())
    click.echo(
        f"« {doublon} » fusionnée dans « {gardee} » : "
        + ngettext("%(num)d rattachement déplacé.", "%(num)d rattachements déplacés.", total)
        + " Lancez `commons search reindex` pour mettre à jour les filtres de recherche."
    )
