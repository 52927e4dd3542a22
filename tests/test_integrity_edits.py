"""Nothing silently undone: every edit path carries its base and goes through the same
three-way merge and conflict page — REX title and body, the facilitators' « Modifier avec un
motif », forum messages (author and moderation), group texts and settings. Each race is played
over HTTP, by stale forms and by concurrent clients, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from commons import db
from commons.forum import services as forum
from commons.forum.models import Post
from commons.groups.models import Group
from commons.integrity.merge import merge_fields
from commons.wiki import services as wiki
from commons.wiki.models import Rex

from .integrity_support import clients, form_of, race

BODY = "## Contexte\n\nLigne un.\n\n## Démarche\n\nLigne deux.\n\n## Bilan\n\nLigne trois.\n"
POST = "Premier paragraphe.\n\nDeuxième paragraphe.\n\nTroisième paragraphe."


def _page(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


# -- the shared merge of fields ------------------------------------------------------------


def test_merge_fields_keeps_theirs_mine_and_reports_double_changes() -> None:
    base = {"title": "A", "themes": ["x", "y"], "cap": 12, "text": "un\ndeux\ntrois\n"}
    theirs = {"title": "B", "themes": ["y", "x"], "cap": 10, "text": "UN\ndeux\ntrois\n"}
    mine = {"title": "A", "themes": ["x"], "cap": 11, "text": "un\ndeux\nTROIS\n"}
    result = merge_fields(base, theirs, mine, texts=["text"])
    assert result.values == {"title": "B", "themes": ["x"], "text": "UN\ndeux\nTROIS\n"}
    assert [c.name for c in result.conflicts] == ["cap"]
    assert (result.conflicts[0].theirs, result.conflicts[0].mine) == (10, 11)
    assert set(result.theirs_kept) == {"title", "text"}


# -- REX: the rename race --------------------------------------------------------------------


@pytest.fixture
def rex_world(app: Any, make_user: Any) -> tuple[Any, Any, Rex]:
    a, b = make_user(name="Alice Renomme"), make_user(name="Bruno Corrige")
    rex = wiki.create_rex(a, title="Composteurs partagés", body=BODY, space="network")
    db.session.commit()
    return a, b, rex


def test_rename_is_not_undone_by_a_stale_body_edit(app: Any, rex_world: Any) -> None:
    a, b = rex_world[0], rex_world[1]
    rex = rex_world[2]
    ca, cb = clients(app, [a, b])
    stale = form_of(cb, f"/rex/{rex.slug}/modifier")  # B opens the editor first
    fresh = form_of(ca, f"/rex/{rex.slug}/modifier")
    renamed = ca.post(
        f"/rex/{rex.slug}/modifier",
        data={**fresh, "title": "Composteurs de quartier", "body": BODY},
    )
    assert renamed.status_code == 302
    saved = cb.post(
        f"/rex/{rex.slug}/modifier",
        data={**stale, "title": "Composteurs partagés", "body": BODY.replace("deux", "2")},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "fusionnée" in _page(saved)
    rex = db.session.get(Rex, rex.id)
    assert rex.title == "Composteurs de quartier"  # A's title stays
    assert "Ligne 2." in wiki.revision(rex, rex.head).source  # and B's text is saved


def test_two_different_renames_are_a_conflict_shown_to_the_second(app: Any, rex_world: Any) -> None:
    a, b, rex = rex_world
    ca, cb = clients(app, [a, b])
    stale = form_of(cb, f"/rex/{rex.slug}/modifier")
    fresh = form_of(ca, f"/rex/{rex.slug}/modifier")
    assert (
        ca.post(
            f"/rex/{rex.slug}/modifier", data={**fresh, "title": "Titre d'Alice", "body": BODY}
        ).status_code
        == 302
    )
    refused = cb.post(
        f"/rex/{rex.slug}/modifier", data={**stale, "title": "Titre de Bruno", "body": BODY}
    )
    page = _page(refused)
    assert refused.status_code == 200 and "Conflit de modification" in page
    assert "Titre d'Alice" in page and 'value="Titre de Bruno"' in page  # both, mine kept
    assert db.session.get(Rex, rex.id).title == "Titre d'Alice"
    # The conflict page's form is based on what it showed: sending it again is my choice.
    again = cb.post(
        f"/rex/{db.session.get(Rex, rex.id).slug}/modifier",
        data={**form_of_conflict(page), "title": "Titre de Bruno", "body": BODY},
    )
    assert again.status_code == 302 and db.session.get(Rex, rex.id).title == "Titre de Bruno"


def form_of_conflict(page: str) -> dict[str, str]:
    from .integrity_support import hidden_fields

    return hidden_fields(page)


def test_concurrent_renames_and_body_edits_lose_nothing(app: Any, rex_world: Any) -> None:
    """Rounds of A renaming while B saves a body change from the same base, sent together:
    the title is always A's, B's line is always in the text."""
    a, b, rex = rex_world
    ca, cb = clients(app, [a, b])
    for n in range(4):
        rex = db.session.get(Rex, rex.id)
        form_a = form_of(ca, f"/rex/{rex.slug}/modifier")
        form_b = form_of(cb, f"/rex/{rex.slug}/modifier")
        body = wiki.revision(rex, rex.head).source
        title, slug = f"Composteurs, tour {n}", rex.slug
        path = f"/rex/{slug}/modifier"
        data_a = {**form_a, "title": title, "body": body}
        data_b = {**form_b, "title": rex.title, "body": body + f"\nAjout {n}.\n"}
        ra, rb = race(
            [
                lambda d=data_a, p=path: ca.post(p, data=d),  # type: ignore[misc]
                lambda d=data_b, p=path: cb.post(p, data=d),  # type: ignore[misc]
            ]
        )
        assert (ra.status_code, rb.status_code) == (302, 302)
        rex = db.session.get(Rex, rex.id)
        assert rex.title == title
        assert f"Ajout {n}." in wiki.revision(rex, rex.head).source


# -- « Modifier avec un motif » against a member's newer change -------------------------------


@pytest.fixture
def group_world(app: Any, make_user: Any, make_group: Any) -> dict[str, Any]:
    facilitator, member = make_user(role="facilitator"), make_user(name="Membre Auteur")
    group = make_group(facilitator=facilitator, members=(member,))
    rex = wiki.create_rex(
        member, title="REX du groupe", body=BODY, space="group", group_id=group.id
    )
    thread = forum.create_thread(
        member, title="Discussion du groupe", body=POST, space="group", group_id=group.id
    )
    db.session.commit()
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    return {"fac": facilitator, "member": member, "group": group, "rex": rex, "post": post}


def test_moderation_edit_of_a_rex_meets_a_member_change_with_a_conflict(
    app: Any, group_world: dict[str, Any]
) -> None:
    rex = group_world["rex"]
    cf, cm = clients(app, [group_world["fac"], group_world["member"]])
    moderation = form_of(cf, f"/animation/contenu/rex/{rex.id}/modifier")
    member_form = form_of(cm, f"/rex/{rex.slug}/modifier")
    assert (
        cm.post(
            f"/rex/{rex.slug}/modifier",
            data={**member_form, "title": rex.title, "body": BODY.replace("Ligne deux", "Membre")},
        ).status_code
        == 302
    )
    refused = cf.post(
        f"/animation/contenu/rex/{rex.id}/modifier",
        data={**moderation, "body": BODY.replace("Ligne deux", "Expurgé"), "reason": "Tiers"},
    )
    page = _page(refused)
    assert refused.status_code == 200 and "Conflit de modification" in page
    assert "Membre." in page and "Expurgé." in page  # their text shown, mine kept
    rex = db.session.get(Rex, rex.id)
    assert "Membre." in wiki.revision(rex, rex.head).source  # nothing saved on top
    # A change elsewhere in the text is merged: the member's change stays.
    moderation = form_of(cf, f"/animation/contenu/rex/{rex.id}/modifier")
    member_form = form_of(cm, f"/rex/{rex.slug}/modifier")
    body = wiki.revision(rex, rex.head).source
    assert (
        cm.post(
            f"/rex/{rex.slug}/modifier",
            data={**member_form, "title": rex.title, "body": body.replace("Ligne un", "Un bis")},
        ).status_code
        == 302
    )
    assert (
        cf.post(
            f"/animation/contenu/rex/{rex.id}/modifier",
            data={**moderation, "body": body.replace("Ligne trois", "Retiré"), "reason": "Tiers"},
        ).status_code
        == 302
    )
    rex = db.session.get(Rex, rex.id)
    text = wiki.revision(rex, rex.head).source
    assert "Un bis." in text and "Retiré." in text and "Membre." in text


def test_moderation_edit_without_a_base_saves_nothing(
    app: Any, group_world: dict[str, Any]
) -> None:
    post = group_world["post"]
    [cf] = clients(app, [group_world["fac"]])
    refused = cf.post(
        f"/animation/contenu/post/{post.id}/modifier", data={"body": "Écrasé", "reason": "x"}
    )
    assert refused.status_code == 200 and "version de départ" in _page(refused)
    assert db.session.get(Post, post.id).source == POST


@pytest.mark.parametrize("editor", ["moderation", "author"])
def test_message_edits_carry_their_base(app: Any, group_world: dict[str, Any], editor: str) -> None:
    """The facilitator's moderation edit and the author's own edit of a forum message, from
    stale forms: a change at the same place is a conflict, elsewhere it is merged."""
    post = group_world["post"]
    cf, cm = clients(app, [group_world["fac"], group_world["member"]])
    if editor == "moderation":
        path, stale_client, other = f"/animation/contenu/post/{post.id}/modifier", cf, cm
        other_path, extra = f"/forum/message/{post.id}/modifier", {"reason": "Motif"}
    else:
        path, stale_client, other = f"/forum/message/{post.id}/modifier", cm, cf
        other_path, extra = f"/animation/contenu/post/{post.id}/modifier", {"reason": "Motif"}
    stale = form_of(stale_client, path)
    fresh = form_of(other, other_path)
    assert (
        other.post(
            other_path, data={**fresh, **extra, "body": POST.replace("Premier", "PREMIER")}
        ).status_code
        == 302
    )
    refused = stale_client.post(
        path, data={**stale, **extra, "body": POST.replace("Premier", "1er")}
    )
    page = _page(refused)
    assert refused.status_code == 200 and "Conflit de modification" in page
    assert "PREMIER paragraphe." in page and "1er paragraphe." in page
    assert db.session.get(Post, post.id).source.startswith("PREMIER")
    merged = stale_client.post(
        path, data={**stale, **extra, "body": POST.replace("Troisième", "3e")}
    )
    assert merged.status_code == 302
    source = db.session.get(Post, post.id).source
    assert "PREMIER paragraphe." in source and "3e paragraphe." in source


def test_concurrent_moderation_and_member_edits_keep_every_acknowledged_change(
    app: Any, group_world: dict[str, Any]
) -> None:
    """Facilitator and member send their edits of the same message at the same moment, from
    the same version, rounds after rounds: every change acknowledged (302) is in the text."""
    post = group_world["post"]
    cf, cm = clients(app, [group_world["fac"], group_world["member"]])
    mod_path, own_path = (
        f"/animation/contenu/post/{post.id}/modifier",
        f"/forum/message/{post.id}/modifier",
    )
    for n in range(5):
        current = db.session.get(Post, post.id).source
        mod, own = form_of(cf, mod_path), form_of(cm, own_path)
        lines = current.split("\n\n")
        by_fac = "\n\n".join([f"Modéré {n}.", *lines[1:]])
        by_member = "\n\n".join([*lines[:-1], f"Membre {n}."])
        data_f = {**mod, "body": by_fac, "reason": "Motif"}
        data_m = {**own, "body": by_member}
        rf, rm = race(
            [
                lambda d=data_f: cf.post(mod_path, data=d),  # type: ignore[misc]
                lambda d=data_m: cm.post(own_path, data=d),  # type: ignore[misc]
            ]
        )
        assert {rf.status_code, rm.status_code} <= {200, 302}
        source = db.session.get(Post, post.id).source
        if rf.status_code == 302:
            assert f"Modéré {n}." in source
        if rm.status_code == 302:
            assert f"Membre {n}." in source
        assert 302 in (rf.status_code, rm.status_code)


# -- group description and charter --------------------------------------------------------


def test_group_edits_merge_fields_and_show_double_changes(
    app: Any, make_user: Any, make_group: Any
) -> None:
    first, second = make_user(role="facilitator"), make_user(role="facilitator")
    group = make_group(
        facilitator=first, name="Groupe des données", description="Intro.\n\nSuite.\n"
    )
    from commons.groups import services as groups

    second_member = groups.invite(first, group, second)
    groups.answer_invitation(second, second_member, accept=True, accept_charter=True)
    groups.set_role(first, group, second, "facilitator")
    db.session.commit()
    c1, c2 = clients(app, [first, second])
    path = f"/groupes/{group.slug}/modifier"
    form1, form2 = form_of(c1, path), form_of(c2, path)
    values = {
        "name": group.name,
        "summary": "",
        "description": "Intro.\n\nSuite.\n",
        "charter": group.charter_md,
        "themes": "",
        "member_cap": "12",
        "listed": "y",
    }
    assert (
        c1.post(
            path,
            data={**form1, **values, "summary": "Résumé de 1", "description": "INTRO.\n\nSuite.\n"},
        ).status_code
        == 302
    )
    merged = c2.post(
        path,
        data={**form2, **values, "member_cap": "20", "description": "Intro.\n\nSUITE.\n"},
        follow_redirects=True,
    )
    assert merged.status_code == 200 and "entre-temps est conservée" in _page(merged)
    group = db.session.get(Group, group.id)
    assert group.summary == "Résumé de 1" and group.member_cap == 20
    assert group.description_md.split() == ["INTRO.", "SUITE."]
    form1, form2 = form_of(c1, path), form_of(c2, path)
    current = {**values, "summary": "Résumé de 1", "member_cap": "20"}
    current["description"] = group.description_md
    assert c1.post(path, data={**form1, **current, "charter": "Charte de 1."}).status_code == 302
    refused = c2.post(path, data={**form2, **current, "charter": "Charte de 2."})
    page = _page(refused)
    assert refused.status_code == 200 and "Conflit de modification" in page
    assert "Charte de 1." in page and "Charte de 2." in page
    assert db.session.get(Group, group.id).charter_md == "Charte de 1."


def _described(form: dict[str, str], rex: Rex, **changes: Any) -> dict[str, Any]:
    """The editor's data for ``rex`` as shown, with ``changes``."""
    data: dict[str, Any] = {
        **form,
        "title": rex.title,
        "body": BODY,
        "summary": rex.summary,
        "themes": list(rex.themes),
        "status": rex.status,
        "period": rex.period,
        "budget": rex.budget,
        "team_size": "",
        "collectivites": [str(c.id) for c in rex.collectivites],
    }
    return {**data, **changes}


def test_description_fields_merge_like_the_title(
    app: Any, rex_world: Any, make_collectivite: Any
) -> None:
    a, b, rex = rex_world
    coll = make_collectivite("Ville de Talence", validated=True)
    ca, cb = clients(app, [a, b])
    path = f"/rex/{rex.slug}/modifier"
    assert 'name="status"' in ca.get(path).get_data(as_text=True)
    stale, fresh = form_of(cb, path), form_of(ca, path)
    data_b = _described(stale, rex, summary="Un résumé de B.")  # B's form, as B saw it
    data_a = _described(fresh, rex, status="termine", collectivites=[str(coll.id)])
    assert ca.post(path, data=data_a).status_code == 302
    saved = cb.post(path, data=data_b, follow_redirects=True)
    assert saved.status_code == 200 and "fusionnée" in _page(saved)
    rex = db.session.get(Rex, rex.id)
    assert (rex.status, rex.summary) == ("termine", "Un résumé de B.")
    assert [c.id for c in rex.collectivites] == [coll.id]  # A's change kept
    history = _page(ca.get(f"/rex/{rex.slug}/historique"))
    assert "Description du projet modifiée" in history
    # Both change the status differently: the second sees a conflict, nothing saved.
    stale, fresh = form_of(cb, path), form_of(ca, path)
    data_b = _described(stale, rex, status="idee")
    assert ca.post(path, data=_described(fresh, rex, status="abandonne")).status_code == 302
    refused = cb.post(path, data=data_b)
    page = _page(refused)
    assert refused.status_code == 200 and "Conflit de modification" in page
    assert "Avancement du projet" in page  # the value in words, not its code:
    assert re.search(r"enregistrée entre-temps :\s*Abandonné", page)
    assert db.session.get(Rex, rex.id).status == "abandonne"
