"""Application factory, settings, health check, error pages and security headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from commons import config, create_app, db


def test_refuses_default_secret_key_in_production(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="COMMONS_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    with pytest.raises(RuntimeError, match="COMMONS_SECRET_KEY"):
        create_app({"SECRET_KEY": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_production_starts_with_a_real_secret(tmp_path: Path) -> None:
    app = create_app(
        {"SECRET_KEY": "a-long-random-value", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    )
    assert not app.debug and app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"COMMONS_GROUP_DEFAULT_CAP": "8", "COMMONS_SESSION_COOKIE_SECURE": "true", "OTHER": "x"}
    values = config.from_environment(env)
    assert values == {"GROUP_DEFAULT_CAP": 8, "SESSION_COOKIE_SECURE": True}


def test_instance_folder_holds_sqlite_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMONS_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'commons.db'}"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "inst" / "search")


def test_sqlite_pragmas(app, backend) -> None:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_healthz_checks_the_database(app, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"
    assert response.json["search"]["queue"] == 0  # the search part's report (issue 17)


def test_healthz_reports_a_broken_database(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "error"


def test_security_headers_and_csp_without_inline_scripts(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    # The only script is the app's own file (focus on the error summary), never inline.
    scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
    assert scripts and all(re.search(r'src="/static/commons\.js[?"]', s) for s in scripts)


def test_french_error_pages(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/nexiste-pas")
    body = response.get_data(as_text=True)
    assert response.status_code == 404 and "Page introuvable" in body and 'lang="fr"' in body
    assert client.post("/healthz").status_code == 405


def test_base_layout_is_accessible(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/").get_data(as_text=True)
    assert 'href="#contenu"' in body and 'id="contenu"' in body
    for landmark in (
        'role="banner"',
        'role="main"',
        'role="contentinfo"',
        'aria-label="Navigation principale"',
    ):
        assert landmark in body
    # RGAA mention in every footer, the status computed from the audit grid.
    from commons.a11y import conformity

    assert f"Accessibilité : {conformity().status}" in body and "Plan du site" in body


@pytest.mark.parametrize(
    "slug,title",
    [
        ("charte", "Charte"),
        ("aide", "Aide"),
        ("mentions-legales", "Mentions légales"),
        ("accessibilite", "accessibilité"),
    ],
)
def test_content_pages(client, slug: str, title: str) -> None:  # type: ignore[no-untyped-def]
    body = client.get(f"/{slug}").get_data(as_text=True)
    assert title.lower() in body.lower() and "<h2" in body


def test_oversized_request_gets_a_french_413(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/inscription", data={"display_name": "x" * 5000})
    assert response.status_code == 413
    assert "Contenu trop volumineux" in response.get_data(as_text=True)


def test_oversized_field_is_refused_and_nothing_is_saved(client, make_user) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from commons.groups.models import Group

    from .conftest import login

    login(client, make_user(role="facilitator"))
    data = {"name": "Groupe", "charter": "c" * 20001, "member_cap": "12"}
    body = client.post("/groupes/nouveau", data=data).get_data(as_text=True)
    assert "20000 caractères au plus" in body and "c" * 20001 in body  # the text is kept
    assert db.session.scalar(select(func.count(Group.id))) == 0
