"""Issue 18, the REX page: one toolbar (what each role sees in it), the « dérivé de » form after
« Comment citer », a derived REX's citation crediting its sources' authors as the sources credit
them (never a name a source hides, never a source the reader cannot read), and labels rather than
codes (themes, licences)."""

from __future__ import annotations

import html
import json
import re
from types import SimpleNamespace

import pytest

from commons import db
from commons.publication import publish, services
from commons.publication.consent import preview
from commons.wiki import audience
from commons.wiki import services as wiki

from .conftest import login

BODY = "## Contexte\n\nUn texte.\n"
CHECKED = dict.fromkeys(("no_personal_data", "no_confidential", "no_third_party_names"), True)


def _rex(author, title, space="network", group=None, **kw):  # type: ignore[no-untyped-def]
    rex = wiki.create_rex(
        author,
        title=title,
        body=BODY,
        space=space,
        group_id=group.id if group is not None else None,
        **kw,
    )
    db.session.commit()
    return rex


def _text(fragment: str) -> str:
    """The words of an HTML fragment (tags dropped, spaces collapsed)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _toolbar(page: str) -> tuple[str, str]:
    """The toolbar's words outside « Plus d'actions », and those inside it."""
    [nav] = re.findall(r'<nav class="rex-toolbar".*?</nav>', page, re.S)
    more = re.search(r'<details class="menu" id="plus-d-actions">.*?</details>', nav, re.S)
    outside = nav.replace(more.group(0), "") if more else nav
    return _text(outside), _text(more.group(0)) if more else ""


def _publish(rex, people, facilitator, mode):  # type: ignore[no-untyped-def]
    """Publish a group REX by consent (every contributor agrees), return the public copy."""
    proposal = services.propose(people[0], rex, licence_id="CC-BY-4.0", mode=mode)
    db.session.commit()
    for person in people:
        digest = preview(proposal).digest
        services.answer(person, proposal, contributor_id=person.id, value="yes", digest=digest)
        db.session.commit()
    services.attest(facilitator, proposal, checklist=CHECKED, digest=preview(proposal).digest)
    public = publish.publish(facilitator, proposal)
    db.session.commit()
    return public


# -- the toolbar -------------------------------------------------------------------------


def test_a_visitor_sees_one_quiet_toolbar(client, make_user) -> None:  # type: ignore[no-untyped-def]
    rex = _rex(make_user(), "Cantine bio", space="public")
    page = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    assert page.count('class="rex-toolbar"') == 1
    outside, more = _toolbar(page)
    assert outside == "Historique" and more == ""
    assert 'action="/rex/' not in page  # no derive form, no CSRF cookie for visitors
    header = page[page.index("<article") : page.index('<div class="two-cols">')]
    assert "watch-form" not in header and "Changer la licence" not in header


def test_an_editor_has_modifier_first_and_the_rest_folded(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = _rex(author, "Tiers-lieu")
    login(client, author)
    page = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    outside, more = _toolbar(page)
    assert outside.startswith("Modifier ce REX Historique Discussion sur ce REX Suivi")
    assert "Suivre ce REX" in outside
    assert more.startswith("Plus d'actions Changer la licence Changer d'espace")
    assert "Indiquer le REX dont celui-ci est adapté" in more and "Signaler ce REX" in more
    assert "Modérer" not in more  # an agent does not moderate the network
    # The menus are disclosures: a keyboard and a screen reader open them without script.
    nav = re.search(
        r'<nav class="rex-toolbar" aria-label="Actions sur ce REX">.*?</nav>', page, re.S
    )
    assert nav and nav.group(0).count("<summary") == 2
    assert '<script src="/static/disclosure.js' in page


def test_the_toolbar_follows_permissions(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    author, reader = make_user(), make_user()
    facilitator = make_user(role="facilitator")
    group = make_group(facilitator=facilitator, members=(author,))
    public = _rex(author, "Public", space="public")
    grouped = _rex(author, "Du groupe", space="group", group=group)
    login(client, reader)
    outside, more = _toolbar(client.get(f"/rex/{public.slug}").get_data(as_text=True))
    assert "Modifier" in outside  # any signed-in member improves a public REX
    assert "Changer d'espace" not in more  # a public REX never leaves the commons
    assert client.get(f"/rex/{grouped.slug}").status_code == 404
    client.post("/deconnexion")
    login(client, facilitator)
    outside, more = _toolbar(client.get(f"/rex/{grouped.slug}").get_data(as_text=True))
    assert "Modérer ce REX" in more and "Changer d'espace" in more


def test_a_published_copy_offers_no_edit(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    a, b = make_user(), make_user()
    facilitator = make_user(role="facilitator")
    group = make_group(facilitator=facilitator, members=(a, b))
    rex = _rex(a, "À publier", space="group", group=group)
    public = _publish(rex, [a], facilitator, "named")
    login(client, b)
    page = client.get(f"/rex/{public.slug}").get_data(as_text=True)
    outside, more = _toolbar(page)
    assert "Modifier" not in outside and "Historique" in outside
    assert more == "Plus d'actions Signaler ce REX"
    assert 'id="deriver"' not in page


def test_the_derive_form_comes_after_the_citation(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = _rex(author, "Adaptation")
    login(client, author)
    page = client.get(f"/rex/{rex.slug}").get_data(as_text=True)
    aside = page[page.index("<aside") : page.index("</aside>")]
    credits, cite, form = (
        aside.index(s) for s in ("Contributeurs", "Comment citer", 'id="deriver"')
    )
    assert credits < cite < form
    assert f'action="/rex/{rex.slug}/derive"' in aside[form:]
    assert "Ce REX adapte un autre REX ?" in aside


# -- a derived REX's citation --------------------------------------------------------------


@pytest.fixture
def sources(make_user, make_group, make_collectivite):  # type: ignore[no-untyped-def]
    """Three public sources credited in each mode (a live named one, a Chatham House copy and a
    group copy), a group REX only its members read, and an adaptation of all four (network)."""
    region = make_collectivite("Ville de Talence", departement="33")
    alice = make_user("Alice Nommée", collectivite=region)
    bruno = make_user("Bruno Caché", collectivite=region)
    facilitator = make_user("Fanny Anime", role="facilitator")
    group = make_group(facilitator=facilitator, members=(alice, bruno), name="Cantines")
    named = _rex(alice, "Source nommée", space="public", licence_id="CC-BY-4.0")
    chatham = _publish(
        _rex(bruno, "Source Chatham", space="group", group=group), [bruno], facilitator, "chatham"
    )
    grouped = _publish(
        _rex(bruno, "Source du groupe", space="group", group=group), [bruno], facilitator, "group"
    )
    private = _rex(bruno, "Source privée", space="group", group=group, licence_id="CC-BY-4.0")
    derived = _rex(alice, "Adaptation", licence_id="CC-BY-4.0")
    for source in (named, chatham, grouped, private):
        wiki.add_derivation(alice, derived, source)
    db.session.commit()
    outsider = make_user("Olga Dehors")
    return SimpleNamespace(
        alice=alice, bruno=bruno, outsider=outsider, named=named, chatham=chatham,
        grouped=grouped, private=private, derived=derived,
    )  # fmt: skip


def _citation(page: str) -> str:
    start = page.index('id="titre-citer"')
    return _text(page[start : page.index("</section>", start)])


def test_a_derived_citation_credits_each_source_as_it_is_credited(client, sources) -> None:  # type: ignore[no-untyped-def]
    s = sources
    login(client, s.outsider)
    page = client.get(f"/rex/{s.derived.slug}").get_data(as_text=True)
    citation = _citation(page)
    assert "Adapté de « Source Chatham » par Chargé de mission dans une commune" in citation
    assert "« Source du groupe » par Groupe « Cantines »" in citation
    assert "« Source nommée » par Alice Nommée" in citation
    assert "Bruno Caché" not in page  # the Chatham House source hides his name
    # The group REX is not the outsider's to read: neither its title nor its authors.
    assert "Source privée" not in page
    assert f"/rex/{s.private.slug}" not in page
    aside = _text(page[page.index("<aside") : page.index("</aside>")])
    assert "Source nommée , par Alice Nommée (CC BY 4.0)" in aside


def test_a_member_reading_the_private_source_sees_it_credited(client, sources) -> None:  # type: ignore[no-untyped-def]
    login(client, sources.bruno)
    citation = _citation(client.get(f"/rex/{sources.derived.slug}").get_data(as_text=True))
    assert "« Source privée » par Bruno Caché" in citation


def test_the_public_citation_credits_public_sources_only(client, sources) -> None:  # type: ignore[no-untyped-def]
    s = sources
    audience.move(s.alice, s.derived, "public", None)
    db.session.commit()
    for who in (None, s.bruno):  # a visitor, and a member who can read the private source
        if who is not None:
            login(client, who)
        page = client.get(f"/rex/{s.derived.slug}").get_data(as_text=True)
        citation = _citation(page)
        assert "Adapté de « Source Chatham » par Chargé de mission dans une commune" in citation
        assert "« Source nommée » par Alice Nommée" in citation
        assert "Source privée" not in citation and "Bruno Caché" not in citation
        [data] = [
            json.loads(m)
            for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        ]
        based = {w["name"]: w for w in data["isBasedOn"]}
        assert set(based) == {"Source nommée", "Source Chatham", "Source du groupe"}
        assert based["Source du groupe"]["author"] == [
            {"@type": "Organization", "name": "Groupe « Cantines »"}
        ]
        assert "Bruno" not in json.dumps(data, ensure_ascii=False)
    api = client.get(f"/api/v1/rex/{s.derived.slug}").get_json()
    assert (
        "Adapté de « Source Chatham »" in api["citation"] and "Source privée" not in api["citation"]
    )
    bib = client.get(f"/communs/rex/{s.derived.slug}/citation.bib").get_data(as_text=True)
    assert "Adapté de « Source Chatham »" in bib and "« Source nommée » par Alice Nommée" in bib
    assert "Bruno" not in bib


# -- labels, not codes ----------------------------------------------------------------------


def test_a_group_page_shows_theme_labels(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    group = make_group(themes=["participation-citoyenne", "democratie"], name="Démocratie locale")
    page = client.get(f"/groupes/{group.slug}").get_data(as_text=True)
    assert "Thèmes : Participation citoyenne, Démocratie" in page
    assert "participation-citoyenne," not in page


def test_a_source_shows_its_licence_name(client, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    source = _rex(author, "Source SA", licence_id="CC-BY-SA-4.0")
    derived = _rex(author, "Adaptée", licence_id="CC-BY-SA-4.0")
    wiki.add_derivation(author, derived, source)
    db.session.commit()
    login(client, author)
    page = client.get(f"/rex/{derived.slug}").get_data(as_text=True)
    aside = page[page.index("<aside") : page.index("</aside>")]
    assert "(CC BY-SA 4.0)" in aside and "CC-BY-SA-4.0" not in _text(aside)
