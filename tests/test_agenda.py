"""Group agenda ("Sujets proposés"): proposals, support, status, confidentiality, concurrency."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from commons import db, errors
from commons.accounts.models import User
from commons.forum import agenda
from commons.forum.models import Thread, ThreadSpace, Topic, TopicStatus, TopicVote
from commons.wiki import services as wiki
from tests.conftest import login

BODY = "## Contexte\n\nUn budget participatif.\n"


@pytest.fixture
def setup(make_user, make_group):  # type: ignore[no-untyped-def]
    """A group with its facilitator and two members, and an outsider."""
    facilitator, alice, bob, outsider = (
        make_user(role="facilitator"),
        make_user(),
        make_user(),
        make_user(),
    )
    group = make_group(facilitator, members=(alice, bob))
    return group, facilitator, alice, bob, outsider


def _topic(actor, group, title="Mutualiser les marchés de voirie"):  # type: ignore[no-untyped-def]
    topic = agenda.propose(actor, group, title, "Pour gagner du temps.")
    db.session.commit()
    return topic


def _votes(topic_id: int) -> tuple[int, int]:
    """(the counter, the number of vote rows) of a topic, read fresh."""
    db.session.expire_all()
    counter = db.session.get(Topic, topic_id).votes
    rows = db.session.scalar(
        select(func.count()).select_from(TopicVote).where(TopicVote.topic_id == topic_id)
    )
    return counter, rows


def test_member_proposes_a_topic(client, setup) -> None:  # type: ignore[no-untyped-def]
    group, _fac, alice, _bob, _out = setup
    login(client, alice)
    response = client.post(
        f"/groupes/{group.slug}/sujets",
        data={"title": "  Former les élus au numérique ", "description": "Un module court."},
    )
    assert response.status_code == 302 and "/sujets#sujet-" in response.headers["Location"]
    topic = db.session.scalar(select(Topic).where(Topic.group_id == group.id))
    assert topic.title == "Former les élus au numérique"
    assert topic.author_id == alice.id and topic.status == TopicStatus.PROPOSED.value
    page = client.get(f"/groupes/{group.slug}/sujets").get_data(as_text=True)
    assert "Former les élus au numérique" in page and "Proposé" in page
    assert 'Soutenir <span class="visually-hidden">le sujet « Former les élus' in page


@pytest.mark.parametrize("title", ["", "ab", "x" * 201])
def test_bad_title_is_refused_in_french_and_nothing_saved(client, setup, title) -> None:  # type: ignore[no-untyped-def]
    group, _fac, alice, _bob, _out = setup
    login(client, alice)
    response = client.post(f"/groupes/{group.slug}/sujets", data={"title": title})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in page or "Entre 3 et 200 caractères." in page
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 0


def test_service_refuses_bad_title_and_outsiders(setup) -> None:  # type: ignore[no-untyped-def]
    group, _fac, alice, _bob, outsider = setup
    with pytest.raises(agenda.AgendaError, match="entre 3 et 200 caractères"):
        agenda.propose(alice, group, "  a ", "")
    with pytest.raises(errors.Forbidden):
        agenda.propose(outsider, group, "Un sujet valable", "")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 0


def test_vote_unvote_and_vote_twice_refused(setup) -> None:  # type: ignore[no-untyped-def]
    group, _fac, alice, bob, outsider = setup
    topic = _topic(alice, group)
    agenda.vote(alice, topic)
    agenda.vote(bob, topic)
    db.session.commit()
    assert topic.votes == 2 and _votes(topic.id) == (2, 2)
    with pytest.raises(agenda.AgendaError, match="Vous soutenez déjà ce sujet."):
        agenda.vote(alice, topic)
    db.session.rollback()
    assert _votes(topic.id) == (2, 2)
    agenda.unvote(alice, topic)
    db.session.commit()
    assert _votes(topic.id) == (1, 1)
    with pytest.raises(agenda.AgendaError, match="Vous ne soutenez pas ce sujet."):
        agenda.unvote(alice, topic)
    db.session.rollback()
    with pytest.raises(errors.Forbidden):
        agenda.vote(outsider, topic)
    db.session.rollback()
    assert _votes(topic.id) == (1, 1)


def test_support_button_toggles(client, setup) -> None:  # type: ignore[no-untyped-def]
    group, _fac, alice, _bob, _out = setup
    topic = _topic(alice, group)
    login(client, alice)
    url = f"/groupes/{group.slug}/sujets/{topic.id}/soutien"
    assert client.post(url).status_code == 302
    assert _votes(topic.id) == (1, 1)
    page = client.get(f"/groupes/{group.slug}/sujets").get_data(as_text=True)
    assert "Retirer mon soutien" in page and re.search(r"\b1 soutien\b", page)
    assert client.post(url).status_code == 302
    assert _votes(topic.id) == (0, 0)


def test_topics_are_sorted_by_support(client, setup) -> None:  # type: ignore[no-untyped-def]
    group, fac, alice, bob, _out = setup
    first = _topic(alice, group, "Sujet ancien peu soutenu")
    second = _topic(alice, group, "Sujet récent très soutenu")
    third = _topic(bob, group, "Sujet moyen")
    for voter in (alice, bob, fac):
        agenda.vote(voter, second)
    agenda.vote(alice, third)
    db.session.commit()
    assert [t.id for t in agenda.topics_of(group)] == [second.id, third.id, first.id]
    login(client, bob)
    page = client.get(f"/groupes/{group.slug}/sujets").get_data(as_text=True)
    positions = [page.index(t.title) for t in (second, third, first)]
    assert positions == sorted(positions)
    space = client.get(f"/groupes/{group.slug}/espace").get_data(as_text=True)
    assert "Sujets proposés" in space and "Sujet récent très soutenu" in space
    assert f"/groupes/{group.slug}/sujets" in space


def test_private_section_shows_the_top_five(client, setup) -> None:  # type: ignore[no-untyped-def]
    group, _fac, alice, _bob, _out = setup
    for n in range(7):
        _topic(alice, group, f"Sujet numéro {n}")
    login(client, alice)
    space = client.get(f"/groupes/{group.slug}/espace").get_data(as_text=True)
    assert "Sujet numéro 4" in space and "Sujet numéro 5" not in space


def test_status_is_set_by_the_facilitator_only(client, setup, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    group, fac, alice, _bob, _out = setup
    other_fac = make_user(role="facilitator")
    make_group(other_fac)
    hidden = make_group(other_fac, listed=False)
    topic = _topic(alice, group)
    hidden_topic = _topic(other_fac, hidden, "Sujet d'un groupe discret")
    url = f"/groupes/{group.slug}/sujets/{topic.id}/statut"
    data = {"status": TopicStatus.CHOSEN.value}

    login(client, alice)
    assert client.post(url, data=data).status_code == 403
    page = client.get(f"/groupes/{group.slug}/sujets").get_data(as_text=True)
    assert f'id="statut-{topic.id}"' not in page

    other = client.application.test_client()
    login(other, other_fac)
    assert other.post(url, data=data).status_code == 403
    # the facilitator of a group has no power in an unlisted group (it does not exist for
    # them), nor over its topics through their own group (forged id)
    client = client.application.test_client()
    login(client, fac)
    hidden_url = f"/groupes/{hidden.slug}/sujets/{hidden_topic.id}/statut"
    assert client.post(hidden_url, data=data).status_code == 404
    forged = f"/groupes/{group.slug}/sujets/{hidden_topic.id}/statut"
    assert client.post(forged, data=data).status_code == 404
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).status == TopicStatus.PROPOSED.value

    page = client.get(f"/groupes/{group.slug}/sujets").get_data(as_text=True)
    assert f'id="statut-{topic.id}"' in page
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).status == TopicStatus.CHOSEN.value
    assert db.session.get(Topic, hidden_topic.id).status == TopicStatus.PROPOSED.value
    with pytest.raises(errors.Forbidden):
        agenda.set_status(alice, topic, TopicStatus.DONE.value)
    db.session.rollback()


def test_status_links_a_thread_and_a_rex_of_the_group(client, setup, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    group, fac, alice, _bob, _out = setup
    other_fac = make_user(role="facilitator")
    other = make_group(other_fac)
    topic = _topic(alice, group)
    mine = Thread(title="Fil du groupe", space=ThreadSpace.GROUP.value, group_id=group.id)
    theirs = Thread(title="Fil d'un autre", space=ThreadSpace.GROUP.value, group_id=other.id)
    db.session.add_all([mine, theirs])
    rex_network = wiki.create_rex(fac, title="REX du réseau", body=BODY, space="network")
    rex_group = wiki.create_rex(
        fac, title="REX du groupe", body=BODY, space="group", group_id=group.id
    )
    rex_other = wiki.create_rex(
        other_fac, title="REX d'un autre groupe", body=BODY, space="group", group_id=other.id
    )
    db.session.commit()

    for thread_id, rex_id in ((theirs.id, None), (None, rex_other.id)):
        with pytest.raises(agenda.AgendaError):
            agenda.set_status(fac, topic, TopicStatus.CHOSEN.value, thread_id, rex_id)
        db.session.rollback()
    with pytest.raises(agenda.AgendaError, match="Statut inconnu"):
        agenda.set_status(fac, topic, "n'importe quoi")
    db.session.rollback()
    agenda.set_status(fac, topic, TopicStatus.IN_PROGRESS.value, mine.id, rex_group.id)
    db.session.commit()
    agenda.set_status(fac, topic, TopicStatus.IN_PROGRESS.value, None, rex_network.id)
    db.session.commit()

    login(client, fac)
    url = f"/groupes/{group.slug}/sujets/{topic.id}/statut"
    bad = client.post(
        url, data={"status": "traite", "thread": str(theirs.id), "rex": ""}, follow_redirects=True
    )
    assert "Discussion introuvable dans ce groupe." in bad.get_data(as_text=True)
    bad = client.post(url, data={"status": "traite", "thread": "abc"}, follow_redirects=True)
    assert "Indiquez le numéro de la discussion." in bad.get_data(as_text=True)
    bad = client.post(url, data={"status": "traite", "rex": rex_other.slug}, follow_redirects=True)
    assert "REX introuvable ou non visible dans ce groupe." in bad.get_data(as_text=True)
    ok = client.post(
        url,
        data={"status": "traite", "thread": str(mine.id), "rex": f"/rex/{rex_group.slug}"},
        follow_redirects=True,
    )
    page = ok.get_data(as_text=True)
    assert "Traité" in page and "Fil du groupe" in page and "REX du groupe" in page
    db.session.expire_all()
    topic = db.session.get(Topic, topic.id)
    assert (topic.status, topic.thread_id, topic.rex_id) == ("traite", mine.id, rex_group.id)


def test_outsiders_and_anonymous_see_nothing(client, setup, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    group, _fac, alice, _bob, outsider = setup
    topic = _topic(alice, group, "Titre confidentiel du groupe")
    secret_fac = make_user(role="facilitator")
    secret = make_group(secret_fac, listed=False, members=(alice,))
    secret_topic = _topic(alice, secret, "Titre d'un groupe discret")
    agenda_url = f"/groupes/{group.slug}/sujets"

    anonymous = client.get(agenda_url)
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    assert client.post(f"{agenda_url}/{topic.id}/soutien").status_code == 302
    assert _votes(topic.id) == (0, 0)

    login(client, outsider)
    for response in (
        client.get(agenda_url),
        client.post(agenda_url, data={"title": "Sujet d'un intrus"}),
        client.post(f"{agenda_url}/{topic.id}/soutien"),
        client.post(f"{agenda_url}/{topic.id}/statut", data={"status": "retenu"}),
    ):
        assert response.status_code == 403
        assert "Titre confidentiel" not in response.get_data(as_text=True)
    assert client.get(f"/groupes/{secret.slug}/sujets").status_code == 404
    assert (
        client.post(f"/groupes/{secret.slug}/sujets/{secret_topic.id}/soutien").status_code == 404
    )
    public = client.get(f"/groupes/{group.slug}").get_data(as_text=True)
    assert "Titre confidentiel" not in public
    assert _votes(topic.id) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 2

    # a member of both groups cannot reach a topic of one through the other
    client = client.application.test_client()
    login(client, alice)
    forged = f"{agenda_url}/{secret_topic.id}"
    assert client.post(f"{forged}/soutien").status_code == 404
    assert _votes(secret_topic.id) == (0, 0)
    page = client.get(agenda_url).get_data(as_text=True)
    assert "Titre d'un groupe discret" not in page


def test_vote_with_a_stale_counter_loses_nothing(app, setup) -> None:  # type: ignore[no-untyped-def]
    group, fac, alice, bob, _out = setup
    topic = _topic(fac, group)
    assert topic.votes == 0  # kept in memory while another session votes

    def vote() -> None:
        with app.app_context():
            agenda.vote(db.session.get(User, alice.id), db.session.get(Topic, topic.id))
            db.session.commit()
            db.session.remove()

    worker = threading.Thread(target=vote)
    worker.start()
    worker.join(timeout=60)
    assert topic.votes == 0
    agenda.vote(bob, topic)
    db.session.commit()
    assert topic.votes == 2 and _votes(topic.id) == (2, 2)


def test_concurrent_votes_are_all_counted(app, backend, setup) -> None:  # type: ignore[no-untyped-def]
    group, fac, alice, bob, _out = setup
    topic = _topic(fac, group)
    voter_ids = [alice.id, bob.id]
    barrier = threading.Barrier(len(voter_ids), timeout=30)
    outcomes: list[str] = []

    def vote(user_id: int) -> None:
        with app.app_context():
            try:
                if backend == "sqlite":  # the first read takes the write lock: start together
                    barrier.wait()
                actor = db.session.get(User, user_id)
                target = db.session.get(Topic, topic.id)
                if backend != "sqlite":  # both transactions have read votes == 0
                    barrier.wait()
                agenda.vote(actor, target)
                db.session.commit()
                outcomes.append("ok")
            except Exception as exc:  # reported through the assertion below
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=vote, args=(i,)) for i in voter_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["ok", "ok"]
    assert _votes(topic.id) == (2, 2)


def test_concurrent_double_vote_of_one_member_counts_once(app, setup) -> None:  # type: ignore[no-untyped-def]
    group, fac, alice, _bob, _out = setup
    topic = _topic(fac, group)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def vote() -> None:
        with app.app_context():
            try:
                barrier.wait()
                actor = db.session.get(User, alice.id)
                target = db.session.get(Topic, topic.id)
                agenda.vote(actor, target)
                db.session.commit()
                outcomes.append("ok")
            except agenda.AgendaError as exc:
                db.session.rollback()
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=vote) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["Vous soutenez déjà ce sujet.", "ok"]
    assert _votes(topic.id) == (1, 1)
