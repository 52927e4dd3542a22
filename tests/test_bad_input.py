"""Bad input never gives a 500: numbers too large or not ASCII, dates out of range, NUL bytes
and bad ``Range`` headers get a French 404/400/416 page (issue 15)."""

from __future__ import annotations

import pytest

from commons.params import MAX_ID, day, number, optional_number

from .conftest import login

HUGE = "1" + "0" * 21


def test_number_accepts_only_ascii_digits_in_range() -> None:
    assert number("42") == 42
    assert number(" 7 ") == 7
    for bad in ("²", "٣", "-1", "1_000", "1e3", "", HUGE, str(MAX_ID + 1), "9" * 5000):
        assert optional_number(bad) is None, bad
    assert day("2026-02-28") is not None
    for bad in ("9999-12-31", "0001-01-01", "2026-02-30", "²026-01-01", "x" * 5000):
        assert day(bad) is None, bad


def _french_404(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        f"/forum/sujet/{HUGE}",
        f"/forum/sujet/{MAX_ID + 1}/message/1",
        f"/publication/{HUGE}",
        f"/animation/decisions/{HUGE}",
        f"/animation/contenu/post/{HUGE}",
        "/forum/sujet/%D9%A3",  # Arabic-Indic digit three
        "/forum/sujet/%C2%B2",
        "/groupes/%00",
        "/groupes/%00/espace",
        "/collectivites/%00",
        "/agents/%00",
        "/rex/a%00b",
    ],
)
def test_numbers_and_nul_in_paths_are_404(client, make_user, path) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user(role="admin"))
    _french_404(client.get(path))


@pytest.mark.parametrize(
    "path",
    [
        f"/notifications/?page={HUGE}",
        f"/animation/journal?page={HUGE}",
        f"/animation/journal?groupe={HUGE}",
        "/animation/journal?groupe=%C2%B2",
        "/animation/journal?au=9999-12-31&du=0001-01-01",
        "/animation/journal?acteur=a%00b",
        "/animation/journal.csv?au=9999-12-31&acteur=%00",
        f"/rex/?page={HUGE}",
        f"/rex/nouveau?groupe={HUGE}",
        f"/forum/?groupe={HUGE}",
        f"/forum/nouveau?groupe={HUGE}&categorie=%C2%B2",
        f"/collectivites/?page={HUGE}",
        "/recherche?q=a%00b",
        "/recherche?q=eau&annee=%C2%B2",
        f"/recherche?q=eau&annee={HUGE}&page={HUGE}",
        f"/communs/?page={'9' * 5000}",
    ],
)
def test_bad_query_strings_are_not_server_errors(client, make_user, path) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user(role="admin"))
    response = client.get(path)
    assert response.status_code < 500, response.status_code


def test_anonymous_search_with_nul_is_answered(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/recherche?q=a%00b")
    assert response.status_code == 200


def test_unicode_digits_in_form_fields_are_refused_cleanly(  # type: ignore[no-untyped-def]
    client, make_user, make_group
) -> None:
    user = make_user()
    group = make_group(members=(user,))
    login(client, user)
    posted = client.post(
        "/forum/nouveau",
        data={"title": "Un sujet", "body": "Un message assez long.", "category": "²"},
    )
    assert posted.status_code < 500
    posted = client.post(
        "/rex/nouveau",
        data={
            "title": "Un retour",
            "body": "Texte",
            "space": f"group:{HUGE}",
            "collectivites": ["²"],
        },
    )
    assert posted.status_code < 500
    assert group.id


def test_quoting_a_huge_message_number(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    from commons import db
    from commons.forum import services as forum

    user = make_user()
    group = make_group(members=(user,))
    thread = forum.create_thread(
        user, title="Sujet", body="Premier message", space="group", group_id=group.id
    )
    db.session.commit()
    login(client, user)
    assert client.get(f"/forum/sujet/{thread.id}?citer={HUGE}").status_code == 200
    assert client.get(f"/forum/sujet/{thread.id}?page={HUGE}").status_code == 200  # page 1
    assert client.get(f"/forum/sujet/{thread.id}?page=99999").status_code == 404


def test_bad_range_on_the_archive_and_static_files_gets_the_french_page(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/communs/export.zip", "/static/commons.css"):
        with client.get(path) as ok:
            assert ok.status_code == 200, path
            size = len(ok.data)
        with client.get(path, headers={"Range": f"bytes={size + 10}-{size + 20}"}) as bad:
            assert bad.status_code == 416, path
            assert "Plage demandée invalide" in bad.get_data(as_text=True)
            assert bad.headers["Content-Range"] == f"bytes */{size}"
        with client.get(path, headers={"Range": "bytes=0-3"}) as part:
            assert part.status_code == 206


def test_following_a_huge_target_id_is_refused(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    for target in (HUGE, "-1", "²"):
        response = client.post(
            "/notifications/suivre",
            data={"target_type": "thread", "target_id": target, "level": "all"},
        )
        assert response.status_code < 500, target
