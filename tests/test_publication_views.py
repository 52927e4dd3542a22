"""Publication pages: what members, facilitators, outsiders and anonymous readers may see and
do; notifications and e-mails; group syntheses; the facilitators' dashboard panel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commons import db, errors
from commons.forum import services as forum
from commons.groups import services as groups
from commons.notifications import emails
from commons.publication import consent, services
from commons.publication.models import ConsentReceipt, Proposal
from commons.wiki.models import Rex

from .conftest import login, outbox
from .test_publication import ALL_CHECKED, CANARY, _all_agree, _propose, build_world


@pytest.fixture
def world(app, make_user, make_group):  # type: ignore[no-untyped-def]
    return build_world(make_user, make_group)


def _page(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def test_outsiders_see_nothing_of_a_proposal(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    paths = [
        f"/publication/{proposal.id}",
        f"/publication/{proposal.id}/relecture",
        f"/publication/{proposal.id}/registre",
    ]
    for path in paths:  # anonymous: login or 404, never the text
        status, body = _page(client, path)
        assert status in (302, 404) and CANARY not in body and "Tiers-lieu" not in body
    login(client, w.o)
    for path in paths:
        status, body = _page(client, path)
        assert status == 404 and "Tiers-lieu" not in body, path
    for path in ("reponse", "attester", "annuler", "relancer"):
        assert client.post(f"/publication/{proposal.id}/{path}").status_code == 404
    _status, notes = _page(client, "/notifications/")
    assert "Tiers-lieu" not in notes
    assert client.get(f"/publication/rex/{w.rex.slug}/proposer").status_code == 404


def test_member_sees_the_exact_preview_and_answers(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    login(client, w.b)
    status, body = _page(client, f"/publication/{proposal.id}")
    assert status == 200 and "Aperçu exact de la page publique" in body
    assert consent.preview(proposal).digest in body and "médiathèque" in body
    assert "Je donne mon accord" in body and "Bruno Petit" in body
    digest = consent.preview(proposal).digest
    form = {"contributor": str(w.b.id), "digest": digest, "answer": "yes"}
    response = client.post(f"/publication/{proposal.id}/reponse", data=form, follow_redirects=True)
    assert "Votre accord est enregistré" in response.get_data(as_text=True)
    receipt = db.session.scalar(select(ConsentReceipt).where(ConsentReceipt.user_id == w.b.id))
    assert receipt.answer == "yes" and receipt.digest == digest and receipt.revision == 3
    assert receipt.credit == "Bruno Petit" and receipt.licence_id == "CC-BY-4.0"


def test_answering_for_someone_else_or_an_old_text_is_refused(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    digest = consent.preview(proposal).digest
    login(client, w.a)
    forged = {"contributor": str(w.b.id), "digest": digest, "answer": "yes"}
    body = client.post(
        f"/publication/{proposal.id}/reponse", data=forged, follow_redirects=True
    ).get_data(as_text=True)
    assert "que pour vous-même" in body
    stale = {"contributor": str(w.a.id), "digest": "0" * 64, "answer": "yes"}
    body = client.post(
        f"/publication/{proposal.id}/reponse", data=stale, follow_redirects=True
    ).get_data(as_text=True)
    assert "Le texte a changé depuis que vous l&#39;avez lu" in body
    assert db.session.scalar(select(ConsentReceipt)) is None


def test_attestation_page_permissions_and_publication(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    digest = consent.preview(proposal).digest
    data = {**dict.fromkeys(ALL_CHECKED, "y"), "digest": digest}
    login(client, w.a)
    assert client.get(f"/publication/{proposal.id}/relecture").status_code == 403
    body = client.post(
        f"/publication/{proposal.id}/attester", data=data, follow_redirects=True
    ).get_data(as_text=True)
    assert "Seule l&#39;animation du groupe" in body
    client = app.test_client()
    login(client, w.f)
    body = client.get(f"/publication/{proposal.id}").get_data(as_text=True)
    assert "Attester et publier" in body
    partial = {"no_personal_data": "y", "digest": digest}
    body = client.post(
        f"/publication/{proposal.id}/attester", data=partial, follow_redirects=True
    ).get_data(as_text=True)
    assert "Cochez chaque point" in body
    response = client.post(f"/publication/{proposal.id}/attester", data=data)
    assert response.status_code == 302
    public = db.session.scalar(select(Rex).where(Rex.space == "public", Rex.frozen))
    assert response.headers["Location"].endswith(f"/rex/{public.slug}")
    page = app.test_client().get(f"/rex/{public.slug}").get_data(as_text=True)
    assert "Publié par consentement" in page and "Registre de publication" in page
    assert "Alice Martin" in page and "CC BY 4.0" in page and "Modifier" not in page


def test_proposal_form_refusals(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    login(client, w.a)
    body = client.get(f"/rex/{w.rex.slug}").get_data(as_text=True)
    assert "Proposer la publication" in body
    url = f"/publication/rex/{w.rex.slug}/proposer"
    body = client.post(url, data={"licence": "CC-BY-NC-4.0", "mode": "named"}).get_data(
        as_text=True
    )
    assert "n&#39;est pas une licence ouverte" in body
    from commons.wiki import services as wiki

    network = wiki.create_rex(w.a, title="Un REX du réseau", body="Texte.\n")
    db.session.commit()
    body = client.post(
        f"/publication/rex/{network.slug}/proposer", data={"licence": "CC0-1.0", "mode": "named"}
    ).get_data(as_text=True)
    assert "Seul un REX de l&#39;espace privé d&#39;un groupe" in body
    assert db.session.scalar(select(Proposal)) is None
    response = client.post(url, data={"licence": "CC0-1.0", "mode": "chatham"})
    assert response.status_code == 302
    assert db.session.scalar(select(Proposal)).attribution_mode == "chatham"


def test_notifications_and_emails_reach_contributors_only(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    groups.leave(w.c, w.group)  # Chloé left the group: she must not receive the private text
    db.session.commit()
    proposal = _propose(w)
    emails.deliver_pending()
    # Only the publication's messages (the REX's creator also follows its edits: issue 18).
    sent = [m for m in outbox(app) if "accord" in m["Subject"]]
    assert sorted(m["To"] for m in sent) == [w.b.email]
    assert CANARY not in sent[0].get_body(preferencelist=("plain",)).get_content()
    assert all(
        CANARY not in m.get_body(preferencelist=("plain",)).get_content() for m in outbox(app)
    )
    login(client, w.c)
    body = client.get("/notifications/").get_data(as_text=True)
    assert "Tiers-lieu" not in body and "plus accessible" in body
    assert client.get(f"/publication/{proposal.id}").status_code == 404
    client = app.test_client()
    login(client, w.b)
    body = client.get("/notifications/").get_data(as_text=True)
    assert "Votre accord est demandé" in body and f"/publication/{proposal.id}" in body


def test_group_space_lists_proposals(app, world, client) -> None:  # type: ignore[no-untyped-def]
    proposal = _propose(world)
    login(client, world.b)
    body = client.get(f"/groupes/{world.group.slug}/espace").get_data(as_text=True)
    assert f"/publication/{proposal.id}" in body and "Rédiger une synthèse" not in body


def test_synthesis_by_the_facilitator(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    thread = forum.create_thread(
        w.a,
        title="Horaires du tiers-lieu",
        body="Quels horaires ?",
        space="group",
        group_id=w.group.id,
    )
    elsewhere = forum.create_thread(
        w.o, title="Sujet d'un autre groupe", body="…", space="group", group_id=w.other.id
    )
    db.session.commit()
    url = f"/publication/groupe/{w.group.slug}/synthese"
    login(client, w.a)
    assert client.get(url).status_code == 403
    client = app.test_client()
    login(client, w.o)
    assert client.get(url).status_code == 404
    client = app.test_client()
    login(client, w.f)
    body = client.get(url).get_data(as_text=True)
    assert "Horaires du tiers-lieu" in body and "Sujet d&#39;un autre groupe" not in body
    data = {"title": "Synthèse : ouvrir un tiers-lieu", "body": "Trois questions reviennent."}
    bad = client.post(url, data={**data, "threads": [str(elsewhere.id)]}).get_data(as_text=True)
    assert "que des discussions et des REX de ce groupe" in bad
    response = client.post(
        url, data={**data, "threads": [str(thread.id)], "rexes": [str(w.rex.id)]}
    )
    assert response.status_code == 302
    synthesis = db.session.scalar(select(Rex).where(Rex.kind == "synthese"))
    assert synthesis.space == "group" and synthesis.group_id == w.group.id
    page = client.get(f"/rex/{synthesis.slug}").get_data(as_text=True)
    assert f"/forum/sujet/{thread.id}" in page and f'href="/rex/{w.rex.slug}"' in page
    # A member may not propose a synthesis; the facilitator may.
    with pytest.raises(errors.Forbidden, match="Seule l'animation"):
        services.propose(w.a, synthesis, licence_id="CC-BY-4.0", mode="group")
    proposal = services.propose(w.f, synthesis, licence_id="CC-BY-4.0", mode="group")
    assert [u.id for u in consent.preview(proposal).contributors] == [w.f.id]


def test_dashboard_panel(app, world) -> None:  # type: ignore[no-untyped-def]
    dashboard = pytest.importorskip("commons.groups.dashboard")
    proposal = _propose(world)
    panels = dashboard.panels(world.f, world.group)
    mine = [p for p in panels if p.title.startswith("Publications en attente")]
    assert mine and mine[0].items[0][1] == f"/publication/{proposal.id}"
    others = dashboard.panels(world.o, world.other)
    assert all("Tiers-lieu" not in label for p in others for label, _ in p.items)


def test_record_and_my_publications(app, world, client) -> None:  # type: ignore[no-untyped-def]
    from commons.publication import publish

    w = world
    proposal = _propose(w, mode="chatham")
    assert client.get(f"/publication/{proposal.id}/registre").status_code == 404
    _all_agree(w, proposal)
    services.attest(w.f, proposal, checklist=ALL_CHECKED, digest=consent.preview(proposal).digest)
    public = publish.publish(w.f, proposal)
    db.session.commit()
    body = client.get(f"/publication/{proposal.id}/registre").get_data(as_text=True)
    assert "3 accords" in body and "Alice Martin" not in body and w.a.email not in body
    login(client, w.a)
    body = client.get("/publication/mes-publications").get_data(as_text=True)
    assert f"/rex/{public.slug}" in body
    notes = client.get("/notifications/").get_data(as_text=True)
    assert "Publié dans les communs" in notes and f'href="/rex/{public.slug}"' in notes


def test_a_contributor_who_left_blocks_and_is_shown(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    groups.leave(w.c, w.group)
    db.session.commit()
    login(client, w.f)
    body = client.get(f"/publication/{proposal.id}").get_data(as_text=True)
    assert "a quitté le groupe" in body and "Chloé Durand" in body
    with pytest.raises(errors.Forbidden):
        services.answer(
            w.c,
            proposal,
            contributor_id=w.c.id,
            value="yes",
            digest=consent.preview(proposal).digest,
        )
