"""Facilitator pages: dashboards (with registered panels and weekly activity), the audit log
page and its CSV, private notes. Group content never leaks to other groups' facilitators;
page queries do not grow with the number of rows; no route edits or deletes the audit log."""

from __future__ import annotations

import csv
import io
from html import unescape

import pytest
from sqlalchemy import event, select

from commons import audit, db, errors
from commons.audit.models import AuditEntry
from commons.groups import dashboard
from commons.groups import services as groups
from commons.moderation import members, queries, reports, services, targets
from commons.moderation.journal import defuse
from commons.search import documents
from tests.conftest import login as _login
from tests.moderation_world import CANARY_A, World, world_fixture  # noqa: F401


def login(client, user):  # type: ignore[no-untyped-def]
    client.post("/deconnexion")
    return _login(client, user)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


def test_group_dashboard(client, world: World, make_user) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    newcomer = make_user(name="Nouvelle Venue")
    groups.request_join(newcomer, a.group, message="Bonjour", accept_charter=True)
    reports.report(a.reporter, targets.of(a.post), "hors-charte", "")
    db.session.commit()
    login(client, a.facilitator)
    page = text(client.get(f"/groupes/{a.group.slug}/animation"))
    assert "Nouvelle Venue souhaite rejoindre" in page
    assert f"Message 2 de « Discussion A {CANARY_A} »" in page and "Hors charte" in page
    weeks = queries.activity(a.group.id)
    assert len(weeks) == queries.WEEKS
    this_week = weeks[-1]
    # This week in A: 1 REX, 1 thread, 2 posts, 2 active members (facilitator and author).
    assert (this_week.rex, this_week.threads, this_week.posts) == (1, 1, 2)
    assert this_week.active == {a.facilitator.id, a.author.id}
    assert sum(w.posts for w in weeks[:-1]) == 0


def test_global_dashboard_and_panels(client, world: World) -> None:  # type: ignore[no-untyped-def]
    reports.report(world.plain, targets.of(world.net_post), "doublon")
    reports.report(world.a.reporter, targets.of(world.a.post), "obsolete")
    db.session.commit()
    seen = []

    def panel(user, group):  # type: ignore[no-untyped-def]
        seen.append(group)
        return {"title": "Panneau de test 4242", "items": [("Un REX", "/rex/x")]}

    dashboard.register_panel(panel)
    try:
        login(client, world.global_fac)
        page = text(client.get("/animation/"))
        assert "Panneau de test 4242" in page and 'href="/rex/x"' in page
        assert "Message 2 de « Agora : propos discutables »" in page
        assert CANARY_A not in page  # a network facilitator sees no group's reports
        login(client, world.a.facilitator)
        page = text(client.get("/animation/"))
        assert "Groupe A" in page and "Groupe B" not in page
        assert (
            text(client.get(f"/groupes/{world.a.group.slug}/animation")).count(
                "Panneau de test 4242"
            )
            == 1
        )
    finally:
        dashboard._PANELS.remove(panel)
    assert seen[0] is None and seen[-1].id == world.a.group.id


def test_group_space_and_header_link_to_the_dashboard(client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    reports.report(a.reporter, targets.of(a.post), "doublon")
    db.session.commit()
    login(client, a.facilitator)
    space = text(client.get(f"/groupes/{a.group.slug}/espace"))
    assert f"/groupes/{a.group.slug}/animation" in space and "1 signalement ouvert" in space
    assert 'href="/animation/"' in space  # the "Animation" header link
    login(client, a.reporter)
    space = text(client.get(f"/groupes/{a.group.slug}/espace"))
    assert "/animation" not in space and "Animation du groupe" not in space


def test_admin_who_is_not_a_member_cannot_open_a_group_dashboard(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.admin)
    assert client.get(f"/groupes/{world.a.group.slug}/animation").status_code == 403


def _count_queries(app, client, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    engine = app.extensions["commons.engine"]
    statements: list[str] = []

    def listener(*args):  # type: ignore[no-untyped-def]
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        body = text(client.get(url))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements), body


@pytest.mark.parametrize(
    "url",
    ["/animation/", "/groupes/{slug}/animation", "/animation/signalements", "/animation/journal"],
)
def test_pages_run_a_fixed_number_of_queries(
    app, client, world: World, make_user, url: str
) -> None:  # type: ignore[no-untyped-def]
    from commons.forum import services as forum

    a = world.a
    url = url.format(slug=a.group.slug)
    login(client, a.creator)  # network facilitator and facilitator of A
    reports.report(a.reporter, targets.of(a.post), "hors-charte")
    reports.report(a.reporter, targets.of(a.rex), "obsolete")  # one of each kind of target:
    reports.report(world.plain, targets.of(world.net_thread), "doublon")  # labels: a query each
    reports.report(world.plain, targets.of(world.net_post), "doublon")
    db.session.commit()
    few, _ = _count_queries(app, client, url)
    for n in range(6):
        reporter = make_user()
        invitation = groups.invite(a.creator, a.group, reporter)
        groups.answer_invitation(reporter, invitation, accept=True, accept_charter=True)
        post = forum.reply(reporter, a.thread, f"message {n}")
        reports.report(reporter, targets.of(post), "autre", f"commentaire {n}")
        reports.report(reporter, targets.of(a.rex), "obsolete")
        reports.report(reporter, targets.of(world.net_post), "hors-charte")
        services.hide(a.creator, targets.of(post), f"motif {n}")
        reports.report(reporter, targets.of(a.post), "hors-charte")
        db.session.commit()
    many, body = _count_queries(app, client, url)
    assert many == few, (few, many)
    assert body.count("Hors charte") >= 1 and many > 3


def test_audit_page_filters_and_scope(client, world: World) -> None:  # type: ignore[no-untyped-def]
    services.hide(world.a.facilitator, targets.of(world.a.post), "Motif A")
    services.hide(world.b.facilitator, targets.of(world.b.post), "Motif B")
    services.hide(world.global_fac, targets.of(world.net_post), "Motif réseau")
    db.session.commit()
    login(client, world.a.facilitator)
    page = text(client.get("/animation/journal"))
    assert "Motif A" in page and CANARY_A in page
    assert "Motif B" not in page and "Motif réseau" not in page  # other scopes
    # The network's facilitators see every entry, but not what a private group said.
    login(client, world.global_fac)
    page = text(client.get("/animation/journal"))
    assert "Motif réseau" in page and "<td>Groupe A</td>" in page and "<td>Groupe B</td>" in page
    assert "Motif A" not in page and "Motif B" not in page and CANARY_A not in page
    assert "(contenu privé du groupe)" in page
    page = text(client.get(f"/animation/journal?groupe={world.b.group.id}&action=moderation.hide"))
    assert page.count("<td>Contenu masqué</td>") == 1 and "<td>Groupe A</td>" not in page
    assert "Motif réseau" not in page
    page = text(client.get("/animation/journal?acteur=Animatrice+R%C3%A9seau"))
    assert "Motif réseau" in page and "<td>Groupe B</td>" not in page
    # A member of the group (here its creator, a network facilitator) reads it all.
    login(client, world.a.creator)
    page = text(client.get(f"/animation/journal?groupe={world.a.group.id}"))
    assert "Motif A" in page and CANARY_A in page
    page = text(client.get("/animation/journal?du=2000-01-01&au=2000-12-31"))
    assert "Aucune entrée" in page
    page = text(client.get("/animation/journal?cible=rex"))
    assert "Motif A" not in page  # posts were hidden, not REX


def test_audit_csv_is_excel_friendly_and_defused(client, world: World) -> None:  # type: ignore[no-untyped-def]
    services.hide(world.a.facilitator, targets.of(world.a.post), '=HYPERLINK("http://x")')
    services.hide(world.b.facilitator, targets.of(world.b.post), "Motif B")
    db.session.commit()
    login(client, world.a.facilitator)
    response = client.get("/animation/journal.csv?action=moderation.hide")
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "date (UTC)" and len(rows) == 2  # header + A's entry only
    assert rows[1][8] == '\'=HYPERLINK("http://x")'
    assert "Motif B" not in raw.decode("utf-8-sig")
    login(client, world.admin)  # all entries, B's reason and content label redacted
    rows = list(
        csv.reader(
            io.StringIO(client.get("/animation/journal.csv").get_data().decode("utf-8-sig")),
            delimiter=";",
        )
    )
    hidden = [r for r in rows if r[1] == "moderation.hide"]
    assert len(hidden) == 2 and {r[7] for r in hidden} == {"Groupe A", "Groupe B"}
    assert all(r[6] == "(contenu privé du groupe)" and "Motif" not in r[8] for r in hidden)


@pytest.mark.parametrize("value", ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_defuse_formula_cells(value: str) -> None:
    assert defuse(value) == "'" + value and defuse("ok " + value) == "ok " + value


def test_no_route_edits_or_deletes_the_audit_log(app, client, world: World) -> None:  # type: ignore[no-untyped-def]
    audit.record(
        world.a.facilitator, "moderation.warn", target_type="user", target_id=1, reason="r"
    )
    db.session.commit()
    before = [
        (e.id, e.action, e.reason, e.target_label, e.actor_name, e.created_at)
        for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]
    audit_rules = [r for r in app.url_map.iter_rules() if "journal" in r.rule]
    assert audit_rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in audit_rules)
    login(client, world.admin)
    for method in ("post", "put", "patch", "delete"):
        for path in (
            "/animation/journal",
            "/animation/journal.csv",
            f"/animation/journal/{before[0][0]}",
        ):
            assert getattr(client, method)(path).status_code in (404, 405)
    # Every write route of the application, hit by an administrator with an entry's id:
    # the audit entries stay exactly as they were (only new ones may be appended).
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.arguments - {
            "target_id",
            "statement_id",
            "post_id",
            "thread_id",
        }:
            continue
        url = rule.rule.replace("<int:", "<").replace("<any(post, thread, rex):kind>", "post")
        for arg in ("target_id", "statement_id", "post_id", "thread_id"):
            url = url.replace(f"<{arg}>", str(before[0][0]))
        if "<" in url:
            continue
        client.post(url, data={"reason": "x", "body": "x", "text": "x"})
    db.session.expire_all()
    after = [
        (e.id, e.action, e.reason, e.target_label, e.actor_name, e.created_at)
        for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]
    assert after[: len(before)] == before


def test_notes_are_private_to_facilitators(client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = world.a
    canary = "NOTE-PRIVEE-CANARI-5512"
    members.add_note(a.facilitator, a.author, canary, a.group.id)
    db.session.commit()
    login(client, a.facilitator)
    assert canary in text(client.get(f"/animation/membres/{a.author.handle}"))
    login(client, world.global_fac)
    assert canary in text(client.get(f"/animation/membres/{a.author.handle}"))
    for outsider in (a.author, a.reporter, world.b.facilitator):
        login(client, outsider)
        response = client.get(f"/animation/membres/{a.author.handle}")
        assert response.status_code == 404 and canary not in text(response)
        assert canary not in text(client.get(f"/agents/{a.author.handle}"))
    # Not in the audit log (only that a note was written), not in any search document.
    assert canary not in {e.reason for e in db.session.scalars(select(AuditEntry))}
    with pytest.raises(errors.Forbidden):
        members.add_note(world.b.facilitator, a.author, "x", a.group.id)
    with pytest.raises(services.ModerationError, match="La note est vide"):
        members.add_note(a.facilitator, a.author, "  ", a.group.id)
    db.session.rollback()
    assert all(canary not in str(doc) for doc in documents.all_documents(db.session))
