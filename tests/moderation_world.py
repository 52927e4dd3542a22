"""A small network for the moderation tests: two groups A and B, each with a creator
(network facilitator) and a promoted member facilitator (agent role), authors, a reporter,
a network facilitator outside both groups, an administrator and a plain agent; and content
in A, in B and in the network (Agora thread, network REX)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from commons import db
from commons.forum import services as forum
from commons.forum.models import Post, Thread
from commons.groups import services as groups
from commons.wiki import services as wiki
from commons.wiki.models import Rex

BODY = "## Contexte\n\nNous avons testé un budget participatif.\n"
CANARY_A = "CANARI-GROUPE-A-7731"


@dataclass
class Space:
    group: Any
    creator: Any
    facilitator: Any  # agent promoted to facilitator of this group only
    author: Any
    reporter: Any
    thread: Thread
    post: Post  # the author's reply (number 2)
    rex: Rex


@dataclass
class World:
    a: Space
    b: Space
    net_thread: Thread
    net_post: Post
    net_rex: Rex
    net_author: Any
    global_fac: Any
    admin: Any
    plain: Any


def _space(make_user: Any, make_group: Any, tag: str) -> Space:
    creator = make_user(name=f"Créatrice {tag}", role="facilitator")
    facilitator = make_user(name=f"Animateur {tag}")
    author = make_user(name=f"Autrice {tag}")
    reporter = make_user(name=f"Signaleur {tag}")
    group = make_group(
        facilitator=creator, members=(facilitator, author, reporter), name=f"Groupe {tag}"
    )
    groups.set_role(creator, group, facilitator, "facilitator")
    canary = CANARY_A if tag == "A" else f"texte du groupe {tag}"
    thread = forum.create_thread(
        facilitator,
        title=f"Discussion {tag} {canary}",
        body="Ouverture",
        space="group",
        group_id=group.id,
    )
    post = forum.reply(author, thread, f"Réponse de l'autrice {tag} : {canary}")
    rex = wiki.create_rex(
        author, title=f"REX {tag} {canary}", body=BODY, space="group", group_id=group.id
    )
    db.session.commit()
    return Space(group, creator, facilitator, author, reporter, thread, post, rex)


@pytest.fixture(name="world")
def world_fixture(app: Any, make_user: Any, make_group: Any) -> World:
    app.config["FORUM_POSTS_PER_MINUTE"] = 1000
    a = _space(make_user, make_group, "A")
    b = _space(make_user, make_group, "B")
    net_author = make_user(name="Auteur Réseau")
    net_thread = forum.create_thread(
        net_author, title="Agora : propos discutables", body="Premier message", space="network"
    )
    net_post = forum.reply(net_author, net_thread, "Un message du réseau")
    net_rex = wiki.create_rex(net_author, title="REX du réseau", body=BODY, space="network")
    world = World(
        a=a,
        b=b,
        net_thread=net_thread,
        net_post=net_post,
        net_rex=net_rex,
        net_author=net_author,
        global_fac=make_user(name="Animatrice Réseau", role="facilitator"),
        admin=make_user(name="Admin Instance", role="admin"),
        plain=make_user(name="Agent Lambda"),
    )
    db.session.commit()
    return world
