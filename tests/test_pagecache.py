"""Page cache for visitors: served from memory, invalidated by the commit that changes content,
never for signed-in members, never leaking what was made private."""

from __future__ import annotations

import time

from flask import Flask, session
from sqlalchemy import update

from commons import create_app, db
from commons.accounts.models import User
from commons.forum import services as forum
from commons.moderation import services as moderation
from commons.moderation import targets
from commons.notifications import reading
from commons.pagecache import ContentGeneration, Entry, Store, for_visitors, generation
from commons.wiki import services as wiki
from commons.wiki.models import Rex

from .conftest import login
from .public_commons import CANARY, QueryCounter, make_rex

PUBLIC_PATHS = ("/rex/", "/communs/", "/communs/flux.atom", "/api/v1/rex", "/")


def store(app: Flask) -> Store:
    return app.extensions["commons.pagecache"]


def test_second_visit_is_served_from_memory_with_one_query(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Cantine bio à Bègles")
    path = f"/rex/{rex.slug}"
    first = client.get(path)
    assert first.status_code == 200 and "Cantine bio" in first.get_data(as_text=True)
    with QueryCounter(app) as queries:
        again = client.get(path)
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    selects = [s for s in queries.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "content_generation" in selects[0]
    assert store(app).hits == 1


def test_visitors_get_no_cookie_so_public_pages_can_be_stored(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Sans cookie", themes=["culture"])
    paths = (f"/rex/{rex.slug}", "/rex/?theme=culture", f"/api/v1/rex/{rex.slug}", *PUBLIC_PATHS)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, path
    hits = store(app).hits
    for path in paths:
        client.get(path)
    assert store(app).hits == hits + len(paths)


def test_an_edit_is_visible_at_once(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = make_rex(author, "Compostage partagé")
    assert "Première version" not in client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    before = generation()
    wiki.save(author, rex, base=rex.head, body="## Bilan\n\nPremière version publiée.\n")
    db.session.commit()
    assert generation() == before + 1
    assert "Première version publiée" in client.get(f"/rex/{rex.slug}").get_data(as_text=True)


def test_hidden_disappears_from_every_cached_public_page(  # type: ignore[no-untyped-def]
    app, client, make_user
) -> None:
    # A public REX never becomes private (the commons is irrevocable): moderation hides it.
    author, moderator = make_user(), make_user(role="facilitator")
    rex = make_rex(author, f"Bientôt masqué {CANARY}")
    for path in (f"/rex/{rex.slug}", f"/api/v1/rex/{rex.slug}", *PUBLIC_PATHS):
        assert client.get(path).status_code == 200
    assert CANARY in client.get("/rex/").get_data(as_text=True)  # now stored
    moderation.hide(moderator, targets.of(rex), "Demande de retrait")
    db.session.commit()
    assert "masqué par l'animation" in client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    assert client.get(f"/api/v1/rex/{rex.slug}").status_code == 404
    for path in PUBLIC_PATHS:
        assert CANARY not in client.get(path).get_data(as_text=True), path


def test_hidden_by_moderation_disappears(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Masqué bientôt", body=f"Texte {CANARY}")
    path = f"/rex/{rex.slug}"
    assert CANARY in client.get(path).get_data(as_text=True)
    assert CANARY in client.get(path).get_data(as_text=True)  # served from memory
    rex.hidden = True
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert CANARY not in page and "masqué par l'animation" in page.replace("&#39;", "'")


def test_bulk_statement_bumps_the_generation(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Titre avant")
    client.get(f"/rex/{rex.slug}")
    db.session.execute(update(Rex).where(Rex.id == rex.id).values(summary="Résumé en masse"))
    db.session.commit()
    assert "Résumé en masse" in client.get(f"/rex/{rex.slug}").get_data(as_text=True)


def test_rollback_and_per_user_state_do_not_bump(app, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    thread = forum.create_thread(author, title="Sujet", body="Bonjour", space="network")
    db.session.commit()
    before = generation()
    rex = make_rex(author, "Annulé")
    assert generation() == before + 1
    rex.title = "Jamais enregistré"
    db.session.flush()
    db.session.rollback()
    reading.mark_read(author, thread, 1)
    db.session.commit()
    assert generation() == before + 1


def test_login_alone_does_not_empty_the_cache(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    before = generation()
    member = app.test_client()
    assert login(member, user).status_code == 302
    assert generation() == before


def test_members_never_get_the_visitors_page(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Page partagée")
    client.get(f"/rex/{rex.slug}")
    client.get(f"/rex/{rex.slug}")  # stored and served to visitors
    reader = make_user(name="Dominique Lectrice")
    member = app.test_client()
    login(member, reader)
    page = member.get(f"/rex/{rex.slug}").get_data(as_text=True)
    assert "Dominique Lectrice" in page and "Se déconnecter" in page
    visitor = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    assert "Dominique Lectrice" not in visitor and "Se connecter" in visitor


def test_conditional_get_and_head_on_a_stored_page(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user(), "Conditionnel")
    etag = client.get(f"/rex/{rex.slug}").headers["ETag"]
    hits = store(app).hits
    not_modified = client.get(f"/rex/{rex.slug}", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    weak = client.get(f"/rex/{rex.slug}", headers={"If-None-Match": f'W/{etag}, "autre"'})
    assert weak.status_code == 304  # weak comparison, lists: Werkzeug's rules
    other = client.get(f"/rex/{rex.slug}", headers={"If-None-Match": '"autre-version"'})
    assert other.status_code == 200 and other.get_data()
    head = client.head(f"/rex/{rex.slug}")
    assert head.status_code == 200 and head.get_data() == b""
    assert store(app).hits == hits + 4


def test_stored_feed_answers_if_modified_since(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_rex(make_user(), "Dans le flux")
    first = client.get("/communs/flux.atom")
    stamp = first.headers["Last-Modified"]
    again = client.get("/communs/flux.atom", headers={"If-Modified-Since": stamp})
    assert again.status_code == 304 and store(app).hits == 1


def test_errors_and_unmarked_views_are_not_stored(app, client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/rex/nexiste-pas").status_code == 404
    client.get("/rex/nexiste-pas")
    client.get("/recherche?q=cantine")
    client.get("/recherche?q=cantine")
    assert store(app).hits == 0


def test_a_response_that_sets_a_cookie_is_not_stored(app, client) -> None:  # type: ignore[no-untyped-def]
    @for_visitors
    def flashy() -> str:
        session["vu"] = True
        return "<p>Bonjour</p>"

    app.add_url_rule("/essai-cookie", "essai_cookie", flashy)
    first = client.get("/essai-cookie", headers={"Cookie": ""})
    assert "Set-Cookie" in first.headers
    fresh = app.test_client()
    fresh.get("/essai-cookie")
    assert store(app).hits == 0


def test_expired_entries_are_rendered_again(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    store(app).ttl = -1
    rex = make_rex(make_user(), "Expiré")
    client.get(f"/rex/{rex.slug}")
    client.get(f"/rex/{rex.slug}")
    assert store(app).hits == 0 and store(app).misses == 2


def test_cache_can_be_disabled(app_config) -> None:  # type: ignore[no-untyped-def]
    app = create_app({**app_config, "PAGE_CACHE_MB": 0})
    assert "commons.pagecache" not in app.extensions
    app.extensions["commons.engine"].dispose()


def test_two_servers_sharing_the_database_stay_coherent(  # type: ignore[no-untyped-def]
    app, app_config, client, make_user
) -> None:
    author = make_user()
    rex = make_rex(author, "Deux serveurs")
    path, ids = f"/rex/{rex.slug}", (author.id, rex.id)
    client.get(path)
    db.session.commit()  # this test's own transaction ends: the other server may write
    other = create_app(app_config)  # a second server: its own memory, the same database
    try:
        with other.app_context():
            editor, copy = db.session.get(User, ids[0]), db.session.get(Rex, ids[1])
            wiki.save(editor, copy, base=copy.head, body="Modifié sur l'autre serveur.\n")
            db.session.commit()
            db.session.remove()
    finally:
        other.extensions["commons.engine"].dispose()
    page = client.get(path).get_data(as_text=True)
    assert "Modifié sur l&#39;autre serveur" in page or "Modifié sur l'autre serveur" in page


def test_store_is_bounded_and_least_recently_used_goes_first() -> None:
    lru = Store(max_bytes=8 * 100, ttl=60)

    def entry(size: int) -> Entry:
        return Entry(1, time.monotonic(), "200 OK", [], b"x" * size)

    for name in "abcdefgh":
        lru.put(name, entry(100))
    assert lru.get("a") is not None  # a is now the most recent
    lru.put("i", entry(100))
    assert lru.get("b") is None and lru.get("a") is not None and lru.get("i") is not None
    lru.put("huge", entry(500))  # more than an eighth of the store: never stored
    assert lru.get("huge") is None


def test_generation_row_is_created_when_missing(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    db.session.execute(ContentGeneration.__table__.delete())
    db.session.commit()
    assert generation() == 0
    rex = make_rex(author, "Première modification")
    assert generation() == 1
    assert client.get(f"/rex/{rex.slug}").status_code == 200
