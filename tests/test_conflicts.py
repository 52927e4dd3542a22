"""The edit-conflict page (issue 18): the diff between the version saved meanwhile and mine,
with its author and time, the choice passage by passage (« Ma version », « La version
enregistrée », « Les deux », or both everywhere) composed server-side without saving, and the
notice to a person whose change a save removed — never when it survives, never to oneself,
never to someone who can no longer read the REX."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from commons import db, errors
from commons.forum import services as forum
from commons.forum.models import Post
from commons.groups import services as groups
from commons.groups.models import Group
from commons.integrity import hunks
from commons.notifications import services as notifications
from commons.notifications.models import Notification
from commons.wiki import conflicts
from commons.wiki import services as wiki
from commons.wiki.models import Revision, Rex
from commons.wiki.superseded import TARGET, superseded_authors

from .conftest import login, outbox
from .integrity_support import clients, form_of, hidden_fields

BASE = "# Jardin\n\nUn.\n\nDeux.\n\nTrois.\n\nQuatre.\n"
THEIRS = "# Jardin\n\nUn, dit Alice.\n\nDeux.\n\nTrois.\n\nQuatre, dit Alice.\n"
MINE = "# Jardin\n\nUn, dit Bruno.\n\nDeux, dit Bruno.\n\nTrois.\n\nQuatre, dit Bruno.\n"


# -- passages and composition (pure) ----------------------------------------------------------


def test_blocks_separate_merged_lines_from_conflicting_passages() -> None:
    found = hunks.blocks(BASE, THEIRS, MINE)
    passages = hunks.conflicts(found)
    assert [p.number for p in passages] == [1, 2]
    assert (
        passages[0].theirs_text == "Un, dit Alice.\n"
        and passages[0].mine_text == "Un, dit Bruno.\n"
    )
    assert passages[1].line == 9  # its first line in my text
    merged = "".join(line for b in found if not b.conflict for line in b.lines)
    assert "Deux, dit Bruno." in merged  # changed on my side only: merged, not asked


@pytest.mark.parametrize(
    ("choices", "first", "last"),
    [
        ({1: "mine", 2: "mine"}, "Un, dit Bruno.", "Quatre, dit Bruno."),
        ({1: "theirs", 2: "theirs"}, "Un, dit Alice.", "Quatre, dit Alice."),
        ({1: "mine", 2: "theirs"}, "Un, dit Bruno.", "Quatre, dit Alice."),
    ],
)
def test_compose_takes_each_choice(choices: dict[int, str], first: str, last: str) -> None:
    text = hunks.compose(hunks.blocks(BASE, THEIRS, MINE), choices)
    assert text.startswith(f"# Jardin\n\n{first}\n\nDeux, dit Bruno.\n") and text.endswith(
        f"{last}\n"
    )
    assert "<<<<<<<" not in text


def test_both_keeps_the_saved_version_then_mine_as_two_paragraphs() -> None:
    found = hunks.blocks(BASE, THEIRS, MINE)
    text = hunks.compose(found, {1: "both", 2: "theirs"})
    assert "Un, dit Alice.\n\nUn, dit Bruno.\n" in text
    everywhere = hunks.compose_all(found)
    for line in ("Un, dit Alice.", "Un, dit Bruno.", "Quatre, dit Alice.", "Quatre, dit Bruno."):
        assert line in everywhere


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({1: "mine"}, "Choisissez une version pour le passage n° 2"),
        ({1: "mine", 2: "<script>"}, "Choix inconnu pour le passage n° 2"),
        ({1: "mine", 2: "mine", 7: "mine"}, "Le passage n° 7 n'existe pas"),
    ],
)
def test_bad_choices_are_refused_in_french(choices: dict[int, str], message: str) -> None:
    with pytest.raises(hunks.ChoiceError) as caught:
        hunks.compose(hunks.blocks(BASE, THEIRS, MINE), choices)
    assert message in str(caught.value)


def test_no_conflict_composes_the_automatic_merge() -> None:
    theirs = BASE.replace("Un.", "Un, dit Alice.")
    mine = BASE.replace("Quatre.", "Quatre, dit Bruno.")
    text = hunks.compose(hunks.blocks(BASE, theirs, mine), {})
    assert "Un, dit Alice." in text and "Quatre, dit Bruno." in text


# -- who was superseded (pure) ----------------------------------------------------------------


def test_superseded_authors_when_their_lines_are_dropped_or_their_removal_undone() -> None:
    alice, carla = 1, 2
    sources = [(9, BASE), (alice, THEIRS), (carla, THEIRS.replace("Trois.\n\n", ""))]
    assert superseded_authors(sources, MINE) == {alice, carla}  # Alice's lines gone, Trois back
    kept = THEIRS.replace("Trois.\n\n", "") + "\nBruno ajoute.\n"
    assert superseded_authors(sources, kept) == set()
    assert superseded_authors(sources[:1], MINE) == set()


# -- over HTTP ---------------------------------------------------------------------------------


@pytest.fixture
def world(app: Any, make_user: Any) -> dict[str, Any]:
    alice, bruno = make_user(name="Alice Lenoir"), make_user(name="Bruno Vidal")
    rex = wiki.create_rex(alice, title="Jardin partagé", body=BASE, space="network")
    db.session.commit()
    ca, cb = clients(app, [alice, bruno])
    return {"alice": alice, "bruno": bruno, "rex": rex, "ca": ca, "cb": cb}


def _page(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def _head(rex: Any) -> tuple[int, str]:
    rex = db.session.get(Rex, rex.id)
    db.session.refresh(rex)
    return rex.head, wiki.revision(rex, rex.head).source


def _conflict(world: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Bruno opens the editor, Alice saves THEIRS, Bruno saves MINE: the conflict page."""
    rex, path = world["rex"], f"/rex/{world['rex'].slug}/modifier"
    stale = hidden_fields(world["cb"].get(path).get_data(as_text=True))
    fresh = hidden_fields(world["ca"].get(path).get_data(as_text=True))
    saved = world["ca"].post(path, data={**fresh, "title": rex.title, "body": THEIRS})
    assert saved.status_code == 302
    page = world["cb"].post(
        path, data={**stale, "title": rex.title, "body": MINE, "comment": "Bruno"}
    )
    assert page.status_code == 200
    return _page(page), {**hidden_fields(page.get_data(as_text=True)), "title": rex.title}


def _notes(user: Any) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.target_type == TARGET
            )
        )
    )


def test_conflict_page_shows_who_when_the_diff_and_the_passages(world: dict[str, Any]) -> None:
    page, form = _conflict(world)
    assert "Conflit de modification" in page
    assert "version 2, par Alice Lenoir, le" in re.sub(r"<[^>]+>", "", page)
    assert '<del><span class="visually-hidden">supprimé : </span>Alice</del>' in page
    assert '<ins><span class="visually-hidden">ajouté : </span>Bruno</ins>' in page
    assert page.count("<legend>Passage ") == 2 and "Passage 1 sur 2" in page
    assert form["conflit_depart"] == "1" and form["conflit_version"] == "2"
    assert form["conflit_passages"] == "2" and form["base"] == "2"
    assert "Un, dit Bruno." in page.split('name="body"')[1]  # my text stays in the editor
    assert _head(world["rex"])[0] == 2  # nothing saved


def test_composing_puts_the_text_in_the_editor_without_saving(world: dict[str, Any]) -> None:
    rex, cb = world["rex"], world["cb"]
    _, form = _conflict(world)
    data = {**form, "body": MINE, "conflit_composer": "choix"}
    data |= {"conflit_choix_1": "theirs", "conflit_choix_2": "mine"}
    page = _page(cb.post(f"/rex/{rex.slug}/modifier", data=data))
    assert "Texte composé : relisez-le, puis enregistrez" in page
    editor = page.split('name="body"')[1].split("</textarea>")[0]
    assert "Un, dit Alice." in editor and "Quatre, dit Bruno." in editor
    assert "Deux, dit Bruno." in editor  # merged automatically
    assert "Un, dit Bruno." in page.split('id="conflit-avant"')[1]  # my typed text, read-only
    assert _head(rex)[0] == 2
    # Saving the composition: Alice's last line was replaced, she is told, with a diff link.
    composed = hidden_fields(page.replace("&#34;", '"'))
    saved = cb.post(
        f"/rex/{rex.slug}/modifier",
        data={**composed, "title": rex.title, "body": editor.split(">", 1)[1], "comment": "Fusion"},
    )
    assert saved.status_code == 302
    head, text = _head(rex)
    assert head == 3 and "Un, dit Alice." in text and "Quatre, dit Bruno." in text
    notes = _notes(world["alice"])
    assert len(notes) == 1 and notes[0].actor_id == world["bruno"].id
    entry = notifications.describe(world["alice"], notes)[0]
    assert entry.visible and entry.sentence == "Bruno Vidal a remplacé votre modification dans"
    assert entry.path == f"/rex/{rex.slug}/diff?de=2&a=3"
    assert not _notes(world["bruno"])


def test_keep_both_everywhere_loses_nothing_and_tells_nobody(world: dict[str, Any]) -> None:
    rex, cb = world["rex"], world["cb"]
    _, form = _conflict(world)
    page = _page(
        cb.post(
            f"/rex/{rex.slug}/modifier",
            data={**form, "body": MINE, "conflit_composer": "les-deux"},
        )
    )
    editor = page.split('name="body"')[1].split("</textarea>")[0].split(">", 1)[1]
    for line in ("Un, dit Alice.", "Un, dit Bruno.", "Quatre, dit Alice.", "Quatre, dit Bruno."):
        assert line in editor
    saved = cb.post(
        f"/rex/{rex.slug}/modifier",
        data={**hidden_fields(page), "title": rex.title, "body": editor},
    )
    assert saved.status_code == 302 and _head(rex)[0] == 3
    assert not _notes(world["alice"]) and not _notes(world["bruno"])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"conflit_choix_1": "mine"}, "Choisissez une version pour le passage n° 2"),
        ({"conflit_choix_1": "mine", "conflit_choix_2": "x' or 1=1"}, "Choix inconnu"),
        (
            {"conflit_choix_1": "mine", "conflit_choix_2": "mine", "conflit_choix_9": "mine"},
            "n'existe pas",
        ),
        ({"conflit_choix_abc": "mine"}, "n'existe pas"),
        ({"conflit_passages": "5"}, "Le texte a changé"),
        ({"conflit_version": "99"}, "Les versions à comparer sont inconnues"),
        ({"conflit_depart": "zéro", "conflit_base": "0"}, "Les versions à comparer sont inconnues"),
        ({"conflit_base": "3"}, "Les versions à comparer sont inconnues"),
    ],
)
def test_forged_or_missing_choices_keep_everything(
    world: dict[str, Any], extra: dict[str, str], message: str
) -> None:
    rex, cb = world["rex"], world["cb"]
    _, form = _conflict(world)
    response = cb.post(
        f"/rex/{rex.slug}/modifier",
        data={**form, "body": MINE, "conflit_composer": "choix", **extra},
    )
    page = _page(response)
    assert response.status_code == 200 and message in page
    editor = page.split('name="body"')[1].split("</textarea>")[0]
    assert "Un, dit Bruno." in editor and "Deux, dit Bruno." in editor  # nothing typed lost
    assert _head(rex)[0] == 2


def test_saving_over_the_conflict_notifies_the_superseded_author_by_mail(
    app: Any, world: dict[str, Any]
) -> None:
    rex, cb = world["rex"], world["cb"]
    _, form = _conflict(world)
    before = len(outbox(app))
    saved = cb.post(f"/rex/{rex.slug}/modifier", data={**form, "body": MINE})
    assert saved.status_code == 302
    assert _head(rex) == (3, MINE)
    assert len(_notes(world["alice"])) == 1 and not _notes(world["bruno"])
    mails = [m for m in outbox(app)[before:] if m["To"] == world["alice"].email]
    assert [m["Subject"] for m in mails if "remplacé votre modification" in m["Subject"]], [
        m["Subject"] for m in mails
    ]
    text = mails[-1].get_body(preferencelist=("plain",)).get_content()
    assert "/diff?de=2&a=3" in text and "Bruno Vidal" in text
    # Alice follows her REX at « Tout »: the superseded notice replaces the « modifié » one.
    revision_3 = db.session.scalar(
        select(Revision.id).where(Revision.rex_id == rex.id, Revision.number == 3)
    )
    about_3 = db.session.scalars(
        select(Notification.target_type).where(
            Notification.user_id == world["alice"].id, Notification.target_id == revision_3
        )
    ).all()
    assert about_3 == [TARGET] and len(mails) == 1


def test_a_clean_merge_notifies_nobody(world: dict[str, Any]) -> None:
    rex, ca, cb = world["rex"], world["ca"], world["cb"]
    path = f"/rex/{rex.slug}/modifier"
    stale = hidden_fields(cb.get(path).get_data(as_text=True))
    fresh = hidden_fields(ca.get(path).get_data(as_text=True))
    ca.post(path, data={**fresh, "title": rex.title, "body": BASE.replace("Un.", "Un, dit Alice.")})
    saved = cb.post(path, data={**stale, "title": rex.title, "body": BASE.replace("Trois.", "3.")})
    assert saved.status_code == 302
    text = _head(rex)[1]
    assert "Un, dit Alice." in text and "3." in text
    assert not _notes(world["alice"])


def test_my_own_change_superseded_by_myself_is_no_notification(world: dict[str, Any]) -> None:
    rex, alice = world["rex"], world["alice"]
    wiki.save(alice, rex, base=1, body=THEIRS)
    db.session.commit()
    wiki.save(alice, rex, base=2, body=MINE, origin=1)  # saved over my own version 2
    db.session.commit()
    assert not _notes(alice)


def test_author_who_cannot_read_the_rex_is_not_told(
    app: Any, make_user: Any, make_group: Any
) -> None:
    alice, bruno = make_user(name="Alice Partie"), make_user(name="Bruno Reste")
    group = make_group(members=(alice, bruno))
    rex = wiki.create_rex(bruno, title="REX du groupe", body=BASE, space="group", group_id=group.id)
    wiki.save(alice, rex, base=1, body=THEIRS)
    db.session.commit()
    groups.leave(alice, group)
    db.session.commit()
    wiki.save(bruno, rex, base=2, body=MINE, origin=1)
    db.session.commit()
    assert not _notes(alice)


def test_notification_is_hidden_once_the_rex_is_out_of_reach(
    app: Any, make_user: Any, make_group: Any
) -> None:
    alice, bruno = make_user(name="Alice Membre"), make_user(name="Bruno Membre")
    group = make_group(members=(alice, bruno))
    rex = wiki.create_rex(bruno, title="REX secret", body=BASE, space="group", group_id=group.id)
    wiki.save(alice, rex, base=1, body=THEIRS)
    wiki.save(bruno, rex, base=2, body=MINE, origin=1)
    db.session.commit()
    notes = _notes(alice)
    assert len(notes) == 1 and notifications.describe(alice, notes)[0].visible
    outsider = make_user(name="Oscar Dehors")
    db.session.commit()
    assert notifications.describe(outsider, notes)[0].visible is False
    client = app.test_client()
    login(client, outsider)
    assert "REX secret" not in client.get("/notifications").get_data(as_text=True)


def test_only_editors_may_compose(app: Any, make_user: Any, make_group: Any) -> None:
    alice, bruno, oscar = make_user(), make_user(), make_user(name="Oscar Dehors")
    group = make_group(members=(alice, bruno))
    rex = wiki.create_rex(bruno, title="REX secret", body=BASE, space="group", group_id=group.id)
    wiki.save(alice, rex, base=1, body=THEIRS)
    db.session.commit()
    posted = {"conflit_depart": "1", "conflit_version": "2", "conflit_composer": "les-deux"}
    with pytest.raises(errors.Forbidden):
        conflicts.compose(oscar, rex, MINE, posted)
    (client,) = clients(app, [oscar])
    response = client.post(f"/rex/{rex.slug}/modifier", data={**posted, "body": MINE})
    assert response.status_code == 404 and "Alice" not in response.get_data(as_text=True)
    signed_out = app.test_client().post(f"/rex/{rex.slug}/modifier", data={**posted, "body": MINE})
    assert signed_out.status_code == 302 and "/connexion" in signed_out.headers["Location"]
    assert conflicts.compose(bruno, rex, MINE, posted).composed is not None


# -- the other edit paths keep the panel, now with the diff and who saved meanwhile -------------

POST = "Premier paragraphe.\n\nDeuxième paragraphe.\n\nTroisième paragraphe."


@pytest.fixture
def forum_world(app: Any, make_user: Any, make_group: Any) -> dict[str, Any]:
    facilitator, member = make_user(role="facilitator"), make_user(name="Membre Auteur")
    group = make_group(facilitator=facilitator, members=(member,))
    thread = forum.create_thread(
        member, title="Discussion du groupe", body=POST, space="group", group_id=group.id
    )
    rex = wiki.create_rex(
        member, title="REX du groupe", body=BASE, space="group", group_id=group.id
    )
    db.session.commit()
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    return {"fac": facilitator, "member": member, "post": post, "rex": rex}


def test_forum_conflict_shows_the_diff_and_who_edited(
    app: Any, forum_world: dict[str, Any]
) -> None:
    post = forum_world["post"]
    cf, cm = clients(app, [forum_world["fac"], forum_world["member"]])
    path = f"/forum/message/{post.id}/modifier"
    mod_path = f"/animation/contenu/post/{post.id}/modifier"
    stale, mod = form_of(cm, path), form_of(cf, mod_path)
    # the author edits their own message first, then the facilitator's stale form conflicts
    cm.post(path, data={**stale, "body": POST.replace("Premier", "PREMIER")})
    page = _page(
        cf.post(mod_path, data={**mod, "reason": "Motif", "body": POST.replace("Premier", "1er")})
    )
    assert "Conflit de modification" in page
    text = re.sub(r"<[^>]+>", "", page)
    assert "par Membre Auteur, le" in text and "Depuis que vous avez ouvert le formulaire" in text
    assert "supprimé : PREMIER" in text and "ajouté : 1er" in text
    # the author, after a facilitator's edit: the facilitator is « l'équipe d'animation »
    stale = form_of(cm, path)
    mod = form_of(cf, mod_path)
    cf.post(mod_path, data={**mod, "reason": "Motif", "body": POST.replace("Deuxième", "DEUXIÈME")})
    page = _page(cm.post(path, data={**stale, "body": POST.replace("Deuxième", "2e")}))
    text = re.sub(r"<[^>]+>", "", page)
    assert "par l'équipe d'animation, le" in text
    assert forum_world["fac"].display_name not in text


def test_moderation_edit_of_a_rex_shows_who_saved_meanwhile(
    app: Any, forum_world: dict[str, Any]
) -> None:
    rex = forum_world["rex"]
    cf, cm = clients(app, [forum_world["fac"], forum_world["member"]])
    mod_path = f"/animation/contenu/rex/{rex.id}/modifier"
    mod = form_of(cf, mod_path)
    edit = form_of(cm, f"/rex/{rex.slug}/modifier")
    cm.post(f"/rex/{rex.slug}/modifier", data={**edit, "title": rex.title, "body": THEIRS})
    page = _page(
        cf.post(mod_path, data={**mod, "reason": "Motif", "title": rex.title, "body": MINE})
    )
    text = re.sub(r"<[^>]+>", "", page)
    assert "Conflit de modification" in text and "version 2, par Membre Auteur, le" in text
    assert "supprimé : Alice" in text and "conflit_choix_1" not in page  # no passages there


def test_a_second_conflict_keeps_the_first_origin(
    app: Any, make_user: Any, world: dict[str, Any]
) -> None:
    """Alice saves, Bruno meets a conflict; Carla saves too, Bruno's next save meets a second
    conflict; Bruno saves his text over both: Alice and Carla are both told."""
    rex, cb = world["rex"], world["cb"]
    carla = make_user(name="Carla Suivante")
    _, form = _conflict(world)
    wiki.save(carla, rex, base=2, body=THEIRS.replace("Deux.", "Deux, dit Carla."))
    db.session.commit()
    page = cb.post(f"/rex/{rex.slug}/modifier", data={**form, "body": MINE})
    second = hidden_fields(page.get_data(as_text=True))
    assert "Conflit de modification" in _page(page)
    assert second["conflit_depart"] == "1" and second["conflit_base"] == "2"
    saved = cb.post(f"/rex/{rex.slug}/modifier", data={**second, "title": rex.title, "body": MINE})
    assert saved.status_code == 302 and _head(rex) == (4, MINE)
    assert len(_notes(world["alice"])) == 1 and len(_notes(carla)) == 1


def test_group_conflict_shows_the_diff_of_a_text(app: Any, make_user: Any, make_group: Any) -> None:
    first, second = make_user(role="facilitator"), make_user(role="facilitator")
    group = make_group(
        facilitator=first, name="Groupe des jardins", description="Intro.\n\nSuite.\n"
    )
    invitation = groups.invite(first, group, second)
    groups.answer_invitation(second, invitation, accept=True, accept_charter=True)
    groups.set_role(first, group, second, "facilitator")
    db.session.commit()
    c1, c2 = clients(app, [first, second])
    path = f"/groupes/{group.slug}/modifier"
    form1, form2 = form_of(c1, path), form_of(c2, path)
    values = {
        "name": group.name,
        "summary": "",
        "charter": group.charter_md,
        "themes": "",
        "member_cap": "12",
        "listed": "y",
    }
    first_save = c1.post(path, data={**form1, **values, "description": "Intro de 1.\n\nSuite.\n"})
    assert first_save.status_code == 302
    page = _page(c2.post(path, data={**form2, **values, "description": "Intro de 2.\n\nSuite.\n"}))
    text = re.sub(r"<[^>]+>", "", page)
    assert "Conflit de modification" in text
    assert "supprimé : 1" in text and "ajouté : 2" in text
    assert db.session.get(Group, group.id).description_md.startswith("Intro de 1.")


def test_every_revision_saved_meanwhile_is_named(
    app: Any, make_user: Any, world: dict[str, Any]
) -> None:
    rex, cb, alice = world["rex"], world["cb"], world["alice"]
    carla = make_user(name="Carla Suivante")
    path = f"/rex/{rex.slug}/modifier"
    stale = hidden_fields(cb.get(path).get_data(as_text=True))
    wiki.save(alice, rex, base=1, body=THEIRS, comment="Précisions d'Alice")
    wiki.save(carla, rex, base=2, body=THEIRS.replace("Trois.", "Trois, dit Carla."))
    db.session.commit()
    page = _page(cb.post(path, data={**stale, "title": rex.title, "body": MINE}))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "Depuis, 2 versions ont été enregistrées" in text
    assert "version 2, par Alice Lenoir, le" in text and "« Précisions d'Alice »" in text
    assert "version 3, par Carla Suivante, le" in text
    assert 'href="/rex/jardin-partage/diff?de=1&a=3"' in page
