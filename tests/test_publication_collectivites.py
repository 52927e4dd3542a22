"""Issue 18: a copy published by consent names the REX's collectivités (so it is found by the
type and region filters of the commons), they are in the consent preview and its e-mail, and
the digest covers them (changing them after a consent asks again). Under the Chatham House rule
the copy names none: the charter promises neither identity nor affiliation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from commons import db
from commons.publication import consent, copied, publish, services
from commons.wiki import description
from commons.wiki import services as wiki
from commons.wiki.models import Revision, Rex

from .conftest import login

CHECKED = dict.fromkeys(("no_personal_data", "no_confidential", "no_third_party_names"), True)


@pytest.fixture
def world(make_user, make_group, make_collectivite):  # type: ignore[no-untyped-def]
    """A group REX by A and B naming a commune of Gironde (Nouvelle-Aquitaine, region 75), a
    métropole of Rhône, and a collectivité someone proposed that nobody validated."""
    talence = make_collectivite("Ville de Talence", kind="commune", departement="33")
    lyon = make_collectivite("Métropole de Lyon", kind="metropole", departement="69")
    unchecked = make_collectivite("Mairie inventée", departement="33", validated=False)
    f = make_user("Fanny Anime", role="facilitator")
    a, b = make_user("Alice Martin"), make_user("Bruno Petit")
    group = make_group(facilitator=f, members=(a, b), name="Cantines")
    rex = wiki.create_rex(
        a,
        title="Cantine en régie",
        body="## Contexte\n\nUn texte.\n",
        space="group",
        group_id=group.id,
        themes=["alimentation"],
        collectivite_ids=[talence.id, lyon.id, unchecked.id],
    )
    wiki.save(b, rex, base=1, body="## Contexte\n\nUn texte relu.\n")
    db.session.commit()
    return SimpleNamespace(f=f, a=a, b=b, rex=rex, talence=talence, lyon=lyon, unchecked=unchecked)


def _propose(w, mode):  # type: ignore[no-untyped-def]
    proposal = services.propose(w.a, w.rex, licence_id="CC-BY-4.0", mode=mode)
    db.session.commit()
    return proposal


def _agree(w, proposal):  # type: ignore[no-untyped-def]
    for user in (w.a, w.b):
        digest = consent.preview(proposal).digest
        services.answer(user, proposal, contributor_id=user.id, value="yes", digest=digest)
        db.session.commit()


def _publish(w, proposal):  # type: ignore[no-untyped-def]
    services.attest(w.f, proposal, checklist=CHECKED, digest=consent.preview(proposal).digest)
    public = publish.publish(w.f, proposal)
    db.session.commit()
    return public


def test_a_named_copy_keeps_its_collectivites_in_the_api_and_the_filters(client, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w, "named")
    _agree(w, proposal)
    public = _publish(w, proposal)
    assert sorted(c.name for c in public.collectivites) == ["Métropole de Lyon", "Ville de Talence"]
    data = client.get(f"/api/v1/rex/{public.slug}").get_json()
    assert [(c["name"], c["type"], c["region"]) for c in data["collectivites"]] == [
        ("Métropole de Lyon", "metropole", "84"),
        ("Ville de Talence", "commune", "75"),
    ]
    for args in ("type=commune", "type=metropole", "region=75", "region=84"):
        listing = client.get(f"/communs/?{args}").get_data(as_text=True)
        assert f"/rex/{public.slug}" in listing, args
        api = client.get(f"/api/v1/rex?{args}").get_json()
        assert [r["slug"] for r in api["items"]] == [public.slug], args
    assert f"/rex/{public.slug}" not in client.get("/communs/?type=region").get_data(as_text=True)
    page = client.get(f"/rex/{public.slug}").get_data(as_text=True)
    assert "Ville de Talence" in page and "Mairie inventée" not in page


def test_the_digest_covers_the_collectivites_and_anyone_can_recompute_it(client, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w, "group")
    _agree(w, proposal)
    public = _publish(w, proposal)
    source = db.session.scalar(select(Revision.source).where(Revision.rex_id == public.id))
    recomputed = consent.digest_of(
        public.title,
        public.summary,
        list(public.themes),
        source,
        public.licence_id,
        public.attribution_mode,
        public.credits or [],
        None,
        [c.name for c in public.collectivites],
        copied.facts_of(public),
    )
    record = client.get(f"/publication/{proposal.id}/registre").get_data(as_text=True)
    assert record.count(recomputed) == 2  # both receipts rest on it


def test_changing_the_collectivites_after_consent_asks_again(world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w, "named")
    _agree(w, proposal)
    before = consent.preview(proposal)
    assert consent.state(proposal, before).ready
    description.apply(w.b, w.rex, {"collectivites": sorted([w.talence.id, w.unchecked.id])})
    db.session.commit()
    after = consent.preview(proposal)
    assert [c.name for c in after.collectivites] == ["Ville de Talence"]
    assert after.digest != before.digest
    assert [c.status for c in consent.state(proposal, after).consents] == ["stale", "stale"]
    with pytest.raises(services.PublicationError):
        services.attest(w.f, proposal, checklist=CHECKED, digest=after.digest)


def test_an_unvalidated_collectivite_is_not_published(world) -> None:  # type: ignore[no-untyped-def]
    """What the public will not see is not in the digest: the digest of a REX without
    (validated) collectivités is the one it always had."""
    w = world
    proposal = _propose(w, "named")
    first = consent.preview(proposal)
    description.apply(w.b, w.rex, {"collectivites": [w.unchecked.id]})
    db.session.commit()
    current = consent.preview(proposal)
    assert current.collectivites == [] and current.digest != first.digest
    assert current.digest == consent.digest_of(
        current.title,
        current.summary,
        current.themes,
        current.source,
        current.licence_id,
        current.mode,
        current.credits,
        None,
        None,
        current.facts,
    )


def test_the_consent_preview_and_its_email_show_the_collectivites(client, app, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w, "named")
    text = consent.preview(proposal).as_text()
    assert "Collectivités : Métropole de Lyon, Ville de Talence\n" in text
    assert "Thèmes : Alimentation\n" in text and "Mairie inventée" not in text
    login(client, w.b)
    page = client.get(f"/publication/{proposal.id}").get_data(as_text=True)
    preview = page[page.index('id="titre-apercu"') :]
    assert "<dt>Collectivités</dt><dd>Métropole de Lyon, Ville de Talence</dd>" in preview
    assert "<dt>Thèmes</dt><dd>Alimentation</dd>" in preview
    assert "les modifier dans le REX demande un nouvel accord" in preview
    assert "alimentation" not in preview.replace("Alimentation", "")


def test_a_chatham_house_copy_names_no_collectivite(client, world) -> None:  # type: ignore[no-untyped-def]
    w = world
    proposal = _propose(w, "chatham")
    current = consent.preview(proposal)
    assert current.collectivites == []
    assert [c.name for c in current.withheld_collectivites] == [
        "Métropole de Lyon",
        "Ville de Talence",
    ]
    login(client, w.a)
    page = client.get(f"/publication/{proposal.id}").get_data(as_text=True)
    preview = page[page.index('id="titre-apercu"') :]
    assert "<dt>Collectivités</dt><dd>aucune</dd>" in preview
    assert "Règle de Chatham House : la copie publique ne nomme pas les collectivités" in preview
    _agree(w, proposal)
    public = _publish(w, proposal)
    assert public.collectivites == []
    client.post("/deconnexion")
    assert client.get(f"/api/v1/rex/{public.slug}").get_json()["collectivites"] == []
    page = client.get(f"/rex/{public.slug}").get_data(as_text=True)
    assert "Ville de Talence" not in page and "Métropole de Lyon" not in page
    assert db.session.get(Rex, w.rex.id).collectivites  # the group's REX keeps them


def test_the_projects_facts_are_shown_and_covered_by_the_digest(world) -> None:  # type: ignore[no-untyped-def]
    """Status, period, budget and team size are copied to the public copy: the preview shows
    them as people read them, and changing one after a consent asks again."""
    w = world
    description.apply(w.b, w.rex, {"budget": "12 000 €", "period": "2023-2024", "team_size": 4})
    db.session.commit()
    proposal = _propose(w, "named")
    _agree(w, proposal)
    before = consent.preview(proposal)
    assert before.facts["Budget"] == "12 000 €" and before.facts["Taille de l'équipe"] == "4"
    assert before.facts["Statut"] and before.facts["Statut"] != w.rex.status  # a label, not a code
    assert "Budget : 12 000 €" in before.as_text()
    assert consent.state(proposal, before).ready
    description.apply(w.b, w.rex, {"budget": "15 000 €"})
    db.session.commit()
    after = consent.preview(proposal)
    assert after.digest != before.digest
    assert [c.status for c in consent.state(proposal, after).consents] == ["stale", "stale"]
