"""Publication of a group REX to the public commons by consent: proposal, consent receipts bound
to the exact text, facilitator attestation, the frozen public copy, name removal; every refusal
(bad input and permissions) with its French message."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from commons import db, errors
from commons.audit.models import AuditEntry
from commons.notifications import emails
from commons.notifications.models import Notification
from commons.publication import consent, copied, publish, queries, services
from commons.publication.models import ConsentReceipt, Proposal, ReceiptTampering
from commons.wiki import attribution
from commons.wiki import audience as wiki_audience
from commons.wiki import services as wiki
from commons.wiki.models import Revision, Rex

from .conftest import outbox

CANARY = "Canari-privé-7f3e"
BODY = "## Contexte\n\nUn tiers-lieu numérique.\n\n## Bilan\n\nÇa marche.\n"
ALL_CHECKED = dict.fromkeys(("no_personal_data", "no_confidential", "no_third_party_names"), True)


@pytest.fixture
def world(app, make_user, make_group):  # type: ignore[no-untyped-def]
    return build_world(make_user, make_group)


def build_world(make_user, make_group):  # type: ignore[no-untyped-def]
    """A group (facilitator F, members A, B, C) whose REX has a revision by each of A, B and C
    (the first one holds a canary that B removed); an outsider O facilitating another group."""
    f = make_user("Fanny Animatrice", role="facilitator")
    a, b, c = make_user("Alice Martin"), make_user("Bruno Petit"), make_user("Chloé Durand")
    o = make_user("Oscar Dehors", role="facilitator")
    group = make_group(facilitator=f, members=(a, b, c), name="Tiers-lieux")
    other = make_group(facilitator=o, name="Autre groupe")
    rex = wiki.create_rex(
        a, title="Tiers-lieu à Bègles", body=BODY + CANARY + "\n", space="group", group_id=group.id
    )
    wiki.save(b, rex, base=1, body=BODY)
    wiki.save(c, rex, base=2, body=BODY + "\nAvec la médiathèque.\n")
    db.session.commit()
    return SimpleNamespace(f=f, a=a, b=b, c=c, o=o, group=group, other=other, rex=rex)


def _propose(w, mode="named", licence="CC-BY-4.0", actor=None):  # type: ignore[no-untyped-def]
    proposal = services.propose(actor or w.a, w.rex, licence_id=licence, mode=mode)
    db.session.commit()
    return proposal


def _digest(proposal):  # type: ignore[no-untyped-def]
    return consent.preview(proposal).digest


def _say(user, proposal, value="yes"):  # type: ignore[no-untyped-def]
    services.answer(user, proposal, contributor_id=user.id, value=value, digest=_digest(proposal))
    db.session.commit()


def _all_agree(w, proposal):  # type: ignore[no-untyped-def]
    for user in (w.a, w.b, w.c):
        _say(user, proposal)


def _publish(w, proposal):  # type: ignore[no-untyped-def]
    services.attest(w.f, proposal, checklist=ALL_CHECKED, digest=_digest(proposal))
    public = publish.publish(w.f, proposal)
    db.session.commit()
    return public


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# The journey -------------------------------------------------------------------------------


def test_full_publication_journey(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    notes = db.session.scalars(select(Notification).where(Notification.target_id == proposal.id))
    assert sorted(n.user_id for n in notes) == sorted([w.b.id, w.c.id])  # not the proposer
    emails.deliver_pending()
    to_bruno = [m for m in outbox(app) if m["To"] == w.b.email]
    text = to_bruno[0].get_body(preferencelist=("plain",)).get_content()
    assert "Votre accord est demandé" in text and _digest(proposal) in text
    assert "Licence : Creative Commons" in text and "Alice Martin" in text

    _all_agree(w, proposal)
    ready = db.session.scalars(
        select(Notification).where(Notification.kind == "publication.ready")
    ).all()
    assert [n.user_id for n in ready] == [w.f.id]
    public = _publish(w, proposal)

    assert public.space == "public" and public.slug != w.rex.slug and public.frozen
    assert public.licence_id == "CC-BY-4.0" and public.head == 1
    assert [c.name for c in attribution.credits(public)] == [
        "Alice Martin",
        "Bruno Petit",
        "Chloé Durand",
    ]
    revision = db.session.scalar(select(Revision).where(Revision.rex_id == public.id))
    assert revision.author_id is None and revision.author_name == services.PUBLIC_AUTHOR
    assert CANARY not in revision.source and "médiathèque" in revision.source
    assert w.rex.space == "group"  # the group's REX stays private
    assert queries.origin(public).id == proposal.id
    digests = queries.receipt_digests(public)
    assert digests == [_digest_of_public(public)] * 3
    assert _actions()[-5:] == [
        "publication.consent",
        "publication.consent",
        "publication.consent",
        "publication.attest",
        "publication.publish",
    ]
    assert "publication.propose" in _actions()


def _digest_of_public(public: Rex) -> str:
    source = db.session.scalar(select(Revision.source).where(Revision.rex_id == public.id))
    return consent.digest_of(
        public.title,
        public.summary,
        list(public.themes),
        source,
        public.licence_id,
        public.attribution_mode,
        public.credits or [],
        None,
        None,
        copied.facts_of(public),
    )


def test_public_copy_shows_nothing_of_the_private_history(app, world, client) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w, mode="chatham")
    _all_agree(w, proposal)
    public = _publish(w, proposal)
    page = client.get(f"/rex/{public.slug}").get_data(as_text=True)
    assert "Chargé de mission dans une commune de Nouvelle-Aquitaine" in page
    assert "Règle de Chatham House" in page and "CC BY 4.0" in page
    for path in (
        f"/rex/{public.slug}",
        f"/rex/{public.slug}/historique",
        f"/rex/{public.slug}/version/1",
        f"/publication/{proposal.id}/registre",
    ):
        body = client.get(path).get_data(as_text=True)
        group_link = f'/rex/{w.rex.slug}"'
        for secret in (CANARY, "Alice Martin", "Bruno Petit", "Tiers-lieux", group_link):
            assert secret not in body, (path, secret)
    assert client.get(f"/rex/{public.slug}/version/2").status_code == 404
    assert client.get(f"/rex/{public.slug}/diff?de=1&a=2").status_code == 404
    record = client.get(f"/publication/{proposal.id}/registre").get_data(as_text=True)
    assert record.count(_digest_of_public(public)) == 3


def test_group_mode_credits_the_group(app, world) -> None:  # type: ignore[no-untyped-def]
    proposal = _propose(world, mode="group")
    _all_agree(world, proposal)
    public = _publish(world, proposal)
    assert [(c.name, c.role) for c in attribution.credits(public)] == [
        ("Groupe « Tiers-lieux »", "group")
    ]


# Consent bound to the exact text -----------------------------------------------------------


def test_a_changed_text_makes_earlier_consents_stale(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    first = _digest(proposal)
    wiki.save(w.a, w.rex, base=w.rex.head, body=BODY + "\nUne phrase de plus.\n")
    db.session.commit()
    state = consent.state(proposal, consent.preview(proposal))
    assert _digest(proposal) != first
    assert [c.status for c in state.consents] == ["stale"] * 3 and not state.ready
    with pytest.raises(services.PublicationError, match="il manque celui de"):
        services.attest(w.f, proposal, checklist=ALL_CHECKED, digest=_digest(proposal))
    # Answering with the digest of the text one read earlier is refused.
    with pytest.raises(services.PublicationError, match="Le texte a changé"):
        services.answer(w.b, proposal, contributor_id=w.b.id, value="yes", digest=first)
    db.session.rollback()
    _all_agree(w, proposal)
    assert consent.state(proposal, consent.preview(proposal)).ready


def test_a_changed_text_after_attestation_blocks_publication(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    services.attest(w.f, proposal, checklist=ALL_CHECKED, digest=_digest(proposal))
    db.session.commit()
    wiki.rename(w.b, w.rex, "Tiers-lieu à Bègles (bilan)")  # the title is part of the text
    db.session.commit()
    with pytest.raises(services.PublicationError, match="il manque"):
        publish.publish(w.f, proposal)


def test_facilitator_edit_asks_consents_again(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    asked = services.edit(
        w.f, proposal, base=w.rex.head, body=BODY + "\nSans nom.\n", comment="donnée personnelle"
    )
    db.session.commit()
    assert asked == 3
    renew = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "publication.renew")
    )
    assert sorted(renew) == sorted([w.a.id, w.b.id, w.c.id])
    contributors = [u.id for u in consent.preview(proposal).contributors]
    assert w.f.id in contributors  # the facilitator's edit makes them a contributor too
    with pytest.raises(services.PublicationError, match="raison"):
        services.edit(w.f, proposal, base=w.rex.head, body=BODY, comment=" ")


def test_withdraw_then_consent_again(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    _say(w.b, proposal, "withdrawn")
    state = consent.state(proposal, consent.preview(proposal))
    assert state.of(w.b.id).status == "withdrawn" and not state.ready
    with pytest.raises(services.PublicationError, match="il manque celui de Bruno Petit"):
        services.attest(w.f, proposal, checklist=ALL_CHECKED, digest=_digest(proposal))
    db.session.rollback()
    _say(w.b, proposal, "yes")
    _publish(w, proposal)
    answers = db.session.scalars(
        select(ConsentReceipt.answer).where(ConsentReceipt.user_id == w.b.id)
    ).all()
    assert answers == ["yes", "withdrawn", "yes"]  # every answer kept, with its time


def test_one_no_blocks(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    _say(w.a, proposal)
    _say(w.b, proposal, "no")
    _say(w.c, proposal)
    refused = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "publication.refused")
    ).all()
    assert sorted(refused) == sorted([w.f.id, w.a.id])
    with pytest.raises(services.PublicationError, match="Bruno Petit a refusé"):
        services.attest(w.f, proposal, checklist=ALL_CHECKED, digest=_digest(proposal))
    db.session.rollback()
    with pytest.raises(services.PublicationError, match="a refusé"):
        publish.publish(w.f, proposal)


def test_receipts_are_immutable(app, world) -> None:  # type: ignore[no-untyped-def]
    proposal = _propose(world)
    _say(world.a, proposal)
    receipt = db.session.scalar(select(ConsentReceipt))
    receipt.answer = "no"
    with pytest.raises(ReceiptTampering):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(ConsentReceipt)))
    with pytest.raises(ReceiptTampering):
        db.session.flush()
    db.session.rollback()
    from sqlalchemy import update

    with pytest.raises(ReceiptTampering):
        db.session.execute(update(ConsentReceipt).values(answer="no"))


# Refusals ----------------------------------------------------------------------------------


def test_consenting_on_someone_elses_behalf_is_refused(app, world) -> None:  # type: ignore[no-untyped-def]
    proposal = _propose(world)
    with pytest.raises(errors.Forbidden, match="que pour vous-même"):
        services.answer(
            world.a, proposal, contributor_id=world.b.id, value="yes", digest=_digest(proposal)
        )
    # A member who did not contribute cannot answer either.
    with pytest.raises(errors.Forbidden, match="contribué"):
        services.answer(
            world.f, proposal, contributor_id=world.f.id, value="yes", digest=_digest(proposal)
        )


def test_publishing_without_every_consent_is_refused(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    _say(w.a, proposal)
    _say(w.b, proposal)
    with pytest.raises(services.PublicationError, match="il manque celui de Chloé Durand"):
        publish.publish(w.f, proposal)
    db.session.rollback()
    _say(w.c, proposal)
    with pytest.raises(services.PublicationError, match="sans l'attestation"):
        publish.publish(w.f, proposal)


def test_only_the_groups_facilitator_attests(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    for who in (w.a, w.o):  # a plain member; the facilitator of another group
        with pytest.raises(errors.Forbidden, match="Seule l'animation du groupe"):
            services.attest(who, proposal, checklist=ALL_CHECKED, digest=_digest(proposal))
        with pytest.raises(errors.Forbidden, match="Seule l'animation du groupe"):
            publish.publish(who, proposal)
    with pytest.raises(services.PublicationError, match="Cochez chaque point"):
        services.attest(
            w.f, proposal, checklist={"no_personal_data": True}, digest=_digest(proposal)
        )


def test_double_publication_is_refused(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    with pytest.raises(services.PublicationError, match="déjà une proposition"):
        _propose(w, actor=w.b)
    db.session.rollback()
    _all_agree(w, proposal)
    _publish(w, proposal)
    with pytest.raises(services.PublicationError, match="déjà publié"):
        publish.publish(w.f, proposal)
    db.session.rollback()
    with pytest.raises(services.PublicationError, match="déjà publié"):
        _propose(w, actor=w.b)
    db.session.rollback()
    assert db.session.scalar(select(Rex).where(Rex.space == "public", Rex.frozen)) is not None
    assert len(db.session.scalars(select(Rex).where(Rex.frozen)).all()) == 1


def test_proposing_outside_ones_group_or_a_non_group_rex_is_refused(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    with pytest.raises(errors.Forbidden, match="REX de vos groupes"):
        services.propose(w.o, w.rex, licence_id="CC-BY-4.0", mode="named")
    network = wiki.create_rex(w.a, title="REX du réseau", body=BODY)
    with pytest.raises(services.PublicationError, match="espace privé d'un groupe"):
        services.propose(w.a, network, licence_id="CC-BY-4.0", mode="named")


@pytest.mark.parametrize("licence", ["CC-BY-NC-4.0", "proprietaire", ""])
def test_non_open_licence_is_refused(app, world, licence) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.PublicationError, match="n'est pas une licence ouverte"):
        services.propose(world.a, world.rex, licence_id=licence, mode="named")


def test_unknown_attribution_mode_is_refused(app, world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.PublicationError, match="Mode d'attribution inconnu"):
        services.propose(world.a, world.rex, licence_id="CC-BY-4.0", mode="pseudonyme")


def test_imported_revisions_without_account_block_the_proposal(app, world) -> None:  # type: ignore[no-untyped-def]
    wiki.add_revision(world.rex, None, world.rex.title, BODY + "\nImporté.\n", "import", "X. Ext")
    with pytest.raises(services.PublicationError, match="X. Ext"):
        services.propose(world.a, world.rex, licence_id="CC-BY-4.0", mode="named")


def test_cancel_allows_a_new_proposal(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    with pytest.raises(errors.Forbidden, match="annuler"):
        publish.cancel(w.b, proposal)  # neither the proposer nor a facilitator
    publish.cancel(w.a, proposal, "trop tôt")
    db.session.commit()
    with pytest.raises(services.PublicationError, match="annulée"):
        _say(w.b, proposal)
    db.session.rollback()
    assert _propose(w, actor=w.b).id != proposal.id


# Licence locked, name removal --------------------------------------------------------------


def test_public_copy_licence_and_text_are_locked(app, world, client) -> None:  # type: ignore[no-untyped-def]
    from .conftest import login

    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    public = _publish(w, proposal)
    with pytest.raises(errors.Forbidden, match="verrouillée"):
        wiki_audience.change_licence(w.a, public, "CC-BY-SA-4.0")
    with pytest.raises(errors.Forbidden):
        wiki.save(w.a, public, base=1, body="Autre texte\n")
    login(client, w.a)
    assert client.get(f"/rex/{public.slug}/licence").status_code == 403
    assert (
        client.post(f"/rex/{public.slug}/licence", data={"licence": "CC0-1.0"}).status_code == 403
    )
    assert client.get(f"/rex/{public.slug}/modifier").status_code == 403
    assert db.session.get(Rex, public.id).licence_id == "CC-BY-4.0"


def test_name_removal_switches_to_the_anonymous_form(app, world, client) -> None:  # type: ignore[no-untyped-def]
    from .conftest import login

    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    public = _publish(w, proposal)
    login(client, w.b)
    response = client.post(f"/publication/{proposal.id}/retrait-nom", follow_redirects=True)
    assert "Votre nom est retiré" in response.get_data(as_text=True)
    db.session.expire_all()
    names = [c.name for c in attribution.credits(db.session.get(Rex, public.id))]
    assert names == [
        "Alice Martin",
        "Chargé de mission dans une commune de Nouvelle-Aquitaine",
        "Chloé Durand",
    ]
    page = app.test_client().get(f"/rex/{public.slug}").get_data(as_text=True)  # anonymous
    assert "Bruno Petit" not in page and "Alice Martin" in page
    with pytest.raises(services.PublicationError, match="déjà été retiré"):
        publish.remove_name(w.b, proposal)
    with pytest.raises(errors.Forbidden, match="seule la personne concernée"):
        publish.remove_name(w.f, proposal)  # not credited
    assert "publication.name_removal" in _actions()


def test_name_removal_needs_named_credits(app, world) -> None:  # type: ignore[no-untyped-def]
    proposal = _propose(world, mode="chatham")
    with pytest.raises(services.PublicationError, match="pas publié"):
        publish.remove_name(world.a, proposal)
    _all_agree(world, proposal)
    _publish(world, proposal)
    with pytest.raises(services.PublicationError, match="aucun nom"):
        publish.remove_name(world.a, proposal)


def test_chatham_descriptor(app, make_user, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    dep = make_collectivite(kind="departement", departement="34")
    user = make_user(collectivite=dep)
    assert attribution.chatham(user) == "Chargé de mission dans un département d'Occitanie"
    user.job_title = ""
    user.collectivite = None
    assert attribution.chatham(user) == "Agent·e dans une collectivité"


# Dashboard and export helpers --------------------------------------------------------------


def test_pending_for_lists_only_the_facilitators_groups(app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    assert [p.proposal.id for p in queries.pending_for(w.f)] == [proposal.id]
    assert [p.proposal.id for p in queries.pending_for(w.f, w.group)] == [proposal.id]
    assert queries.pending_for(w.o) == [] and queries.pending_for(w.a) == []
    assert queries.pending_for(w.o, w.group) == []
    assert queries.receipt_digests(w.rex) == []  # not a public copy


@pytest.mark.parametrize(
    "action", ["propose", "answer", "remind", "edit", "attest", "publish", "cancel"]
)
def test_the_facilitator_of_another_group_has_no_power(app, world, action) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    digest = _digest(proposal)
    calls = {
        "propose": lambda: services.propose(w.o, w.rex, licence_id="CC0-1.0", mode="named"),
        "answer": lambda: services.answer(
            w.o, proposal, contributor_id=w.o.id, value="yes", digest=digest
        ),
        "remind": lambda: services.remind(w.o, proposal),
        "edit": lambda: services.edit(w.o, proposal, base=w.rex.head, body="X\n", comment="x"),
        "attest": lambda: services.attest(w.o, proposal, checklist=ALL_CHECKED, digest=digest),
        "publish": lambda: publish.publish(w.o, proposal),
        "cancel": lambda: publish.cancel(w.o, proposal),
    }
    with pytest.raises(errors.Forbidden):
        calls[action]()
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).status == "pending"
    assert db.session.scalar(select(Rex).where(Rex.frozen)) is None


def test_a_hidden_rex_cannot_be_published(app, world) -> None:  # type: ignore[no-untyped-def]
    if not hasattr(Rex, "hidden"):
        pytest.skip("REX moderation (hidden flag) not installed")
    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    services.attest(w.f, proposal, checklist=ALL_CHECKED, digest=_digest(proposal))
    w.rex.hidden = True
    with pytest.raises(services.PublicationError, match="masqué par l'animation"):
        publish.publish(w.f, proposal)


def test_a_changed_credit_also_makes_consents_stale(app, world) -> None:  # type: ignore[no-untyped-def]
    """The digest covers the credits: renaming oneself changes what will be public."""
    w = world
    proposal = _propose(w)
    _all_agree(w, proposal)
    w.a.display_name = "Alice Martin-Roux"
    db.session.commit()
    state = consent.state(proposal, consent.preview(proposal))
    assert {c.status for c in state.consents} == {"stale"}
    assert consent.preview(proposal).credit_of(w.a) == "Alice Martin-Roux"
