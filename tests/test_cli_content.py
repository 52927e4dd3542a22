"""CLI `users create` and `content load` (idempotent, with demo data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from commons import content, db
from commons.accounts.models import User
from commons.collectivites.models import Collectivite
from commons.groups.models import Group, JoinRequest
from commons.groups.services import member_count


@pytest.fixture
def cli(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


def test_content_load_is_idempotent(app) -> None:  # type: ignore[no-untyped-def]
    first = content.load(demo=True)
    db.session.commit()
    assert first.collectivites > 20 and first.groups == 2 and len(first.users) == 6
    second = content.load(demo=True)
    db.session.commit()
    assert (second.collectivites, second.groups, second.users) == (0, 0, [])
    group = db.session.scalar(select(Group).where(Group.slug == "participation-citoyenne"))
    assert group is not None and member_count(group.id) == 2
    assert (
        db.session.scalar(select(func.count(JoinRequest.id)).where(JoinRequest.status == "pending"))
        == 1
    )
    angers = db.session.scalar(select(Collectivite).where(Collectivite.name == "Ville d'Angers"))
    assert angers is not None and angers.departement_code == "49" and angers.region_code == "52"


def test_content_load_refuses_a_missing_folder(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FileNotFoundError, match="introuvable"):
        content.load(tmp_path / "absent")


def test_cli_content_load_prints_demo_accounts(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli.invoke(args=["content", "load", "--demo"])
    assert result.exit_code == 0, result.output
    assert "animatrice@demo.commons.fr" in result.output and "demo-commons-2026" in result.output


def test_cli_users_create(cli, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    coll = make_collectivite("Ville de Pantin", departement="93")
    result = cli.invoke(
        args=[
            "users",
            "create",
            "Anne@Pantin.fr",
            "--name",
            "Anne Roy",
            "--password",
            "phrase de passe longue",
            "--collectivite",
            "ville de pantin",
            "--role",
            "facilitator",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email_key == "anne@pantin.fr"))
    assert user is not None and user.role == "facilitator" and user.email_confirmed_at is not None
    assert user.collectivite_id == coll.id
    again = cli.invoke(
        args=[
            "users",
            "create",
            "anne@PANTIN.fr",
            "--name",
            "X",
            "--password",
            "phrase de passe longue",
        ]
    )
    assert again.exit_code != 0 and "existe déjà" in again.output
    weak = cli.invoke(args=["users", "create", "b@pantin.fr", "--name", "B", "--password", "court"])
    assert weak.exit_code != 0 and "10 caractères" in weak.output
    missing = cli.invoke(
        args=[
            "users",
            "create",
            "c@pantin.fr",
            "--name",
            "C",
            "--password",
            "phrase de passe longue",
            "--collectivite",
            "Atlantide",
        ]
    )
    assert missing.exit_code != 0 and "introuvable" in missing.output
