"""REX wiki: creation from the template, revisions with no lost edit, renames, spaces, licences,
derivations, confidentiality and bad input."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from commons import db
from commons.wiki import audience, services
from commons.wiki.models import Event, Revision, Rex

from .conftest import login

BODY = (
    "## Contexte\n\nUn budget participatif.\n\n## Démarche\n\nVote en ligne.\n\n## Bilan\n\nBien.\n"
)


@pytest.fixture
def make_rex(app, make_user):  # type: ignore[no-untyped-def]
    def make(author=None, space="network", group=None, title=None, body=BODY, **kw):  # type: ignore[no-untyped-def]
        author = author or make_user()
        rex = services.create_rex(
            author,
            title=title or "Budget participatif à Bègles",
            body=body,
            space=space,
            group_id=group.id if group else None,
            **kw,
        )
        db.session.commit()
        return rex

    return make


def _edit(client, rex, body, base=None, title=None, **extra):  # type: ignore[no-untyped-def]
    data = {
        "title": title or rex.title,
        "body": body,
        "base": str(base or rex.head),
        "comment": "modif",
        **extra,
    }
    return client.post(f"/rex/{rex.slug}/modifier", data=data)


def test_new_rex_starts_from_the_template(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    body = client.get("/rex/nouveau?titre=Mon+projet").get_data(as_text=True)
    for section in (
        "Contexte",
        "Objectifs",
        "Démarche",
        "Ce qui a marché",
        "Ce qui n&#39;a pas marché",
        "Enseignements et conseils aux pairs",
        "Ressources et contacts",
    ):
        assert f"## {section}" in body, section
    assert 'value="Mon projet"' in body


def test_create_and_read_a_rex(client, make_user, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    coll = make_collectivite("Ville de Bègles")
    author = make_user(name="Rémi Durand")
    login(client, author)
    response = client.post(
        "/rex/nouveau",
        data={
            "title": "Budget participatif à Bègles",
            "body": BODY,
            "summary": "Un premier budget.",
            "space": "network",
            "licence": "CC-BY-4.0",
            "themes": ["participation-citoyenne"],
            "status": "termine",
            "period": "2022-2023",
            "collectivites": [str(coll.id)],
            "comment": "Création",
        },
    )
    assert (
        response.status_code == 302
        and response.headers["Location"] == "/rex/budget-participatif-a-begles"
    )
    page = client.get("/rex/budget-participatif-a-begles").get_data(as_text=True)
    assert '<h2 id="contexte">Contexte</h2>' in page and "Ville de Bègles" in page
    assert "CC BY 4.0" in page and "Rémi Durand" in page and "Comment citer" in page
    assert "« Budget participatif à Bègles » par Rémi Durand" in page


def test_rex_page_renders_stored_html_in_bounded_queries(app, client, make_user, make_rex) -> None:  # type: ignore[no-untyped-def]
    users = [make_user() for _ in range(6)]
    rex = make_rex(author=users[0], space="public")
    for n in range(30):
        services.save(users[n % 6], rex, base=rex.head, body=BODY + f"\n{n}\n")
        db.session.commit()
    rex.html = "<p>HTML STOCKÉ</p>"  # the page must serve this, not re-render the source
    db.session.commit()
    engine = app.extensions["commons.engine"]
    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "HTML STOCKÉ" in page
    assert len(statements) <= 10, statements  # 8 + page cache generation + files (first visit)


def test_identical_save_is_a_noop(client, make_user, make_rex) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = make_rex(author=author)
    login(client, author)
    response = _edit(client, rex, BODY)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Revision.id)).where(Revision.rex_id == rex.id)) == 1


def test_concurrent_edits_merge_when_they_do_not_overlap(make_user, make_rex) -> None:  # type: ignore[no-untyped-def]
    a, b = make_user(), make_user()
    rex = make_rex(author=a)
    services.save(a, rex, base=1, body=BODY.replace("Un budget", "Un petit budget"))
    db.session.commit()
    result = services.save(b, rex, base=1, body=BODY.replace("Bien.", "Très bien."))
    db.session.commit()
    assert result.outcome == "merged"
    head = services.revision(rex, rex.head).source
    assert "Un petit budget" in head and "Très bien." in head and rex.head == 3


def test_overlapping_edit_shows_a_conflict_and_keeps_the_users_text(
    client, app, make_user, make_rex
) -> None:  # type: ignore[no-untyped-def]
    a, b = make_user(), make_user()
    rex = make_rex(author=a)
    services.save(
        a, rex, base=1, body=BODY.replace("Vote en ligne.", "Vote en ligne et en mairie.")
    )
    db.session.commit()
    login(client, b)
    mine = BODY.replace("Vote en ligne.", "Vote par SMS.")
    response = _edit(client, rex, mine, base=1)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Conflit de modification" in page
    assert "Vote par SMS." in page and "Vote en ligne et en mairie." in page
    assert f'name="base" type="hidden" value="{rex.head}"' in page or f'value="{rex.head}"' in page
    assert rex.head == 2  # nothing overwritten
    # Resubmitting on the new base saves.
    assert _edit(client, rex, mine, base=2).status_code == 302
    assert "Vote par SMS." in services.revision(rex, 3).source


def test_two_real_concurrent_editors(app, make_user, make_rex) -> None:  # type: ignore[no-untyped-def]
    a, b = make_user(), make_user()
    rex = make_rex(author=a)
    slug, base = rex.slug, rex.head
    edits = {
        a.email: BODY.replace("Un budget", "Un gros budget"),
        b.email: BODY.replace("Bien.", "Bien, à refaire."),
    }
    clients = {}
    for user in (a, b):
        clients[user.email] = app.test_client()
        login(clients[user.email], user)
    db.session.commit()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit(email: str) -> None:
        barrier.wait()
        response = clients[email].post(
            f"/rex/{slug}/modifier",
            data={"title": "Budget participatif à Bègles", "body": edits[email], "base": str(base)},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(e,)) for e in edits]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.session.expire_all()
    rex = db.session.get(Rex, rex.id)
    head = services.revision(rex, rex.head).source
    assert statuses == [302, 302] and rex.head == 3
    assert "Un gros budget" in head and "Bien, à refaire." in head


def test_rename_keeps_a_redirect_and_is_in_the_history(client, make_user, make_rex) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = make_rex(author=author)
    login(client, author)
    _edit(client, rex, BODY, title="Budget participatif : bilan à Bègles")
    db.session.refresh(rex)
    assert rex.slug == "budget-participatif-bilan-a-begles"
    old = client.get("/rex/budget-participatif-a-begles")
    assert old.status_code == 301 and old.headers["Location"].endswith(f"/rex/{rex.slug}")
    kinds = list(db.session.scalars(select(Event.kind).where(Event.rex_id == rex.id)))
    assert kinds == ["rename"]


def test_bad_input_is_refused_in_french_and_kept(client, make_user, make_rex) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = make_rex(author=author)
    login(client, author)
    cases = [
        ({"title": ""}, "Ce champ est obligatoire"),
        ({"title": "T" * 300}, "200 caractères au plus"),
        ({"body": "x" * (5 * 1024 * 1024)}, "taille maximale (200 Ko)"),
    ]
    for override, message in cases:
        data = {"title": rex.title, "body": BODY, "base": "1", "comment": ""} | override
        response = client.post(f"/rex/{rex.slug}/modifier", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page, message
    assert rex.head == 1
    client.post(
        f"/rex/{rex.slug}/modifier", data={"title": rex.title, "body": "A\x00B\x07C", "base": "1"}
    )
    assert services.revision(rex, 2).source == "ABC\n"


def test_invalid_utf8_body_does_not_crash(client, make_user, make_rex) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = make_rex(author=author)
    login(client, author)
    raw = b"title=Titre&base=1&body=%FF%FEabc"
    response = client.post(
        f"/rex/{rex.slug}/modifier", data=raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    assert "abc" in services.revision(rex, 2).source


def test_group_rex_is_invisible_to_outsiders(client, make_user, make_group, make_rex) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    secret = make_rex(author=member, space="group", group=group, title="Projet confidentiel Canari")
    public = make_rex(
        author=member,
        space="public",
        title="Fiche publique",
        body="Voir [[Projet confidentiel Canari]].",
    )
    for who in (None, outsider):
        if who:
            login(client, who)
        assert client.get(f"/rex/{secret.slug}").status_code == 404
        assert client.get(f"/rex/{secret.slug}/modifier").status_code in (302, 404)
        listing = client.get("/rex/?espace=group").get_data(as_text=True)
        assert "Canari" not in listing and "Canari" not in client.get("/rex/").get_data(
            as_text=True
        )
        page = client.get(f"/rex/{public.slug}").get_data(as_text=True)
        assert f"/rex/{secret.slug}" not in page  # the wikilink does not reveal the private REX
    client.post("/deconnexion")
    login(client, member)
    assert "Canari" in client.get(f"/rex/{secret.slug}").get_data(as_text=True)


def test_derived_from_links_respect_visibility_and_licences(
    client, make_user, make_group, make_rex
) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    source = make_rex(
        author=member,
        space="group",
        group=group,
        title="Source privée Canari",
        licence_id="CC-BY-SA-4.0",
    )
    adapted = make_rex(author=member, space="network", title="Adaptation", licence_id="CC-BY-4.0")
    with pytest.raises(services.RexError, match="BY-SA"):
        services.add_derivation(member, adapted, source)
    db.session.rollback()
    audience.change_licence(member, adapted, "CC-BY-SA-4.0")
    services.add_derivation(member, adapted, source)
    db.session.commit()
    login(client, outsider)
    assert "Canari" not in client.get(f"/rex/{adapted.slug}").get_data(as_text=True)
    client.post("/deconnexion")
    login(client, member)
    assert "Canari" in client.get(f"/rex/{adapted.slug}").get_data(as_text=True)
    with pytest.raises(services.RexError):
        audience.change_licence(member, adapted, "CC-BY-4.0")  # derived from BY-SA: stays BY-SA


def test_moving_to_public_needs_the_sole_contributor(make_user, make_group, make_rex) -> None:  # type: ignore[no-untyped-def]
    author, peer = make_user(), make_user()
    group = make_group(members=(author, peer))
    rex = make_rex(author=author, space="group", group=group)
    audience.move(author, rex, "network")  # sole contributor: allowed
    db.session.commit()
    assert rex.space == "network"
    audience.move(author, rex, "group", group.id)  # narrowing back, still alone
    services.save(peer, rex, base=rex.head, body=BODY + "\nAjout.\n")
    db.session.commit()
    with pytest.raises(audience.ConsentNeeded) as needed:
        audience.move(author, rex, "network")
    assert needed.value.people == [peer.id]
    db.session.rollback()
    kinds = list(db.session.scalars(select(Event.kind).where(Event.rex_id == rex.id)))
    assert kinds == ["move", "move"]


def test_a_public_rex_never_leaves_the_commons(make_user, make_group, make_rex) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    group = make_group(members=(author,))
    rex = make_rex(author=author, space="public")
    for space, group_id in (("network", None), ("group", group.id)):
        with pytest.raises(services.RexError, match="ce qui est public le reste"):
            audience.move(author, rex, space, group_id)
        db.session.rollback()
    assert db.session.get(Rex, rex.id).space == "public"


def test_a_title_change_makes_a_contributor(make_user, make_group, make_rex) -> None:  # type: ignore[no-untyped-def]
    author, renamer = make_user(), make_user()
    group = make_group(members=(author, renamer))
    rex = make_rex(author=author, space="group", group=group)
    services.rename(renamer, rex, "Un titre revu par une collègue")
    db.session.commit()
    assert audience.contributor_ids(rex) == {author.id, renamer.id}
    with pytest.raises(audience.ConsentNeeded):
        audience.move(author, rex, "network")


def test_relicensing_with_other_contributors(make_user, make_rex) -> None:  # type: ignore[no-untyped-def]
    author, peer = make_user(), make_user()
    rex = make_rex(author=author, licence_id="CC-BY-SA-4.0")
    audience.change_licence(author, rex, "CC-BY-4.0")  # sole contributor: free
    services.save(peer, rex, base=rex.head, body=BODY + "\nAjout.\n")
    for licence in ("CC0-1.0", "CC-BY-SA-4.0"):  # any change now needs the peer's consent
        with pytest.raises(audience.ConsentNeeded):
            audience.change_licence(author, rex, licence)
    assert rex.licence_id == "CC-BY-4.0"


def test_outsiders_cannot_write_in_a_group(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    outsider = make_user()
    group = make_group()
    login(client, outsider)
    response = client.post(
        "/rex/nouveau",
        data={
            "title": "Intrusion",
            "body": BODY,
            "space": f"group:{group.id}",
            "licence": "etalab-2.0",
            "status": "en-cours",
        },
    )
    assert "Vous ne pouvez pas écrire dans cet espace" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Rex.id))) == 0


def test_list_filters_and_sort(client, make_user, make_rex, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    metro = make_collectivite("Métropole de Lyon", kind="metropole", departement="69")
    make_rex(
        author=author,
        title="Zéro déchet",
        space="public",
        themes=["environnement"],
        status="termine",
        collectivite_ids=[metro.id],
    )
    make_rex(
        author=author,
        title="Appli mobilité",
        space="public",
        themes=["mobilite"],
        status="abandonne",
    )
    page = client.get("/rex/?theme=mobilite").get_data(as_text=True)
    assert "Appli mobilité" in page and "Zéro déchet" not in page
    page = client.get("/rex/?type=metropole").get_data(as_text=True)
    assert "Zéro déchet" in page and "Appli mobilité" not in page
    page = client.get("/rex/?statut=abandonne").get_data(as_text=True)
    assert "Appli mobilité" in page and "Zéro déchet" not in page
    page = client.get("/rex/?tri=titre").get_data(as_text=True)
    assert page.index("Appli mobilité") < page.index("Zéro déchet")
    assert client.get("/rex/?page=abc&theme=<script>").status_code == 200


def test_derive_form_checks_visibility_and_licence(client, make_user, make_group, make_rex) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    hidden = make_rex(author=member, space="group", group=group, title="Source cachée")
    sa = make_rex(author=member, space="public", title="Source BY-SA", licence_id="CC-BY-SA-4.0")
    mine = make_rex(
        author=outsider, space="network", title="Mon adaptation", licence_id="etalab-2.0"
    )
    login(client, outsider)
    page = client.post(
        f"/rex/{mine.slug}/derive", data={"source": hidden.slug}, follow_redirects=True
    )
    assert "REX source introuvable" in page.get_data(as_text=True)  # no leak of the private REX
    page = client.post(
        f"/rex/{mine.slug}/derive",
        data={"source": f"http://x/rex/{sa.slug}"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "BY-SA" in page and "Dérivé de" not in page
    client.post(f"/rex/{mine.slug}/licence", data={"licence": "CC-BY-SA-4.0"})
    page = client.post(
        f"/rex/{mine.slug}/derive", data={"source": "Source BY-SA"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Dérivé de" in page and "Source BY-SA" in page


def test_wiki_rerender_cli(app, make_user, make_rex) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(author=make_user())
    rev = services.revision(rex, 1)
    rev.html = rex.html = "<p>obsolète</p>"
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["wiki", "rerender"])
    assert result.exit_code == 0 and "1 révision(s)" in result.output
    db.session.expire_all()
    assert "<h2" in db.session.get(Rex, rex.id).html


def test_preview_needs_no_title_and_saves_nothing(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user())
    response = client.post(
        "/rex/nouveau", data={"title": "", "body": "**Gras** <script>x</script>", "apercu": "1"}
    )
    page = response.get_data(as_text=True)
    assert "Aperçu (non enregistré)" in page and "<strong>Gras</strong>" in page
    assert "<script>x" not in page and "à corriger" not in page
    assert db.session.scalar(select(func.count(Rex.id))) == 0


def test_group_space_lists_its_rex_to_members_only(client, make_user, make_group, make_rex) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    make_rex(author=member, space="group", group=group, title="Bilan de la concertation Canari")
    login(client, member)
    space = client.get(f"/groupes/{group.slug}/espace").get_data(as_text=True)
    assert "Bilan de la concertation Canari" in space and f"/rex/nouveau?groupe={group.id}" in space
    client.post("/deconnexion")
    login(client, outsider)
    assert client.get(f"/groupes/{group.slug}/espace").status_code == 403
    assert "Canari" not in client.get(f"/groupes/{group.slug}").get_data(as_text=True)


def test_malformed_slugs_are_plain_404s(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/rex/%00", "/rex/a%00b/historique", "/rex/" + "x" * 500):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "introuvable" in response.get_data(as_text=True).lower()
