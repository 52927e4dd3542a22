"""Forum: Agora, threads, replies, quotes, edits with history, soft deletion, permalinks,
pagination with bounded queries, pin/lock, group forums, REX talk and confidentiality."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from commons import db
from commons.forum import services
from commons.forum.models import Category, Post, PostEdit, Thread
from commons.wiki import services as wiki_services

from .conftest import login

BODY = "Bonjour à tous,\n\ncomment avez-vous organisé le vote ?"


@contextmanager
def counting(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    engine = app.extensions["commons.engine"]
    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture
def make_thread(app, make_user):  # type: ignore[no-untyped-def]
    def make(author=None, group=None, title="Budget participatif : le vote", body=BODY, **kw):  # type: ignore[no-untyped-def]
        author = author or make_user()
        thread = services.create_thread(
            author,
            title=title,
            body=body,
            space="group" if group else "network",
            group_id=group.id if group else None,
            **kw,
        )
        db.session.commit()
        return thread

    return make


def big_thread(author, count: int, title: str = "Très longue discussion") -> Thread:  # type: ignore[no-untyped-def]
    """A thread of ``count`` posts inserted directly (not through the rate-limited service)."""
    thread = Thread(title=title, space="network", author_id=author.id)
    db.session.add(thread)
    db.session.flush()
    db.session.execute(
        Post.__table__.insert(),
        [
            {
                "thread_id": thread.id,
                "number": n,
                "author_id": author.id,
                "source": f"Message numéro {n}",
                "html": f"<p>Message numéro {n}</p>",
                "created_at": db.utcnow(),
                "hidden": False,
            }
            for n in range(1, count + 1)
        ],
    )
    thread.last_post_number = thread.post_count = count
    db.session.commit()
    return thread


def test_anonymous_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/forum/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_create_thread_and_read_it(client, make_user) -> None:  # type: ignore[no-untyped-def]
    facilitator = make_user(role="facilitator")
    category = services.create_category(facilitator, name="Participation citoyenne")
    db.session.commit()
    author = make_user(name="Rémi Durand")
    login(client, author)
    form = client.get(f"/forum/nouveau?categorie={category.id}").get_data(as_text=True)
    assert 'label for="title"' in form and f'selected value="{category.id}"' in form
    response = client.post(
        f"/forum/nouveau?categorie={category.id}",
        data={"title": "Le vote en ligne", "body": "**Bonjour**", "category": str(category.id)},
    )
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread).where(Thread.title == "Le vote en ligne"))
    assert thread.category_id == category.id and thread.last_post_number == 1
    page = client.get(f"/forum/sujet/{thread.id}").get_data(as_text=True)
    assert "<strong>Bonjour</strong>" in page and 'id="m1"' in page and "Rémi Durand" in page
    index = client.get("/forum/").get_data(as_text=True)
    assert "Participation citoyenne" in index and "Le vote en ligne" in index
    assert "Discussions récentes" in index and "Ajouter une catégorie" not in index


def test_facilitator_adds_a_category(client, make_user) -> None:  # type: ignore[no-untyped-def]
    facilitator, agent = make_user(role="facilitator"), make_user()
    login(client, facilitator)
    assert "Ajouter une catégorie" in client.get("/forum/").get_data(as_text=True)
    client.post("/forum/categories", data={"name": "Mobilités", "description": "Vélo, bus"})
    assert db.session.scalar(select(Category.name)) == "Mobilités"
    client.post("/deconnexion")
    login(client, agent)
    assert client.post("/forum/categories", data={"name": "Autre"}).status_code == 403


def test_new_thread_errors_keep_the_text(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    page = client.post("/forum/nouveau", data={"title": "Ok", "body": "Mon texte"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Entre 3 et 200 caractères." in html
    assert "Mon texte" in html
    html = client.post("/forum/nouveau", data={"title": "Un bon titre", "body": "  "}).get_data(
        as_text=True
    )
    assert "Le message est vide." in html and 'value="Un bon titre"' in html
    big = "é" * (26 * 1024)  # 52 KB in UTF-8
    html = client.post("/forum/nouveau", data={"title": "Un bon titre", "body": big}).get_data(
        as_text=True
    )
    assert "Le message dépasse 50 Ko" in html and big in html
    assert db.session.scalar(select(func.count(Thread.id))) == 0


def test_rate_limit_gives_a_french_message(app, client, make_user, make_thread) -> None:  # type: ignore[no-untyped-def]
    app.config["FORUM_POSTS_PER_MINUTE"] = 2
    author = make_user()
    thread = make_thread(author=author)  # first post counts
    login(client, author)
    assert client.post(f"/forum/sujet/{thread.id}/repondre", data={"body": "Un"}).status_code == 302
    response = client.post(f"/forum/sujet/{thread.id}/repondre", data={"body": "Texte gardé"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "patientez une minute" in html
    assert "Texte gardé" in html
    assert db.session.get(Thread, thread.id).post_count == 2


def test_reply_quote_and_permalink(client, make_user, make_thread) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(name="Alice Martin"), make_user()
    thread = make_thread(author=alice, body="Première ligne\nDeuxième ligne")
    login(client, bob)
    page = client.get(f"/forum/sujet/{thread.id}?citer=1").get_data(as_text=True)
    assert "&gt; **Alice Martin** a écrit :\n&gt; Première ligne\n&gt; Deuxième ligne\n\n" in page
    response = client.post(f"/forum/sujet/{thread.id}/repondre", data={"body": "Merci !"})
    assert response.headers["Location"].endswith(f"/forum/sujet/{thread.id}/message/2")
    target = client.get(f"/forum/sujet/{thread.id}/message/2").headers["Location"]
    assert target.endswith(f"/forum/sujet/{thread.id}?page=1#m2")
    assert client.get(f"/forum/sujet/{thread.id}/message/3").status_code == 404


def test_edit_keeps_history_visible_to_moderators_only(client, make_user, make_thread) -> None:  # type: ignore[no-untyped-def]
    author, other, facilitator = make_user(), make_user(), make_user(role="facilitator")
    thread = make_thread(author=author, body="Version une")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    login(client, other)
    assert client.get(f"/forum/message/{post.id}/modifier").status_code == 403
    assert client.post(f"/forum/message/{post.id}/modifier", data={"body": "X"}).status_code == 403
    client.post("/deconnexion")
    login(client, author)
    assert "Version une" in client.get(f"/forum/message/{post.id}/modifier").get_data(as_text=True)
    client.post(f"/forum/message/{post.id}/modifier", data={"body": "Version deux", "base": "0"})
    assert db.session.get(Post, post.id).source == "Version deux"
    assert db.session.scalar(select(PostEdit.source_before)) == "Version une"
    page = client.get(f"/forum/sujet/{thread.id}").get_data(as_text=True)
    assert "modifié" in page and "historique" not in page
    assert client.get(f"/forum/message/{post.id}/historique").status_code == 403
    client.post("/deconnexion")
    login(client, facilitator)
    assert "historique" in client.get(f"/forum/sujet/{thread.id}").get_data(as_text=True)
    history = client.get(f"/forum/message/{post.id}/historique").get_data(as_text=True)
    assert "Version une" in history and "Version deux" in history


def test_soft_delete_and_hidden_posts(client, make_user, make_thread) -> None:  # type: ignore[no-untyped-def]
    author, other, facilitator = make_user(), make_user(), make_user(role="facilitator")
    thread = make_thread(author=author, body="Texte secret")
    services.reply(other, thread, "Texte masqué")
    db.session.commit()
    first, second = db.session.scalars(select(Post).order_by(Post.number)).all()
    second.hidden = True
    db.session.commit()
    login(client, other)
    assert client.post(f"/forum/message/{first.id}/supprimer").status_code == 403
    client.post("/deconnexion")
    login(client, author)
    assert client.post(f"/forum/message/{first.id}/supprimer").status_code == 302
    assert db.session.get(Post, first.id).deleted_at is not None
    page = client.get(f"/forum/sujet/{thread.id}").get_data(as_text=True)
    assert "Message supprimé par son auteur." in page and "Texte secret" not in page
    assert "Message masqué par l'animation." in page and "Texte masqué" not in page
    client.post("/deconnexion")
    login(client, facilitator)
    page = client.get(f"/forum/sujet/{thread.id}").get_data(as_text=True)
    assert "Texte masqué" in page and "Texte secret" not in page


def test_locked_thread_refuses_replies(client, make_user, make_thread) -> None:  # type: ignore[no-untyped-def]
    facilitator, agent = make_user(role="facilitator"), make_user()
    thread = make_thread(author=agent)
    login(client, agent)
    assert (
        client.post(f"/forum/sujet/{thread.id}/drapeaux", data={"locked": "1"}).status_code == 403
    )
    client.post("/deconnexion")
    login(client, facilitator)
    assert "Verrouiller" in client.get(f"/forum/sujet/{thread.id}").get_data(as_text=True)
    client.post(f"/forum/sujet/{thread.id}/drapeaux", data={"locked": "1", "pinned": "1"})
    assert db.session.get(Thread, thread.id).locked and db.session.get(Thread, thread.id).pinned
    client.post("/deconnexion")
    login(client, agent)
    html = client.get(f"/forum/sujet/{thread.id}").get_data(as_text=True)
    assert "Épinglée" in html and "Verrouillée" in html and "Publier la réponse" not in html
    response = client.post(f"/forum/sujet/{thread.id}/repondre", data={"body": "Encore moi"})
    assert "Cette discussion est verrouillée" in response.get_data(as_text=True)
    assert db.session.get(Thread, thread.id).post_count == 1


def test_pagination_and_bounded_queries(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    small, big = big_thread(author, 5, "Petite"), big_thread(author, 5000, "Grande")
    login(client, author)
    counts = {}
    for name, url in [
        ("small", f"/forum/sujet/{small.id}"),
        ("big-first", f"/forum/sujet/{big.id}"),
        ("big-last", f"/forum/sujet/{big.id}?page=250"),
    ]:
        client.get(url)  # the first view creates the read marker
        with counting(app) as statements:
            html = client.get(url).get_data(as_text=True)
        counts[name] = len(statements)
        if name == "big-last":
            assert 'id="m4981"' in html and 'id="m5000"' in html and 'id="m4980"' not in html
        if name == "big-first":
            assert 'id="m20"' in html and 'id="m21"' not in html
    assert counts["small"] == counts["big-first"] == counts["big-last"], counts
    assert client.get(f"/forum/sujet/{big.id}?page=251").status_code == 404
    location = client.get(f"/forum/sujet/{big.id}/message/41").headers["Location"]
    assert location.endswith("?page=3#m41")


def test_long_thread_pager_is_a_window_and_every_link_works(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    author, reader = make_user(), make_user()
    big = big_thread(author, 5000, "Grande")
    login(client, reader)
    html = client.get(f"/forum/sujet/{big.id}?page=125").get_data(as_text=True)
    pager = html[html.index('aria-label="Pages de la discussion"') :]
    pager = pager[: pager.index("</nav>")]
    pages = re.findall(r'href="([^"]+)"', pager)
    numbers = [int(n) for n in re.findall(r"page=(\d+)", " ".join(pages))]
    # first, previous, 123..127 around the current one, next, last: not 250 links
    assert sorted(set(numbers)) == [1, 123, 124, 126, 127, 250]
    assert 'aria-current="page">Page 125<' in pager and "…" in pager
    for href in pages:
        assert client.get(href).status_code == 200, href
    permalink = re.search(r'<a href="([^"]+)">Message 2481<', html)
    assert permalink is not None
    assert client.get(permalink.group(1)).headers["Location"].endswith("?page=125#m2481")
    quote = re.search(
        r'<a href="([^"]+)">Citer<span class="visually-hidden"> le message 2490<', html
    )
    assert quote is not None
    form = client.get(quote.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Message numéro 2490" in form and 'id="repondre"' in form
    report = re.search(r'<a class="moderation-report" href="([^"]+)">Signaler', html)
    assert report is not None and client.get(report.group(1)).status_code == 200


def test_seeing_a_page_again_writes_nothing(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    author, reader = make_user(), make_user()
    thread = big_thread(author, 30, "Relue")
    login(client, reader)
    url = f"/forum/sujet/{thread.id}"
    with counting(app) as first:
        client.get(url)
    assert any("thread_read" in s and s.startswith("INSERT") for s in first)
    with counting(app) as again:
        client.get(url)
    assert not [s for s in again if s.split()[0] in ("INSERT", "UPDATE", "DELETE")], again
    assert "BEGIN IMMEDIATE" not in again
    with counting(app) as further:
        client.get(url + "?page=2")  # reading on moves the marker
    assert any(s.startswith("UPDATE thread_read") for s in further)


def test_index_queries_are_bounded(app, client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    user, facilitator = make_user(), make_user(role="facilitator")
    group = make_group(members=(user,))
    login(client, user)

    def add(n: int) -> None:
        for i in range(n):
            category = Category(slug=f"c{i}-{n}", name=f"Catégorie {i}-{n}", position=i)
            db.session.add(category)
            db.session.flush()
            for j in range(3):
                db.session.add(Thread(title=f"S {i}{j}", space="network", category_id=category.id))
                db.session.add(Thread(title=f"G {i}{j}", space="group", group_id=group.id))
        db.session.commit()

    add(1)
    with counting(app) as few:
        client.get("/forum/")
    add(6)
    with counting(app) as many:
        html = client.get("/forum/").get_data(as_text=True)
    assert "Catégorie 5-6" in html
    assert len(few) == len(many), (few, many)
    assert facilitator  # unused, keeps a second account in the network


def test_unread_markers(client, make_user, make_thread) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    thread = make_thread(author=alice)
    login(client, bob)
    assert "forum-unread" in client.get("/forum/").get_data(as_text=True)
    client.get(f"/forum/sujet/{thread.id}")
    assert "forum-unread" not in client.get("/forum/").get_data(as_text=True)
    services.reply(alice, db.session.get(Thread, thread.id), "Du nouveau")
    db.session.commit()
    assert "forum-unread" in client.get("/forum/").get_data(as_text=True)


def test_group_thread_is_confidential(client, make_user, make_group, make_thread) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user(role="facilitator")
    group = make_group(members=(member,))
    thread = make_thread(author=member, group=group, title="Sujet très confidentiel")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    urls = [
        ("get", f"/forum/sujet/{thread.id}"),
        ("get", f"/forum/sujet/{thread.id}/message/1"),
        ("post", f"/forum/sujet/{thread.id}/repondre"),
        ("get", f"/forum/message/{post.id}/modifier"),
        ("post", f"/forum/message/{post.id}/modifier"),
        ("post", f"/forum/message/{post.id}/supprimer"),
        ("get", f"/forum/message/{post.id}/historique"),
        ("post", f"/forum/sujet/{thread.id}/drapeaux"),
    ]
    for method, url in urls:  # anonymous: sent to the login page, nothing shown
        response = getattr(client, method)(url, data={"body": "intrus", "pinned": "1"})
        assert response.status_code == 302 and "/connexion" in response.headers["Location"], url
    login(client, outsider)
    for method, url in urls:
        response = getattr(client, method)(url, data={"body": "intrus", "pinned": "1"})
        assert response.status_code == 404, url
        assert "Sujet très confidentiel" not in response.get_data(as_text=True)
    assert "Sujet très confidentiel" not in client.get("/forum/").get_data(as_text=True)
    assert client.get(f"/forum/nouveau?groupe={group.id}").status_code == 403
    thread = db.session.get(Thread, thread.id)
    assert thread.post_count == 1 and not thread.pinned
    client.post("/deconnexion")
    login(client, member)
    assert "Sujet très confidentiel" in client.get("/forum/").get_data(as_text=True)
    private = client.get(f"/groupes/{group.slug}/espace").get_data(as_text=True)
    assert "Forum du groupe" in private and "Sujet très confidentiel" in private
    assert f"/forum/nouveau?groupe={group.id}" in private


def test_moderation_belongs_to_the_space(client, make_user, make_group, make_thread) -> None:  # type: ignore[no-untyped-def]
    fac_a, fac_b = make_user(role="facilitator"), make_user(role="facilitator")
    group_a = make_group(facilitator=fac_a)
    group_b = make_group(facilitator=fac_b, members=(fac_a,))  # fac_a is a plain member of B
    thread_b = make_thread(author=fac_b, group=group_b)
    login(client, fac_a)
    assert "Épingler" not in client.get(f"/forum/sujet/{thread_b.id}").get_data(as_text=True)
    response = client.post(f"/forum/sujet/{thread_b.id}/drapeaux", data={"pinned": "1"})
    assert response.status_code == 403 and not db.session.get(Thread, thread_b.id).pinned
    thread_a = make_thread(author=fac_a, group=group_a)
    client.post(f"/forum/sujet/{thread_a.id}/drapeaux", data={"pinned": "1"})
    assert db.session.get(Thread, thread_a.id).pinned
    client.post("/deconnexion")
    login(client, fac_b)
    client.post(f"/forum/sujet/{thread_b.id}/drapeaux", data={"pinned": "1"})
    assert db.session.get(Thread, thread_b.id).pinned


def test_group_member_creates_a_group_thread(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member = make_user()
    group = make_group(members=(member,))
    login(client, member)
    response = client.post(
        f"/forum/nouveau?groupe={group.id}", data={"title": "Entre nous", "body": "Texte"}
    )
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread))
    assert thread.space == "group" and thread.group_id == group.id and thread.category_id is None


def _rex(author, group=None):  # type: ignore[no-untyped-def]
    rex = wiki_services.create_rex(
        author,
        title="Budget participatif à Bègles",
        body="## Contexte\n\nUn budget.\n",
        space="group" if group else "network",
        group_id=group.id if group else None,
    )
    db.session.commit()
    return rex


def test_rex_talk_is_created_with_its_first_message(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author, reader = make_user(), make_user()
    rex = _rex(author)
    login(client, reader)
    assert "/forum/rex/" in client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    page = client.get(f"/forum/rex/{rex.slug}").get_data(as_text=True)
    assert "Ouvrir la discussion" in page
    assert db.session.scalar(select(func.count(Thread.id))) == 0
    html = client.post(f"/forum/rex/{rex.slug}", data={"body": " "}).get_data(as_text=True)
    assert "Le message est vide." in html
    assert db.session.scalar(select(func.count(Thread.id))) == 0
    response = client.post(f"/forum/rex/{rex.slug}", data={"body": "Quel budget ?"})
    thread = db.session.scalar(select(Thread).where(Thread.rex_id == rex.id))
    assert response.headers["Location"].endswith(f"/forum/sujet/{thread.id}")
    assert thread.post_count == 1
    assert (
        client.get(f"/forum/rex/{rex.slug}")
        .headers["Location"]
        .endswith(f"/forum/sujet/{thread.id}")
    )
    client.post(f"/forum/rex/{rex.slug}", data={"body": "Et la suite ?"})
    assert db.session.get(Thread, thread.id).post_count == 2


def test_rex_talk_of_a_group_rex_is_hidden_from_outsiders(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    rex = _rex(member, group)
    thread = services.talk_thread(rex, create_for=member)
    services.reply(member, thread, "Discussion privée")
    db.session.commit()
    login(client, outsider)
    assert client.get(f"/forum/rex/{rex.slug}").status_code == 404
    assert client.post(f"/forum/rex/{rex.slug}", data={"body": "x"}).status_code == 404
    assert client.get(f"/forum/sujet/{thread.id}").status_code == 404
    assert "Discussion : " not in client.get("/forum/").get_data(as_text=True)


def test_reply_through_the_web_emails_watchers_immediately(
    app, client, make_user, make_group
) -> None:  # type: ignore[no-untyped-def]
    from commons.forum import services as forum

    from .conftest import outbox

    author, member, outsider = make_user(), make_user(), make_user()
    group = make_group(members=(author, member))
    thread = forum.create_thread(
        author,
        title="Budget participatif : bilan",
        body="Premier.",
        space="group",
        group_id=group.id,
    )
    db.session.commit()
    login(client, member)
    client.post(f"/forum/sujet/{thread.id}/repondre", data={"body": f"Merci @{author.handle} !"})
    mails = [
        m
        for m in outbox(app)
        if "Budget participatif" in str(m["Subject"])
        or "Budget participatif" in m.get_body(preferencelist=("plain",)).get_content()
    ]
    assert [m["To"] for m in mails] == [author.email]
    assert all(m["To"] != outsider.email for m in outbox(app))


def test_categories_are_managed_by_network_facilitators(client, make_user) -> None:  # type: ignore[no-untyped-def]
    facilitator, agent = make_user(role="facilitator"), make_user()
    first = services.create_category(facilitator, name="Mobilité")
    second = services.create_category(facilitator, name="Énergie")
    thread = services.create_thread(
        agent, title="Covoiturage rural", body="x", space="network", category_id=first.id
    )
    db.session.commit()
    login(client, agent)
    assert client.post(f"/forum/categories/{second.id}/monter").status_code == 403
    assert client.post(f"/forum/categories/{first.id}/supprimer").status_code == 403
    client.post("/deconnexion")
    login(client, facilitator)
    client.post(f"/forum/categories/{second.id}/monter")
    order = list(db.session.scalars(select(Category.name).order_by(Category.position)))
    assert order == ["Énergie", "Mobilité"]
    client.post(f"/forum/categories/{first.id}/supprimer")
    db.session.refresh(thread)
    assert thread.category_id is None and db.session.get(Thread, thread.id) is not None
    assert "Covoiturage rural" in client.get("/forum/").get_data(as_text=True)


def test_new_thread_in_an_unlisted_group_is_404_for_outsiders(
    client, make_user, make_group
) -> None:  # type: ignore[no-untyped-def]
    outsider = make_user()
    group = make_group(listed=False)
    login(client, outsider)
    assert client.get(f"/forum/nouveau?groupe={group.id}").status_code == 404
