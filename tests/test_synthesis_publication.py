"""Issue 13, case 9: a synthesis is published only with the consent of everyone whose words or
titles it carries — here, by never carrying them: the public copy (and the preview its
contributors consent to) is the synthesis without its references to the members' private
discussions and REX; a link to a REX that is public stays."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from commons import db
from commons.forum import services as forum
from commons.publication import consent
from commons.publication.models import Proposal
from commons.publication.references import strip_private
from commons.wiki import services as wiki
from commons.wiki.models import Rex

from .conftest import login
from .test_publication import build_world

THREAD_TITLE = "Conflit avec la mairie sur les horaires"
PUBLIC_TITLE = "Guide public des tiers-lieux"


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_published_synthesis_carries_no_private_title(app, client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    w = build_world(make_user, make_group)
    thread = forum.create_thread(
        w.a, title=THREAD_TITLE, body="Ça coince.", space="group", group_id=w.group.id
    )
    wiki.create_rex(w.o, title=PUBLIC_TITLE, body="Pour tous.", space="public")
    db.session.commit()

    # The facilitator writes the synthesis, linking a member's discussion and the group REX.
    login(client, w.f)
    response = client.post(
        f"/publication/groupe/{w.group.slug}/synthese",
        data={
            "title": "Synthèse : ouvrir un tiers-lieu",
            "body": f"Trois questions reviennent (voir [[{w.rex.title}]]).\n\n"
            f"Lire aussi [[{PUBLIC_TITLE}]].",
            "threads": [str(thread.id)],
            "rexes": [str(w.rex.id)],
        },
    )
    assert response.status_code == 302
    synthesis = db.session.scalar(select(Rex).where(Rex.kind == "synthese"))
    group_page = _text(client.get(f"/rex/{synthesis.slug}"))
    assert THREAD_TITLE in group_page  # inside the group, members see what they may see

    response = client.post(
        f"/publication/rex/{synthesis.slug}/proposer",
        data={"licence": "CC-BY-4.0", "mode": "group"},
    )
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    preview = consent.preview(proposal)
    assert preview.withheld == 3  # the thread link, the REX list item, the inline wikilink
    assert THREAD_TITLE not in preview.source and w.rex.title not in preview.source
    assert f"[[{PUBLIC_TITLE}]]" in preview.source
    assert "Discussions reliées" not in preview.source  # its only item was private

    # The facilitator, sole contributor, consents to the exact preview, shown stripped.
    page = _text(client.get(f"/publication/{proposal.id}"))
    assert "3 références à des discussions ou des REX non publics sont retirées" in page
    preview_block = page.split("Aperçu exact de la page publique", 1)[1].split("Empreinte")[0]
    assert THREAD_TITLE not in preview_block and w.rex.title not in preview_block
    client.post(
        f"/publication/{proposal.id}/reponse",
        data={"contributor": str(w.f.id), "digest": preview.digest, "answer": "yes"},
    )
    response = client.post(
        f"/publication/{proposal.id}/attester",
        data={
            "no_personal_data": "y",
            "no_confidential": "y",
            "no_third_party_names": "y",
            "digest": preview.digest,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    public = db.session.get(Rex, proposal.public_rex_id)
    assert public is not None and public.space == "public"

    # What the public reads: no private title, no link to a private discussion or REX.
    anonymous = app.test_client()
    page = _text(anonymous.get(f"/rex/{public.slug}"))
    assert "Trois questions reviennent" in page and PUBLIC_TITLE in page
    assert THREAD_TITLE not in page and w.rex.title not in page
    assert not re.search(r"/forum/sujet/\d+", page) and f"/rex/{w.rex.slug}" not in page
    api = anonymous.get(f"/api/v1/rex/{public.slug}").get_json()
    assert THREAD_TITLE not in api["markdown"] and w.rex.title not in api["markdown"]


def test_strip_private_keeps_what_is_public(app, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member = make_user()
    group = make_group(members=(member,))
    private = wiki.create_rex(member, title="Secret", body="x", space="group", group_id=group.id)
    network = wiki.create_rex(member, title="Réseau seulement", body="x", space="network")
    public = wiki.create_rex(member, title="Ouvert", body="x", space="public")
    hidden = wiki.create_rex(member, title="Masqué", body="x", space="public")
    hidden.hidden = True
    db.session.commit()
    source = (
        "## Liens\n\n"
        "- [[Secret]]\n"
        "- [[Ouvert]]\n\n"
        "## Vides\n\n"
        "- [Réseau](/rex/reseau-seulement)\n"
        f"- [Masqué](http://commons.test/rex/{hidden.slug})\n\n"
        "## Idées\n\n"
        "Une idée : [[Page à écrire]] et [[Réseau seulement]].\n\n"
        "```\n[[Secret]] dans du code reste tel quel\n```\n"
    )
    result = strip_private(source, group.id)
    assert result.withheld == 4
    assert "Secret]]\n" not in result.source.split("```")[0]
    assert "[[Ouvert]]" in result.source and "[[Page à écrire]]" in result.source
    assert "## Vides" not in result.source and "## Liens" in result.source
    assert "Réseau seulement" not in result.source.split("```")[0]
    assert "[[Secret]] dans du code" in result.source
    assert strip_private("Rien à retirer.\n", group.id).source == "Rien à retirer.\n"
    assert private.slug and network.slug and public.slug
