"""The permission agreement matrix (DESIGN.md, issue 13): for REX, threads and the public
export, every role × every state, the per-object predicate, the SQL filter, the search filter
and the export agree — the way Discourse's guardian consistency specs do. Groups have theirs in
``test_groups.py``.

Search is checked on the real index: a document found by a role must be readable by it, and a
document that is not hidden is found by exactly the roles that may read it (hidden content is
out of search even for the moderators who may still open it).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from commons import db
from commons.accounts.policy import is_member_user
from commons.db import utcnow
from commons.export.public import is_public, public_clause
from commons.forum import policy as forum_policy
from commons.forum import services as forum
from commons.forum.models import Thread, ThreadSpace
from commons.groups import policy as group_policy
from commons.search.backends import get_backend
from commons.search.outbox import drain
from commons.wiki import audience
from commons.wiki import policy as wiki_policy
from commons.wiki import services as wiki
from commons.wiki.models import Rex

WORD = "matricecanari"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "FORUM_POSTS_PER_MINUTE": 100}


@pytest.fixture
def world(app, make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    roles: dict[str, Any] = {
        "anonymous": AnonymousUserMixin(),
        "agent": make_user(),
        "member": make_user(),
        "group_facilitator": make_user(role="facilitator"),
        "other_facilitator": make_user(role="facilitator"),
        "network_facilitator": make_user(role="facilitator"),
        "admin": make_user(role="admin"),
        "suspended": make_user(),
    }
    roles["suspended_member"] = make_user()  # a member of the group, then suspended
    group = make_group(
        facilitator=roles["group_facilitator"],
        members=(roles["member"], roles["suspended_member"]),
    )
    make_group(facilitator=roles["other_facilitator"])
    writer = roles["member"]

    flagged: list[tuple[Rex, dict[str, bool]]] = []

    def rex(state: str, space: str, **flags: bool) -> Rex:
        item = wiki.create_rex(
            writer,
            title=f"{state} {WORD}",
            body=f"Texte {WORD} {state}.\n",
            space=space,
            group_id=group.id if space == "group" else None,
        )
        flagged.append((item, flags))  # hidden/frozen once every discussion is written
        return item

    rexes = {
        "public": rex("public", "public"),
        "network": rex("network", "network"),
        "group": rex("group", "group"),
        "hidden_public": rex("hidden-public", "public", hidden=True),
        "hidden_network": rex("hidden-network", "network", hidden=True),
        "hidden_group": rex("hidden-group", "group", hidden=True),
        "frozen_public": rex("frozen-public", "public", frozen=True),
    }
    db.session.flush()
    threads = {
        "agora": forum.create_thread(writer, title=f"Agora {WORD}", body=WORD, space="network"),
        "group": forum.create_thread(
            writer, title=f"Groupe {WORD}", body=WORD, space="group", group_id=group.id
        ),
    }
    for name in ("public", "network", "group", "hidden_public", "hidden_group"):
        talk = forum.talk_thread(rexes[name], create_for=writer)
        assert talk is not None
        forum.reply(writer, talk, f"Discussion {WORD} {name}")
        threads[f"talk_{name}"] = talk
    # a network discussion of a REX later narrowed into the group (its words stay with the REX)
    narrowed = rex("narrowed", "network")
    db.session.flush()
    talk = forum.talk_thread(narrowed, create_for=writer)
    assert talk is not None
    forum.reply(writer, talk, f"Discussion {WORD} narrowed")
    narrowed.space, narrowed.group_id = "group", group.id
    threads["talk_narrowed"] = talk
    rexes["narrowed"] = narrowed
    hidden_thread = forum.create_thread(
        writer, title=f"Masquée {WORD}", body=WORD, space="group", group_id=group.id
    )
    hidden_thread.hidden = True
    threads["hidden_group_thread"] = hidden_thread
    for item, flags in flagged:
        for name, value in flags.items():
            setattr(item, name, value)
    for name in ("suspended", "suspended_member"):
        roles[name].suspended_at = utcnow()
    db.session.commit()
    drain(app)
    return {"roles": roles, "rex": rexes, "threads": threads, "group": group}


#: Who reads which REX (the rules, written out once).
EXPECTED_REX = {
    # a suspended account reads what anonymous visitors read, nothing more
    "public": {"anonymous", "agent", "member", "group_facilitator", "other_facilitator",
               "network_facilitator", "admin", "suspended", "suspended_member"},
    "frozen_public": {"anonymous", "agent", "member", "group_facilitator", "other_facilitator",
                      "network_facilitator", "admin", "suspended", "suspended_member"},
    "network": {"agent", "member", "group_facilitator", "other_facilitator",
                "network_facilitator", "admin"},
    "group": {"member", "group_facilitator"},
    "narrowed": {"member", "group_facilitator"},
    # hidden: those who moderate it (group facilitators for a group REX, the network's
    # facilitators and administrators for the network and the commons)
    "hidden_public": {"group_facilitator", "other_facilitator", "network_facilitator", "admin"},
    "hidden_network": {"group_facilitator", "other_facilitator", "network_facilitator", "admin"},
    "hidden_group": {"group_facilitator"},
}  # fmt: skip


def _search_filter(actor: Any) -> tuple[bool, frozenset[int]]:
    """What the search page passes for this actor (a suspended account never signs in)."""
    return is_member_user(actor), group_policy.group_ids_of(actor)


def _found(app: Any, actor: Any) -> set[str]:
    results = get_backend(app).search(WORD, visibility_filter=_search_filter(actor), per_page=100)
    return {hit.id for hit in results.hits}


def test_rex_predicate_sql_search_and_export_agree(app, world) -> None:  # type: ignore[no-untyped-def]
    public_ids = set(db.session.scalars(select(Rex.id).where(public_clause())))
    for role, actor in world["roles"].items():
        sql = set(db.session.scalars(select(Rex.id).where(wiki_policy.visible_rex(actor))))
        found = _found(app, actor)
        for state, rex in world["rex"].items():
            allowed = wiki_policy.can_view_rex(actor, rex)
            assert allowed == (role in EXPECTED_REX[state]), (role, state)
            assert allowed == (rex.id in sql), (role, state)
            if f"rex:{rex.id}" in found:
                assert allowed, (role, state)
            elif not rex.hidden:
                assert not allowed, (role, state)  # readable and not hidden: must be found
            if wiki_policy.can_edit_rex(actor, rex):
                assert allowed and not rex.frozen, (role, state)
    for state, rex in world["rex"].items():
        assert is_public(rex) == (rex.id in public_ids), state
        assert is_public(rex) == (state in {"public", "frozen_public"}), state


def test_thread_predicate_sql_and_search_agree(app, world) -> None:  # type: ignore[no-untyped-def]
    member_only = {"member", "group_facilitator"}
    agents = EXPECTED_REX["network"]
    expected = {
        "agora": agents,
        "group": member_only,
        "hidden_group_thread": member_only,  # shown as « masqué » to members, out of search
        "talk_public": agents,  # talk is never public
        "talk_network": agents,
        "talk_group": member_only,
        "talk_hidden_public": {"network_facilitator", "admin", "other_facilitator",
                               "group_facilitator"},
        "talk_hidden_group": {"group_facilitator"},
        "talk_narrowed": member_only,
    }  # fmt: skip
    for role, actor in world["roles"].items():
        sql = set(db.session.scalars(select(Thread.id).where(forum_policy.visible_threads(actor))))
        found = _found(app, actor)
        for state, thread in world["threads"].items():
            allowed = forum_policy.can_view_thread(actor, thread)
            assert allowed == (role in expected[state]), (role, state)
            assert allowed == (thread.id in sql), (role, state)
            hidden = thread.hidden or (
                thread.rex_id is not None and db.session.get(Rex, thread.rex_id).hidden
            )
            if f"thread:{thread.id}" in found:
                assert allowed, (role, state)
            elif not hidden:
                assert not allowed, (role, state)


def test_talk_threads_keep_their_audience(app, world) -> None:  # type: ignore[no-untyped-def]
    talk = world["threads"]["talk_group"]
    assert talk.space == ThreadSpace.GROUP.value and talk.group_id == world["group"].id
    rex = world["rex"]["group"]
    rex.space, rex.group_id = "network", None  # widened (consent checked by the service)
    db.session.commit()
    agent = world["roles"]["agent"]
    assert wiki_policy.can_view_rex(agent, rex)
    assert not forum_policy.can_view_thread(agent, talk)
    assert forum.talk_thread(rex) is None  # a new discussion starts for the new audience


def test_notifications_show_only_what_the_reader_may_see(app, world) -> None:  # type: ignore[no-untyped-def]
    """A notification is re-checked when shown or e-mailed: its entry is visible exactly when
    the reader may read the thread (or, for a consent request, the REX) now."""
    from commons.notifications import services as notifications
    from commons.notifications.models import Notification
    from commons.wiki import agreements
    from commons.wiki.models import Agreement

    requests = {}
    for state, rex in world["rex"].items():
        requests[state] = Agreement(rex_id=rex.id, kind="licence", target_licence="CC-BY-4.0")
        db.session.add(requests[state])
    db.session.flush()
    for role, actor in world["roles"].items():
        if not isinstance(actor, type(world["roles"]["agent"])):
            continue  # notifications belong to accounts
        notes = []
        for state, thread in world["threads"].items():
            notes.append(
                (
                    ("thread", state),
                    Notification(user_id=actor.id, kind="reply", thread_id=thread.id),
                )
            )
        for state, request in requests.items():
            notes.append(
                (
                    ("rex", state),
                    Notification(
                        user_id=actor.id,
                        kind="x",
                        target_type=agreements.TARGET,
                        target_id=request.id,
                    ),
                )
            )
        for _, note in notes:
            db.session.add(note)
        db.session.flush()
        entries = notifications.describe(actor, [n for _, n in notes])
        for ((kind, state), _note), entry in zip(notes, entries, strict=True):
            if kind == "thread":
                allowed = forum_policy.can_view_thread(actor, world["threads"][state])
            else:  # the REX's readers, and whoever's consent it needs (their own words)
                rex = world["rex"][state]
                allowed = wiki_policy.can_view_rex(actor, rex) or (
                    is_member_user(actor) and actor.id in audience.contributor_ids(rex)
                )
            assert entry.visible == allowed, (role, kind, state)
            if not allowed:
                assert WORD not in entry.title + entry.body, (role, kind, state)
    db.session.rollback()


def test_proposal_predicate_and_sql_filter_agree(app, world) -> None:  # type: ignore[no-untyped-def]
    """Publication proposals belong to the group's private space, and follow their REX's
    moderation state."""
    from commons.publication import policy as publication_policy
    from commons.publication.models import Proposal

    proposals = {}
    for state in ("group", "hidden_group"):
        rex = world["rex"][state]
        proposals[state] = Proposal(
            rex_id=rex.id,
            group_id=world["group"].id,
            licence_id="etalab-2.0",
            attribution_mode="named",
        )
        db.session.add(proposals[state])
    db.session.flush()
    expected = {"group": {"member", "group_facilitator"}, "hidden_group": {"group_facilitator"}}
    for role, actor in world["roles"].items():
        sql = set(
            db.session.scalars(
                select(Proposal.id).where(publication_policy.visible_proposals(actor))
            )
        )
        for state, proposal in proposals.items():
            allowed = publication_policy.can_view_proposal(actor, proposal)
            assert allowed == (role in expected[state]), (role, state)
            assert allowed == (proposal.id in sql), (role, state)
    db.session.rollback()
