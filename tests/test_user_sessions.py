"""Server-side sessions (issue 15): a logout kills the cookie even when replayed, « Mes sessions »
lists the signed-in browsers and closes any of them, inactivity, suspension and a password change
end sessions, and ``sessions.start`` is the one way in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from commons import db
from commons.accounts import sessions
from commons.accounts.models import UserSession

from .conftest import PASSWORD, login

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _count(user) -> int:  # type: ignore[no-untyped-def]
    return int(db.session.scalar(select(func.count()).where(UserSession.user_id == user.id)) or 0)


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/compte/profil").status_code == 200


def test_a_replayed_cookie_is_dead_after_logout(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    browser = app.test_client()
    browser.post("/connexion", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert _signed_in(browser) and _count(user) == 1
    saved = {name: browser.get_cookie(name).value for name in ("session", "remember_token")}
    browser.post("/deconnexion")
    assert _count(user) == 0 and not _signed_in(browser)
    for name, value in saved.items():  # each cookie alone, replayed by an attacker
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert not _signed_in(thief), name


def test_my_sessions_lists_and_closes_browsers(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    laptop = app.test_client()
    phone = app.test_client()
    laptop.post(
        "/connexion",
        data={"email": user.email, "password": PASSWORD},
        headers={"User-Agent": FIREFOX},
    )
    phone.post(
        "/connexion",
        data={"email": user.email, "password": PASSWORD},
        headers={"User-Agent": IPHONE},
    )
    page = laptop.get("/compte/sessions/").get_data(as_text=True)
    assert "Firefox sous Linux" in page and "Safari sous iOS" in page
    assert page.count("(cette session)") == 1
    other = db.session.scalar(
        select(UserSession.id).where(UserSession.user_agent == "Safari sous iOS")
    )
    assert laptop.post(f"/compte/sessions/{other}/fermer").status_code == 302
    assert not _signed_in(phone) and _signed_in(laptop)
    mine = db.session.scalar(select(UserSession.id).where(UserSession.user_id == user.id))
    response = laptop.post(f"/compte/sessions/{mine}/fermer")
    assert response.headers["Location"].startswith("/connexion")
    assert not _signed_in(laptop) and _count(user) == 0


def test_nobody_closes_the_session_of_another(app, make_user) -> None:  # type: ignore[no-untyped-def]
    alice, mallory = make_user(), make_user()
    a, m = app.test_client(), app.test_client()
    login(a, alice)
    login(m, mallory)
    target = db.session.scalar(select(UserSession.id).where(UserSession.user_id == alice.id))
    assert m.post(f"/compte/sessions/{target}/fermer").status_code == 404
    assert _signed_in(a) and _count(alice) == 1


def test_logout_everywhere_ends_every_session(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    clients = [app.test_client() for _ in range(3)]
    for c in clients:
        login(c, user)
    assert _count(user) == 3
    clients[0].post("/compte/deconnecter-partout")
    assert _count(user) == 0 and not any(_signed_in(c) for c in clients)


def test_inactivity_closes_a_session(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    browser = app.test_client()
    login(browser, user)
    days = int(app.config["SESSION_IDLE_DAYS"])
    old = db.utcnow() - timedelta(days=days, minutes=1)
    db.session.execute(update(UserSession).values(last_seen_at=old))
    db.session.commit()
    assert not _signed_in(browser)


def test_activity_is_recorded(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    browser = app.test_client()
    login(browser, user)
    old = db.utcnow() - timedelta(hours=1)
    db.session.execute(update(UserSession).values(last_seen_at=old))
    db.session.commit()
    assert _signed_in(browser)
    seen = db.session.scalar(select(UserSession.last_seen_at))
    assert seen is not None and seen > old + timedelta(minutes=30)


def test_password_change_and_suspension_end_sessions(app, make_user) -> None:  # type: ignore[no-untyped-def]
    from commons.moderation import members

    user, admin = make_user(), make_user(role="admin")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user)
    login(phone, user)
    new = "une toute nouvelle phrase"
    laptop.post(
        "/compte/mot-de-passe", data={"current": PASSWORD, "password": new, "password_confirm": new}
    )
    assert _count(user) == 1 and _signed_in(laptop) and not _signed_in(phone)
    members.suspend(admin, user, reason="Test", until=None)
    db.session.commit()
    assert _count(user) == 0 and not _signed_in(laptop)


def test_start_is_the_one_way_in(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    token = sessions.start(user, sessions.RequestInfo(user_agent=FIREFOX, ip="192.0.2.1"))
    db.session.commit()
    browser = app.test_client()
    with browser.session_transaction() as cookie:
        cookie["_user_id"] = token
        cookie["_fresh"] = True
    assert _signed_in(browser)
    row = db.session.scalar(select(UserSession))
    assert row.ip == "192.0.2.1" and row.user_agent == "Firefox sous Linux"
    assert token not in row.token_hash  # only the digest is stored
    sessions.end(token)
    db.session.commit()
    assert not _signed_in(browser)


def test_activity_is_recorded_on_a_writing_request_without_waiting(app, make_user) -> None:  # type: ignore[no-untyped-def]
    """A POST holds SQLite's write lock from its first statement: recording the activity must
    not wait for it on another connection (the busy timeout would stall the request)."""
    import time

    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 15000
    user = make_user()
    browser = app.test_client()
    login(browser, user)
    old = db.utcnow() - timedelta(hours=1)
    db.session.execute(update(UserSession).values(last_seen_at=old))
    db.session.commit()
    start = time.monotonic()
    response = browser.post("/notifications/tout-lu")
    assert response.status_code in (200, 302) and time.monotonic() - start < 5
    seen = db.session.scalar(select(UserSession.last_seen_at))
    assert seen is not None and seen > old + timedelta(minutes=30)
