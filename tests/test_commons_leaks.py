"""Confidentiality of the public commons, path by path: a canary string sits in a group REX, a
network REX, a hidden public REX and in e-mail addresses; the names behind a Chatham House
publication are a second canary. No public path may show either to anyone — not even through
the citation of a public REX that says it adapts them (« dérivé de »)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from commons import db
from commons.wiki.models import Derivation, Rex

from .conftest import login
from .public_commons import CANARY, make_rex, private_world

CONSENTING = "Dominique Consentante-Secrète"

PATHS = (
    "/communs/",
    "/communs/?theme=culture",
    "/communs/?q=Groupe",
    "/communs/?q=Masqu%C3%A9",
    "/communs/?tri=titre&par_page=100",
    "/communs/flux.atom",
    "/communs/themes/culture/flux.atom",
    "/api/v1/",
    "/api/v1/rex",
    "/api/v1/rex?theme=culture&par_page=100",
    "/api/v1/rex?q=Groupe",
    "/api/v1/themes",
    "/api/v1/collectivites",
    "/api/v1/licences",
    "/api/v1/openapi.json",
    "/sitemap.xml",
    "/robots.txt",
    "{public}",
    "{chatham}",
    "/api/v1/rex/{public}",
    "/api/v1/rex/{chatham}",
    "/communs/rex/{chatham}/citation.bib",
    "/communs/rex/{chatham}/citation.json",
)


@pytest.fixture
def world(make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    world = private_world(make_user, make_group)
    person = make_user(name=CONSENTING, email="dominique.consentante@exemple.fr")
    chatham = make_rex(person, "Publié sans les noms", themes=["culture"])
    chatham.attribution_mode = "chatham"
    chatham.credits = [{"name": "un·e agent·e d'une commune de Bretagne", "role": "chatham"}]
    db.session.commit()
    world["chatham"] = chatham
    # Both public REX adapt every canary REX, and the first adapts the Chatham House one: their
    # citations credit public sources only, as those sources credit their people.
    private = db.session.scalars(select(Rex.id).where(Rex.title.contains(CANARY))).all()
    for derived in (world["public"], chatham):
        for source_id in private:
            db.session.add(Derivation(rex_id=derived.id, source_id=source_id))
    db.session.add(Derivation(rex_id=world["public"].id, source_id=chatham.id))
    db.session.commit()
    return world


def _fetch(client, world: dict[str, Any], template: str) -> str:  # type: ignore[no-untyped-def]
    path = template.format(public=world["public"].slug, chatham=world["chatham"].slug)
    if not path.startswith("/"):
        path = f"/rex/{path}"
    response = client.get(path)
    assert response.status_code == 200, path
    text = response.get_data(as_text=True)
    if response.mimetype == "text/html" and "<main" in text:  # not the signed-in user's menu
        text = text.split("<body")[0] + text[text.index("<main") : text.index("</main>")]
    if path.startswith("/rex/"):  # a REX page: what this package adds to it
        blocks = re.findall(r'<script type="application/ld\+json">.*?</script>', text, flags=re.S)
        citation = text[text.index('id="titre-citer"') :].split("</section>")[0]
        assert blocks, path
        return "\n".join(blocks) + citation
    return text


def _assert_clean(text: str, path: str) -> None:
    assert CANARY not in text and CANARY.lower() not in text, path
    assert "@exemple.fr" not in text, path
    assert CONSENTING not in text, path


@pytest.mark.parametrize("template", PATHS)
def test_public_paths_never_show_private_content(client, world, template: str) -> None:  # type: ignore[no-untyped-def]
    _assert_clean(_fetch(client, world, template), template)  # anonymous
    login(client, world["insider"])  # a member of the group: the public commons are the same
    client.get("/")  # shows (and consumes) the welcome message, which names the member
    _assert_clean(_fetch(client, world, template), template)


def test_a_public_citation_credits_the_public_source_without_its_names(client, world) -> None:  # type: ignore[no-untyped-def]
    text = _fetch(client, world, "{public}")
    assert "Adapté de « Publié sans les noms » par un·e agent·e d'une commune de Bretagne" in text
    assert " ; de « " not in text  # and of nothing else


def test_private_rex_do_not_exist_on_public_paths(client, world) -> None:  # type: ignore[no-untyped-def]
    for space in ("Groupe", "Réseau", "Masqué"):
        slug = db.session.scalar(select(Rex.slug).where(Rex.title == f"{space} {CANARY}"))
        assert slug is not None  # a group REX's slug carries a random suffix
        for path in (
            f"/api/v1/rex/{slug}",
            f"/communs/rex/{slug}/citation.bib",
            f"/communs/rex/{slug}/citation.json",
        ):
            response = client.get(path)
            assert response.status_code == 404, path
            _assert_clean(response.get_data(as_text=True), path)
