"""Merging duplicate collectivités (issue 18): agents and REX links move to the kept one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from commons import db
from commons.accounts.models import User
from commons.collectivites.models import Collectivite
from commons.wiki import services as wiki
from commons.wiki.models import Rex


def _cli(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["collectivites", "fusionner", *args])


def test_merge_moves_agents_and_rex_links(app: Any, make_user: Any, make_collectivite: Any) -> None:
    kept = make_collectivite("Région Occitanie", kind="region", departement="31")
    twin = make_collectivite("Région Occitanie (doublon)", kind="region", departement="34")
    agent = make_user(collectivite=twin)
    both = wiki.create_rex(
        agent, title="Sur les deux", body="Texte.\n", collectivite_ids=[kept.id, twin.id]
    )
    one = wiki.create_rex(
        agent, title="Sur le doublon", body="Texte.\n", collectivite_ids=[twin.id]
    )
    db.session.commit()
    kept_id, twin_slug, kept_slug = kept.id, twin.slug, kept.slug
    result = _cli(app, twin_slug, kept_slug)
    assert result.exit_code == 0, result.output
    assert "fusionnée" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Collectivite).where(Collectivite.slug == twin_slug)) is None
    assert db.session.get(User, agent.id).collectivite_id == kept_id
    for rex_id in (both.id, one.id):
        assert [c.id for c in db.session.get(Rex, rex_id).collectivites] == [kept_id]


def test_merge_refuses_unknown_or_same(app: Any, make_collectivite: Any) -> None:
    kept = make_collectivite("Genève")
    assert "introuvable" in _cli(app, "nimporte-quoi", kept.slug).output
    same = _cli(app, kept.slug, kept.slug)
    assert same.exit_code != 0 and "deux collectivités différentes" in same.output


def test_shipped_directory_has_no_duplicates_nor_other_bodies(app: Any) -> None:
    from commons import content
    from commons.text import fold

    content.load(demo=True)
    db.session.commit()
    names = [fold(n) for n in db.session.scalars(select(Collectivite.name))]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    for body in ("dreal", "occitanie data", "association internationale", "(sitg)", "designee"):
        assert not [n for n in names if body in n], body
