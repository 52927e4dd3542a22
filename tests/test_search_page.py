"""The /recherche page: French matching through the real outbox and index, and no leak."""

from __future__ import annotations

from commons import db
from commons.search import outbox
from commons.wiki import services as wiki

from .conftest import login
from .search_support import app_config, backend, combo, empty_backend  # noqa: F401

BODY = "## Contexte\n\nLes budgets participatifs de la ville.\n"


def _setup(app, make_user, make_group):  # type: ignore[no-untyped-def]
    empty_backend(app)
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    wiki.create_rex(
        member,
        title="Budgets participatifs à Angers",
        body=BODY,
        space="public",
        themes=["participation-citoyenne"],
    )
    wiki.create_rex(
        member,
        title="Projet Zorglub confidentiel",
        space="group",
        group_id=group.id,
        body="Le canari zorglub ne doit jamais sortir du groupe.\n",
    )
    db.session.commit()
    outbox.drain(app)
    return member, outsider


def test_french_search_and_facets(app, client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    _setup(app, make_user, make_group)
    for query in ("budget participatif", "Budget Participatif", "budgets participatif"):
        page = client.get("/recherche", query_string={"q": query}).get_data(as_text=True)
        assert "Budgets participatifs à Angers" in page, query
        assert "Participation citoyenne" in page  # theme facet with its label
        year = str(db.utcnow().year)
        assert "<h3>Année</h3>" in page and f"annee={year}" in page and f">{year}</a> (1)" in page
    page = client.get("/recherche", query_string={"q": "budget", "theme": "mobilite"})
    assert "Budgets participatifs à Angers" not in page.get_data(as_text=True)
    chosen = {"q": "budget", "annee": year, "theme": "participation-citoyenne"}
    page = client.get("/recherche", query_string=chosen).get_data(as_text=True)
    assert "Budgets participatifs à Angers" in page and "1 résultat" in page
    assert f'<strong aria-current="true">{year}</strong>' in page
    assert (
        '/recherche?q=budget&amp;tri=relevance&amp;theme=participation-citoyenne">retirer' in page
    )
    other_year = client.get("/recherche", query_string={**chosen, "annee": "1999"})
    assert "0 résultat" in other_year.get_data(as_text=True)


def test_private_content_never_shows(app, client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member, outsider = _setup(app, make_user, make_group)
    for who in (None, outsider):
        if who:
            login(client, who)
        for query in ("zorglub", "zorglu", "canari", "confidentiel"):
            page = client.get("/recherche", query_string={"q": query}).get_data(as_text=True)
            assert "Projet Zorglub" not in page and "ne doit jamais sortir" not in page, query
            assert "0 résultat" in page and "Vouliez-vous dire" not in page, query
        client.post("/deconnexion")
    login(client, member)
    page = client.get("/recherche", query_string={"q": "zorglub"}).get_data(as_text=True)
    assert "Projet Zorglub confidentiel" in page and "<mark>" in page


def test_empty_and_absurd_queries_get_a_helpful_page(client) -> None:  # type: ignore[no-untyped-def]
    assert "Saisissez quelques mots" in client.get("/recherche").get_data(as_text=True)
    for query in ('"', "((((", "*", "x" * 5000, "\x00\x07", "-", "les des du"):
        response = client.get("/recherche", query_string={"q": query})
        assert response.status_code == 200, query
        assert "résultat" in response.get_data(
            as_text=True
        ) or 'role="status"' in response.get_data(as_text=True)
