"""Reports and moderation actions: each is audited, closes the open reports, and tells the
author why (notification centre and e-mail); bad input is refused with a French message."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from commons import db, errors
from commons.accounts.models import User
from commons.audit.models import AuditEntry
from commons.forum.models import Post, PostEdit, Thread
from commons.moderation import members, reports, services, targets
from commons.moderation.models import Report, Statement
from commons.notifications.models import Notification
from commons.search import documents
from commons.wiki.models import Revision, Rex
from tests.conftest import login as _login
from tests.conftest import outbox
from tests.moderation_world import CANARY_A, World, world_fixture  # noqa: F401


def login(client, user):  # type: ignore[no-untyped-def]
    """Sign ``user`` in (signing out whoever was)."""
    client.post("/deconnexion")
    return _login(client, user)


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _notes(user: User, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def test_report_goes_to_the_facilitators_of_the_space(client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    login(client, a.reporter)
    page = unescape(client.get(f"/forum/sujet/{a.thread.id}").get_data(as_text=True))
    assert f"/animation/signaler/post/{a.post.id}" in page  # the button is on the post
    response = client.post(
        f"/animation/signaler/post/{a.post.id}",
        data={"reason": "donnees-personnelles", "comment": "Un numéro de téléphone"},
    )
    assert response.status_code == 302
    report = db.session.scalar(select(Report))
    assert (report.group_id, report.status, report.reporter_id) == (
        a.group.id,
        "open",
        a.reporter.id,
    )
    assert [e.target_id for e in _audit("moderation.report")] == [a.post.id]
    # Both facilitators of A are told; B's facilitator and the network facilitator are not.
    assert len(_notes(a.facilitator, "report")) == 1 and len(_notes(a.creator, "report")) == 1
    assert not _notes(world.b.facilitator, "report") and not _notes(world.global_fac, "report")
    login(client, a.facilitator)
    centre = unescape(client.get("/notifications/").get_data(as_text=True))
    assert "Nouveau signalement (données personnelles)" in centre
    assert f"/animation/contenu/post/{a.post.id}" in centre


def test_network_content_is_reported_to_network_facilitators(world: World) -> None:  # type: ignore[no-untyped-def]
    reports.report(world.plain, targets.of(world.net_post), "propos-inappropries")
    db.session.commit()
    assert len(_notes(world.global_fac, "report")) == 1 and len(_notes(world.admin, "report")) == 1
    assert not _notes(world.a.facilitator, "report")


def test_one_open_report_per_user_per_item(client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    target = targets.of(a.post)
    reports.report(a.reporter, target, "hors-charte")
    db.session.commit()
    with pytest.raises(services.ModerationError, match="déjà signalé ce contenu"):
        reports.report(a.reporter, target, "doublon")
    db.session.rollback()
    login(client, a.reporter)
    page = unescape(
        client.post(
            f"/animation/signaler/post/{a.post.id}", data={"reason": "autre", "comment": "encore"}
        ).get_data(as_text=True)
    )
    assert "Vous avez déjà signalé ce contenu" in page
    assert db.session.scalar(select(func.count(Report.id))) == 1
    # The database holds too (a concurrent duplicate), through the partial unique index …
    db.session.add(
        Report(target_type="post", target_id=a.post.id, reporter_id=a.reporter.id, reason="autre")
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # … which only covers open reports: once handled, the same person may report again.
    services.dismiss(a.facilitator, targets.of(a.post), "rien à redire")
    db.session.commit()
    centre = unescape(client.get("/notifications/").get_data(as_text=True))
    assert "Votre signalement a été classé sans suite par l'animation" in centre
    reports.report(a.reporter, targets.of(a.post), "hors-charte")
    db.session.commit()
    assert db.session.scalar(select(func.count(Report.id))) == 2


def test_report_needs_a_known_reason_and_details_for_other(world: World) -> None:  # type: ignore[no-untyped-def]
    target = targets.of(world.a.post)
    with pytest.raises(services.ModerationError, match="Choisissez un motif"):
        reports.report(world.a.reporter, target, "pas-un-motif")
    with pytest.raises(services.ModerationError, match="Indiquez le motif"):
        reports.report(world.a.reporter, target, "autre", "  ")


def test_outsiders_cannot_report_private_content(client, world: World) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(errors.Forbidden):
        reports.report(world.b.reporter, targets.of(world.a.post), "hors-charte")
    login(client, world.b.reporter)
    response = client.get(f"/animation/signaler/post/{world.a.post.id}")
    assert response.status_code == 404 and CANARY_A not in unescape(response.get_data(as_text=True))
    client.post("/deconnexion")
    assert client.get(f"/animation/signaler/rex/{world.a.rex.id}").status_code == 302  # login


def test_hide_with_reason_informs_the_author(app, client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    reports.report(a.reporter, targets.of(a.post), "propos-inappropries")
    db.session.commit()
    login(client, a.facilitator)
    response = client.post(
        f"/animation/contenu/post/{a.post.id}/masquer", data={"reason": "Attaque personnelle"}
    )
    assert response.status_code == 302
    post = db.session.get(Post, a.post.id)
    assert post.hidden
    assert db.session.scalar(select(Report.status)) == "resolved"
    assert db.session.scalar(select(Report.outcome)) == "moderation.hide"
    [entry] = _audit("moderation.hide")
    assert (entry.actor_id, entry.reason, entry.group_id) == (
        a.facilitator.id,
        "Attaque personnelle",
        a.group.id,
    )
    [statement] = db.session.scalars(select(Statement))
    assert (statement.user_id, statement.reason) == (a.author.id, "Attaque personnelle")
    # The e-mail: what, which content, why, how to contest.
    [mail] = [m for m in outbox(app) if m["To"] == a.author.email]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Contenu masqué" in text and "Attaque personnelle" in text
    assert f"/animation/decisions/{statement.id}" in text and "Contester" in text
    # Members see the placeholder, the facilitator still reads the text.
    page = unescape(client.get(f"/forum/sujet/{a.thread.id}").get_data(as_text=True))
    assert "Message masqué par l'animation" in page and CANARY_A in page
    login(client, a.reporter)
    page = unescape(client.get(f"/forum/sujet/{a.thread.id}").get_data(as_text=True))
    assert "Message masqué par l'animation" in page and "Réponse de l'autrice A" not in page
    # The author finds the statement in the notification centre.
    login(client, a.author)
    centre = unescape(client.get("/notifications/").get_data(as_text=True))
    assert "Décision de l'animation (contenu masqué)" in centre
    decision = unescape(client.get(f"/animation/decisions/{statement.id}").get_data(as_text=True))
    assert "Attaque personnelle" in decision and "Contester cette décision" in decision
    # Other members cannot read someone else's statement; the reporter learns it was handled.
    login(client, a.reporter)
    assert client.get(f"/animation/decisions/{statement.id}").status_code == 404
    centre = unescape(client.get("/notifications/").get_data(as_text=True))
    assert "Votre signalement a été traité par l'animation" in centre
    assert f"/forum/sujet/{a.thread.id}/message/{post.number}" in centre


def test_hiding_without_a_reason_is_refused(client, world: World) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ModerationError, match="Indiquez le motif"):
        services.hide(world.a.facilitator, targets.of(world.a.post), "   ")
    db.session.rollback()
    login(client, world.a.facilitator)
    response = client.post(
        f"/animation/contenu/post/{world.a.post.id}/masquer",
        data={"reason": ""},
        follow_redirects=True,
    )
    assert "Indiquez le motif de la décision" in unescape(response.get_data(as_text=True))
    assert not db.session.get(Post, world.a.post.id).hidden
    assert not _audit("moderation.hide")


def test_restore_and_double_actions(world: World) -> None:  # type: ignore[no-untyped-def]
    target = targets.of(world.a.thread)
    services.hide(world.a.facilitator, target, "Hors sujet")
    with pytest.raises(services.ModerationError, match="déjà masqué"):
        services.hide(world.a.facilitator, target, "encore")
    services.restore(world.a.facilitator, target)
    with pytest.raises(services.ModerationError, match="n'est pas masqué"):
        services.restore(world.a.facilitator, target)
    db.session.commit()
    assert not db.session.get(Thread, world.a.thread.id).hidden
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))][
        -2:
    ] == ["moderation.hide", "moderation.restore"]
    # The thread's author (the facilitator who opened it) gets no statement about themself.
    assert db.session.scalar(select(func.count(Statement.id))) == 0


def test_hidden_thread_shows_a_notice_and_leaves_listings(client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    services.hide(a.creator, targets.of(a.thread), "Hors charte")
    db.session.commit()
    login(client, a.reporter)
    page = unescape(client.get(f"/forum/sujet/{a.thread.id}").get_data(as_text=True))
    assert "Discussion masquée par l'animation" in page and "Réponse de l'autrice A" not in page
    assert CANARY_A not in page  # not even the title
    login(client, a.facilitator)
    page = unescape(client.get(f"/forum/sujet/{a.thread.id}").get_data(as_text=True))
    assert f"<h1>Discussion A {CANARY_A}</h1>" in page and "Réponse de l'autrice A" in page
    login(client, a.reporter)
    space = unescape(client.get(f"/groupes/{a.group.slug}/espace").get_data(as_text=True))
    assert f"Discussion A {CANARY_A}" not in space and f"REX A {CANARY_A}" in space
    assert documents.thread_document(db.session, db.session.get(Thread, a.thread.id)) is None


def test_hidden_rex_is_masked_out_of_lists_search_and_history(client, world: World) -> None:  # type: ignore[no-untyped-def]
    rex = world.net_rex
    services.hide(world.global_fac, targets.of(rex), "Données personnelles")
    db.session.commit()
    assert documents.rex_document(db.session, db.session.get(Rex, rex.id)) is None
    login(client, world.plain)
    page = unescape(client.get(f"/rex/{rex.slug}").get_data(as_text=True))
    assert "Ce REX a été masqué par l'animation" in page and "budget participatif" not in page
    assert client.get(f"/rex/{rex.slug}/historique").status_code == 404
    assert client.get(f"/rex/{rex.slug}/modifier").status_code == 404  # hidden: not visible
    assert "REX du réseau" not in unescape(client.get("/rex/").get_data(as_text=True))
    login(client, world.global_fac)
    page = unescape(client.get(f"/rex/{rex.slug}").get_data(as_text=True))
    assert "budget participatif" in page and f"/animation/contenu/rex/{rex.id}" in page
    assert client.get(f"/rex/{rex.slug}/historique").status_code == 200


def test_edit_with_reason_keeps_history(client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    login(client, a.facilitator)
    response = client.post(
        f"/animation/contenu/post/{a.post.id}/modifier",
        data={"body": "Réponse expurgée", "reason": "Nom d'un tiers retiré", "base": "0"},
    )
    assert response.status_code == 302
    post = db.session.get(Post, a.post.id)
    assert post.source == "Réponse expurgée"
    [edit] = db.session.scalars(select(PostEdit).where(PostEdit.post_id == post.id))
    assert CANARY_A in edit.source_before and edit.editor_id == a.facilitator.id
    response = client.post(
        f"/animation/contenu/rex/{a.rex.id}/modifier",
        data={
            "body": "## Contexte\n\nTexte revu.\n",
            "reason": "Information confidentielle",
            "base": "1",
        },
    )
    assert response.status_code == 302
    head = db.session.scalar(
        select(Revision).where(Revision.rex_id == a.rex.id).order_by(Revision.number.desc())
    )
    assert head.comment == "Modération : Information confidentielle" and head.number == 2
    assert head.author_id == a.facilitator.id
    assert {s.reason for s in db.session.scalars(select(Statement))} == {
        "Nom d'un tiers retiré",
        "Information confidentielle",
    }
    # Missing reason: refused, nothing changed.
    page = unescape(
        client.post(
            f"/animation/contenu/post/{a.post.id}/modifier", data={"body": "Autre", "reason": ""}
        ).get_data(as_text=True)
    )
    assert "Ce champ est obligatoire" in page
    assert db.session.get(Post, a.post.id).source == "Réponse expurgée"


def test_lock_and_unlock_are_audited_with_their_reason(client, world: World) -> None:  # type: ignore[no-untyped-def]
    thread = world.net_thread
    login(client, world.global_fac)
    client.post(f"/animation/contenu/thread/{thread.id}/verrouiller", data={"reason": "Débat clos"})
    assert db.session.get(Thread, thread.id).locked
    [entry] = _audit("moderation.lock")
    assert entry.reason == "Débat clos"
    [statement] = db.session.scalars(select(Statement))
    assert statement.user_id == world.net_author.id and statement.action == "moderation.lock"
    login(client, world.net_author)
    page = client.post(f"/forum/sujet/{thread.id}/repondre", data={"body": "Et pourtant"})
    assert "verrouillée" in unescape(page.get_data(as_text=True))
    login(client, world.global_fac)
    client.post(f"/animation/contenu/thread/{thread.id}/deverrouiller", data={"reason": ""})
    assert not db.session.get(Thread, thread.id).locked and len(_audit("moderation.unlock")) == 1


def test_move_thread_within_what_the_facilitator_controls(world: World, app) -> None:  # type: ignore[no-untyped-def]
    from commons.forum import services as forum

    category = forum.create_category(world.global_fac, name="Finances")
    db.session.commit()
    target = targets.of(world.net_thread)
    services.move_thread(world.global_fac, target, group_id=None, category_id=category.id)
    db.session.commit()
    assert db.session.get(Thread, world.net_thread.id).category_id == category.id
    # A group's discussion never leaves its group, even for a facilitator of both.
    both = world.a.creator
    from commons.groups import services as groups

    groups.invite(world.b.creator, world.b.group, both)
    db.session.commit()
    with pytest.raises(errors.Forbidden):  # not (yet) facilitator of B
        services.move_thread(
            both, targets.of(world.a.thread), group_id=world.b.group.id, category_id=None
        )
    with pytest.raises(services.ModerationError, match="ne peut pas quitter son groupe"):
        services.move_thread(
            both, targets.of(world.a.thread), group_id=None, category_id=category.id
        )


def test_warn_and_contest(client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    login(client, a.facilitator)
    client.post(
        f"/animation/membres/{a.author.handle}/avertir",
        data={"scope": str(a.group.id), "reason": "Ton agressif répété"},
    )
    [statement] = db.session.scalars(select(Statement))
    assert statement.action == "moderation.warn" and statement.user_id == a.author.id
    login(client, a.author)
    client.post(f"/animation/decisions/{statement.id}", data={"text": "Je conteste"})
    assert db.session.get(Statement, statement.id).contest_text == "Je conteste"
    assert len(_audit("moderation.contest")) == 1
    assert (
        client.post(f"/animation/decisions/{statement.id}", data={"text": "Encore"}).status_code
        == 403
    )
    login(client, a.facilitator)
    dashboard = unescape(client.get(f"/groupes/{a.group.slug}/animation").get_data(as_text=True))
    assert "Décisions contestées" in dashboard


def test_suspend_for_a_period_or_indefinitely_and_lift(app, client, world: World) -> None:  # type: ignore[no-untyped-def]
    target = world.a.author
    login(client, world.global_fac)
    client.post(
        f"/animation/membres/{target.handle}/suspendre",
        data={"reason": "Harcèlement", "until": "2099-01-31"},
    )
    user = db.session.get(User, target.id)
    assert user.is_suspended and user.suspended_until.year == 2099
    [mail] = [m for m in outbox(app) if m["To"] == target.email]  # even though suspended
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Compte suspendu" in body and "Harcèlement" in body and "31/01/2099" in body
    assert "suspendu" in login(client, target).get_data(as_text=True).lower()
    login(client, world.global_fac)
    client.post(f"/animation/membres/{target.handle}/lever", data={"reason": "Excuses"})
    assert not db.session.get(User, target.id).is_suspended
    members.suspend(world.admin, db.session.get(User, target.id), "Récidive", None)
    db.session.commit()
    user = db.session.get(User, target.id)
    assert user.is_suspended and user.suspended_until is None
    actions = [s.action for s in db.session.scalars(select(Statement).order_by(Statement.id))]
    assert actions == ["account.suspend", "account.lift", "account.suspend"]
    assert [e.action for e in _audit("account.suspend")] == ["account.suspend"] * 2


def test_suspension_refusals(client, world: World) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(errors.Forbidden, match="animateur·rices du réseau"):
        members.suspend(world.a.facilitator, world.a.author, "Abus", None)
    with pytest.raises(errors.Forbidden):  # a facilitator account: administrators only
        members.suspend(world.global_fac, world.a.creator, "Abus", None)
    with pytest.raises(services.ModerationError, match="Indiquez le motif"):
        members.suspend(world.global_fac, world.a.author, "", None)
    db.session.rollback()
    login(client, world.a.facilitator)
    response = client.post(
        f"/animation/membres/{world.a.author.handle}/suspendre", data={"reason": "Abus"}
    )
    assert response.status_code == 403
    assert not db.session.get(User, world.a.author.id).is_suspended


def test_the_forum_quick_lock_is_audited_too(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.a.facilitator)
    client.post(f"/forum/sujet/{world.a.thread.id}/drapeaux", data={"locked": "1"})
    client.post(f"/forum/sujet/{world.a.thread.id}/drapeaux", data={"pinned": "1"})
    assert db.session.get(Thread, world.a.thread.id).locked
    [entry] = _audit("moderation.lock")
    assert (entry.actor_id, entry.group_id) == (world.a.facilitator.id, world.a.group.id)
    assert not _audit("moderation.unlock")


def test_move_form_and_route(client, world: World) -> None:  # type: ignore[no-untyped-def]
    from commons.forum import services as forum

    category = forum.create_category(world.global_fac, name="Vie du réseau")
    db.session.commit()
    login(client, world.global_fac)
    page = unescape(
        client.get(f"/animation/contenu/thread/{world.net_thread.id}").get_data(as_text=True)
    )
    assert f'value="category:{category.id}"' in page and "Agora : Vie du réseau" in page
    client.post(
        f"/animation/contenu/thread/{world.net_thread.id}/deplacer",
        data={"destination": f"category:{category.id}", "reason": "Mieux rangée"},
    )
    assert db.session.get(Thread, world.net_thread.id).category_id == category.id
    [entry] = _audit("moderation.move")
    assert entry.reason == "Mieux rangée"
    # A group thread has no move form (it never leaves its group).
    login(client, world.a.facilitator)
    page = unescape(
        client.get(f"/animation/contenu/thread/{world.a.thread.id}").get_data(as_text=True)
    )
    assert "Déplacer" not in page
    bad = client.post(
        f"/animation/contenu/thread/{world.a.thread.id}/deplacer",
        data={"destination": "nulle-part"},
    )
    assert bad.status_code == 400
