"""No account oracle (issue 15): registration, password reset and confirmation resend answer the
same page and do the same work whether or not the address has an account. The work is counted
(password hashes, SQL statements), not timed; mail leaves after the response."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from commons import db
from commons.accounts import enrolment, passwords
from commons.accounts.models import User

from .conftest import outbox

STRONG = "une phrase de passe solide"


def _registration(coll_id: int, email: str, password: str = STRONG) -> dict[str, Any]:
    return {
        "email": email,
        "display_name": "Claire Dubois",
        "job_title": "Cheffe de projet",
        "collectivite": str(coll_id),
        "password": password,
        "password_confirm": password,
        "accept_charter": "y",
    }


@contextmanager
def counting(app, monkeypatch) -> Iterator[dict[str, int]]:  # type: ignore[no-untyped-def]
    """Count password hashes and SQL statements run while the block runs (all connections)."""
    counts = {"hash": 0, "sql": 0}
    real_hash = passwords.hash_password

    def hash_password(password: str) -> str:
        counts["hash"] += 1
        return real_hash(password)

    def on_execute(*_args: Any) -> None:
        counts["sql"] += 1

    monkeypatch.setattr(enrolment, "hash_password", hash_password)
    engine = app.extensions["commons.engine"]
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def _same_page(a: Any, b: Any, email_a: str, email_b: str) -> None:
    assert a.status_code == b.status_code
    assert a.get_data(as_text=True).replace(email_a, "X") == b.get_data(as_text=True).replace(
        email_b, "X"
    )


def test_a_too_simple_password_gets_the_same_answer_for_any_address(  # type: ignore[no-untyped-def]
    app, client, make_user, make_collectivite
) -> None:
    existing = make_user(email="paul.martin@exemple.fr")
    coll = make_collectivite()
    weak = "aaaaaaaaaaaa"
    taken = client.post("/inscription", data=_registration(coll.id, existing.email, weak))
    free = client.post("/inscription", data=_registration(coll.id, "libre@exemple.fr", weak))
    _same_page(taken, free, existing.email, "libre@exemple.fr")
    assert "Le mot de passe est trop simple" in taken.get_data(as_text=True)
    assert "Vérifiez votre messagerie" not in taken.get_data(as_text=True)
    assert outbox(app) == []
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_registration_does_the_same_work_for_a_taken_address(  # type: ignore[no-untyped-def]
    app, client, make_user, make_collectivite, monkeypatch
) -> None:
    existing = make_user(email="paul.martin@exemple.fr")
    coll = make_collectivite()
    client.post("/inscription", data=_registration(coll.id, "premier@exemple.fr"))  # warm-up
    with counting(app, monkeypatch) as taken_work:
        taken = client.post("/inscription", data=_registration(coll.id, existing.email))
    with counting(app, monkeypatch) as free_work:
        free = client.post("/inscription", data=_registration(coll.id, "libre@exemple.fr"))
    _same_page(taken, free, existing.email, "libre@exemple.fr")
    assert "Vérifiez votre messagerie" in free.get_data(as_text=True)
    assert taken_work["hash"] == free_work["hash"] == 1
    # The new account's INSERT and the page cache's generation bump that follows it.
    assert 0 <= free_work["sql"] - taken_work["sql"] <= 2
    subjects = {m["To"]: m["Subject"] for m in outbox(app)[1:]}
    assert subjects == {
        existing.email: "Vous avez déjà un compte",
        "libre@exemple.fr": "Confirmez votre adresse électronique",
    }


@pytest.mark.parametrize(
    ("path", "page"),
    [("/mot-de-passe-oublie", "reset_sent"), ("/inscription/renvoyer", "registered")],
)
def test_reset_and_resend_do_the_same_work_for_any_address(  # type: ignore[no-untyped-def]
    app, client, make_user, monkeypatch, path, page
) -> None:
    confirmed = make_user(email="connu@exemple.fr")
    pending = make_user(email="attente@exemple.fr", confirmed=False)
    client.post(path, data={"email": "premier@exemple.fr"})  # warm-up (search queue, caches)
    answers, work = {}, {}
    for email in (confirmed.email, pending.email, "inconnu@exemple.fr"):
        with counting(app, monkeypatch) as counts:
            answers[email] = client.post(path, data={"email": email})
        work[email] = counts["sql"]
    first = confirmed.email
    for email, response in answers.items():
        _same_page(answers[first], response, first, email)
        assert work[email] == work[first], (email, work)
    sent = [m["To"] for m in outbox(app)]
    if page == "reset_sent":
        assert sorted(sent) == sorted([confirmed.email, pending.email])
    else:
        assert sent == [pending.email]


def test_mail_leaves_after_the_response(app, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    """An unbuffered response (a server still writing it) has not sent the mail yet."""
    coll = make_collectivite()
    client = app.test_client()
    response = client.post(
        "/inscription", data=_registration(coll.id, "libre@exemple.fr"), buffered=False
    )
    assert response.status_code == 200 and outbox(app) == []
    response.close()
    assert [m["To"] for m in outbox(app)] == ["libre@exemple.fr"]
