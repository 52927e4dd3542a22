"""REX history, old versions, word-level diffs, restore: permissions, escaping, query count."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, func, select

from commons import db
from commons.wiki import audience, diff, services
from commons.wiki.models import Revision, Rex

from .conftest import login

HOSTILE = '<script>alert("x")</script>'


def _rex(actor: Any, *bodies: str, space: str = "public", group_id: int | None = None) -> Rex:
    """A REX whose revisions have the given bodies (comments « Étape N »)."""
    rex = services.create_rex(
        actor, title="Cantine bio", body=bodies[0], space=space, group_id=group_id
    )
    for n, body in enumerate(bodies[1:], start=2):
        services.save(actor, rex, base=rex.head, body=body, comment=f"Étape {n}")
    db.session.commit()
    return rex


def _revisions(rex: Rex) -> int:
    return int(db.session.scalar(select(func.count()).where(Revision.rex_id == rex.id)) or 0)


def _tags(html: str, tag: str) -> list[str]:
    """Texts of the ``<del>``/``<ins>`` elements, without their hidden prefix."""
    inner = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)
    return [re.sub(r'<span class="visually-hidden">[^<]*</span>', "", t) for t in inner]


def test_tokenize_splits_words_spaces_and_punctuation() -> None:
    assert diff.tokenize("L'été, 2 ans.") == ["L", "'", "été", ",", " ", "2", " ", "ans", "."]


def test_word_diff_marks_exactly_the_changed_words() -> None:
    segs = diff.word_diff("Le budget était de 12 000 euros.", "Le budget était de 15 000 euros.")
    assert [(s.kind, s.text) for s in segs] == [
        ("equal", "Le budget était de "),
        ("delete", "12"),
        ("insert", "15"),
        ("equal", " 000 euros."),
    ]
    segs = diff.word_diff("un chat noir dort", "un chien blanc dort")
    assert [s.text for s in segs if s.kind == "delete"] == ["chat noir"]
    assert [s.text for s in segs if s.kind == "insert"] == ["chien blanc"]
    assert [(s.kind, s.text) for s in diff.word_diff("a b", "a b")] == [("equal", "a b")]


def test_line_diff_rows_and_counts() -> None:
    old = "\n".join(f"Ligne {n}" for n in range(1, 21))
    new = old.replace("Ligne 12", "Ligne douze").replace("Ligne 2\n", "") + "\nFin"
    result = diff.line_diff(old, new)
    assert (result.changed, result.added, result.removed) == (1, 1, 1)
    changes = [r.kind for r in result.rows if r.kind not in ("context", "skip")]
    assert changes == ["delete", "change", "insert"]
    change = next(r for r in result.rows if r.kind == "change")
    assert (change.old_number, change.new_number) == (12, 11)
    assert [s.text for s in change.segments if s.kind != "equal"] == ["12", "douze"]
    # 3 unchanged lines kept around each change, the others summarised: lines 6-8 and 16-17
    assert [r.skipped for r in result.rows if r.kind == "skip"] == [3, 2]
    assert [r.old_number for r in result.rows if r.kind == "context"][:4] == [1, 3, 4, 5]
    assert diff.line_diff("a\nb\n", "a\nb").identical and not diff.line_diff("", "x").identical


def test_line_diff_does_not_pair_unrelated_lines() -> None:
    result = diff.line_diff("Titre\nUne phrase sur la cantine.\n", "Titre\nTout autre chose ici\n")
    assert [r.kind for r in result.rows] == ["context", "delete", "insert"]


def test_history_lists_revisions_and_events(client, make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user("Alice Martin"), make_user("Bruno Petit")
    rex = services.create_rex(alice, title="Cantine bio", body="Début.\n", space="network")
    audience.change_licence(alice, rex, "CC-BY-SA-4.0")
    audience.move(alice, rex, "public")
    services.save(bob, rex, base=rex.head, body="Début révisé.\n", comment="Précisions")
    services.rename(bob, rex, "Cantine 100 % bio")
    source = services.create_rex(alice, title="Potager", body="Source.\n", space="public")
    services.add_derivation(alice, rex, source)
    db.session.commit()
    login(client, alice)
    html = client.get(f"/rex/{rex.slug}/historique").get_data(as_text=True)
    assert "Alice Martin" in html and "Bruno Petit" in html and "Précisions" in html
    assert "Titre changé de « Cantine bio » en « Cantine 100 % bio »" in html
    assert "Licence changée : Licence Ouverte 2.0 → CC BY-SA 4.0" in html
    assert "Déplacé : Réseau (agents connectés) → Communs (public)" in html
    assert f'Dérivé de <a href="/rex/{source.slug}">Potager</a>' in html
    # newest first: the rename, version 2, the move, the licence, version 1
    order = [
        html.index(s) for s in ("Titre changé", "Version 2", "Déplacé", "Licence", "Version 1")
    ]
    assert order == sorted(order)
    assert 'name="de"' in html and 'name="a"' in html and "<legend>" in html
    assert 'for="de-1"' in html and 'id="de-1"' in html
    assert f"/rex/{rex.slug}/diff?de=1&amp;a=2" in html and f"/rex/{rex.slug}/version/1" in html
    assert f'action="/rex/{rex.slug}/restaurer/1"' in html and 'name="csrf_token"' in html
    assert "/restaurer/2" not in html  # the head is not restorable
    client.post("/deconnexion")
    anonymous = client.get(f"/rex/{rex.slug}/historique").get_data(as_text=True)
    assert "Version 2" in anonymous and "Restaurer cette version" not in anonymous


def test_old_version_shows_stored_html_with_banner(client, make_user) -> None:  # type: ignore[no-untyped-def]
    alice = make_user()
    rex = _rex(alice, "## Avant\n\nTexte **ancien**.\n", "## Après\n")
    db.session.execute(  # stored HTML is shown as is, never re-rendered
        Revision.__table__.update()
        .where(Revision.rex_id == rex.id, Revision.number == 1)
        .values(html="<p>HTML stocké</p>")
    )
    db.session.commit()
    html = client.get(f"/rex/{rex.slug}/version/1").get_data(as_text=True)
    assert "<p>HTML stocké</p>" in html and "ancien" not in html
    assert re.search(r"Version 1 du \d\d/\d\d/\d{4}</strong>\s*— ce n'est pas la version", html)
    assert f'href="/rex/{rex.slug}"' in html
    assert "c'est la version actuelle" in client.get(f"/rex/{rex.slug}/version/2").get_data(
        as_text=True
    )
    assert client.get(f"/rex/{rex.slug}/version/3").status_code == 404
    assert client.get(f"/rex/{rex.slug}/version/0").status_code == 404


def test_diff_highlights_words_and_escapes(client, make_user) -> None:  # type: ignore[no-untyped-def]
    alice = make_user()
    rex = _rex(
        alice,
        "# Cantine\n\nLe budget était de 12 000 euros.\n\nFin.\n",
        f"# Cantine\n\nLe budget était de 15 000 euros.\n\nFin.\n{HOSTILE}\n",
    )
    html = client.get(f"/rex/{rex.slug}/diff?de=1&a=2").get_data(as_text=True)
    assert _tags(html, "del") == ["12"]
    assert _tags(html, "ins") == ["15", "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"]
    assert '<span class="visually-hidden">supprimé : </span>12' in html
    assert '<span class="visually-hidden">ajouté : </span>15' in html
    assert "<script>" not in html and "<caption>" in html and 'scope="col"' in html
    assert "1 ligne modifiée, 1 ajoutée, 0 supprimée" in html


def test_diff_across_three_revisions_in_either_order(client, make_user) -> None:  # type: ignore[no-untyped-def]
    alice = make_user()
    rex = _rex(alice, "Un chat dort.\n", "Un chien dort.\n", "Un chien court.\n")
    services.rename(alice, rex, "Cantine <b>bio</b>")
    services.save(alice, rex, base=rex.head, body="Un chien court vite.\n")
    db.session.commit()
    forward = client.get(f"/rex/{rex.slug}/diff?de=1&a=3").get_data(as_text=True)
    backward = client.get(f"/rex/{rex.slug}/diff?de=3&a=1").get_data(as_text=True)
    assert forward == backward
    # "chat dort" -> "chien court": the space between two changed words joins them
    assert _tags(forward, "del") == ["chat dort"] and _tags(forward, "ins") == ["chien court"]
    titled = client.get(f"/rex/{rex.slug}/diff?de=2&a=4").get_data(as_text=True)
    assert "<h2>Titre</h2>" in titled and "&lt;b&gt;bio&lt;/b&gt;" in titled
    same = client.get(f"/rex/{rex.slug}/diff?de=2&a=2").get_data(as_text=True)
    assert "Le texte est identique" in same


def test_diff_bad_numbers_are_french_errors(client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = _rex(make_user(), "Un.\n", "Deux.\n")
    for query in ("de=1&a=9", "de=0&a=1", "de=-1&a=2", "de=1&a=99999999999999999999999"):
        response = client.get(f"/rex/{rex.slug}/diff?{query}")
        assert response.status_code == 404, query
        assert "Page introuvable" in response.get_data(as_text=True)
    for query in ("", "de=1", "de=un&a=2"):
        response = client.get(f"/rex/{rex.slug}/diff?{query}")
        assert response.status_code == 400, query
        assert "Indiquez les numéros" in response.get_data(as_text=True)
    assert client.get("/rex/inexistant/diff?de=1&a=2").status_code == 404


def test_restore_creates_a_new_revision(client, make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    rex = _rex(alice, "Texte initial.\n", "Texte abîmé.\n", "Texte très abîmé.\n")
    login(client, bob)
    response = client.post(f"/rex/{rex.slug}/restaurer/1")
    assert response.status_code == 302 and response.headers["Location"] == f"/rex/{rex.slug}"
    db.session.refresh(rex)
    assert rex.head == 4 and _revisions(rex) == 4
    restored = services.revision(rex, 4)
    assert restored.source == "Texte initial.\n" and restored.author_id == bob.id
    assert restored.comment == "Restauration de la version 1"
    assert "Texte initial." in rex.html
    assert "est restaurée" in client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    # restoring the head, or a version with the same text, changes nothing
    for number in (4, 1):
        assert client.post(f"/rex/{rex.slug}/restaurer/{number}").status_code == 302
        assert "Aucun changement" in client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    db.session.refresh(rex)
    assert rex.head == 4 and _revisions(rex) == 4
    assert client.post(f"/rex/{rex.slug}/restaurer/9").status_code == 404
    assert client.get(f"/rex/{rex.slug}/restaurer/1").status_code == 405


def test_anonymous_and_outsiders_cannot_restore(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    public = _rex(member, "Un.\n", "Deux.\n")
    private = _rex(member, "Secret un.\n", "Secret deux.\n", space="group", group_id=group.id)
    response = client.post(f"/rex/{public.slug}/restaurer/1")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    login(client, outsider)
    assert client.post(f"/rex/{private.slug}/restaurer/1").status_code == 404
    assert _revisions(public) == 2 and _revisions(private) == 2


def test_group_rex_history_is_confidential(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member, outsider = make_user(), make_user()
    group = make_group(members=(member,))
    rex = services.create_rex(
        member, title="Dossier confidentiel RH", body="Un.\n", space="group", group_id=group.id
    )
    services.save(member, rex, base=1, body="Deux.\n", comment="Note interne")
    db.session.commit()
    urls = [
        f"/rex/{rex.slug}/historique",
        f"/rex/{rex.slug}/version/1",
        f"/rex/{rex.slug}/diff?de=1&a=2",
        f"/rex/{rex.slug}/diff",
    ]
    for who in (None, outsider):
        if who is not None:
            login(client, who)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, (who, url)
            body = response.get_data(as_text=True)
            assert "confidentiel" not in body and "Note interne" not in body
    client.post("/deconnexion")
    login(client, member)
    for url in urls[:3]:
        assert client.get(url).status_code == 200, url


def test_old_slug_redirects_to_history(client, make_user) -> None:  # type: ignore[no-untyped-def]
    alice = make_user()
    rex = _rex(alice, "Un.\n", "Deux.\n")
    old = rex.slug
    services.rename(alice, rex, "Restauration scolaire")
    db.session.commit()
    response = client.get(f"/rex/{old}/diff?de=1&a=2")
    assert response.status_code == 301
    assert response.headers["Location"] == "/rex/restauration-scolaire/diff?de=1&a=2"


def test_history_is_paginated(client, make_user) -> None:  # type: ignore[no-untyped-def]
    alice = make_user()
    rex = _rex(alice, "Version 1.\n")
    audience.change_licence(alice, rex, "CC-BY-SA-4.0")  # between versions 1 and 2: page 2
    for n in range(2, 53):
        services.save(alice, rex, base=rex.head, body=f"Version {n}.\n")
    audience.change_licence(alice, rex, "CC-BY-4.0")  # after version 52: page 1
    db.session.commit()
    first = client.get(f"/rex/{rex.slug}/historique").get_data(as_text=True)
    assert "Version 52" in first and "Version 3<" in first and "Version 2<" not in first
    assert "Page 1 sur 2" in first and "?page=2" in first
    assert "→ CC BY 4.0" in first and "→ CC BY-SA 4.0" not in first
    second = client.get(f"/rex/{rex.slug}/historique?page=2").get_data(as_text=True)
    assert "Version 2<" in second and "Version 1<" in second and "Version 3<" not in second
    assert "Licence Ouverte 2.0 → CC BY-SA 4.0" in second and "→ CC BY 4.0" not in second
    assert client.get(f"/rex/{rex.slug}/historique?page=99").status_code == 200


def _count_queries(app, client, url: str) -> int:  # type: ignore[no-untyped-def]
    engine = app.extensions["commons.engine"]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_history_queries_do_not_grow_with_revisions(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    small = _rex(alice, *[f"Petit {n}.\n" for n in range(3)])
    large = _rex(alice, *[f"Grand {n}.\n" for n in range(30)])
    for rex in (small, large):
        audience.change_licence(alice, rex, "CC-BY-SA-4.0")  # alone: before Bruno writes
        services.save(bob, rex, base=rex.head, body="Par Bruno.\n", comment="Bruno")
    db.session.commit()
    login(client, alice)
    counts = [_count_queries(app, client, f"/rex/{r.slug}/historique") for r in (small, large)]
    assert counts[0] == counts[1], counts
