"""The migration that creates ``rex_theme`` fills it from the ``rex.themes`` already stored
(SQLite, and PostgreSQL when configured), in batches, whatever odd JSON it finds."""

from __future__ import annotations

from sqlalchemy import inspect, select

from commons import create_app, migrate
from commons.wiki.models import Rex, rex_theme

from .test_migrations import empty_url  # noqa: F401  (fixture: an empty database per backend)

BEFORE = "d7760767ac35"  # the revision before rex_theme


def test_upgrade_backfills_rex_theme(empty_url: str) -> None:  # noqa: F811
    app = create_app({"TESTING": True, "DATABASE_URL": empty_url, "SECRET_KEY": "x"})
    engine = app.extensions["commons.engine"]
    themes: dict[int, object] = {n: ["culture", "social"] for n in range(1, 1_201)}  # 2 batches
    themes |= {
        1_201: [],
        1_202: ["energie", "energie"],
        1_203: "pas-une-liste",
        1_204: [7, "donnees"],
    }
    with app.app_context():
        migrate.upgrade(BEFORE)
        assert "rex_theme" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            rows = [
                {"id": n, "slug": f"rex-{n}", "title": f"REX {n}", "themes": t}
                for n, t in themes.items()
            ]
            conn.execute(Rex.__table__.insert(), rows)
        migrate.upgrade()
        migrate.check()
        with engine.connect() as conn:
            found = conn.execute(select(rex_theme.c.rex_id, rex_theme.c.theme)).all()
    engine.dispose()
    expected = {(n, code) for n in range(1, 1_201) for code in ("culture", "social")}
    expected |= {(1_202, "energie"), (1_204, "donnees")}
    assert sorted(found) == sorted(expected)
