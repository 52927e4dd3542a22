"""« Supprimer mon compte »: request, grace period cancelled by a sign-in, hand-over, erasure
(the name gone from pages, feeds, API, archive, receipts and audit; the words kept)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from commons import db
from commons.accounts.models import User
from commons.audit.models import AuditEntry
from commons.forum import services as forum
from commons.forum.models import Post
from commons.identity.models import AccountDeletion
from commons.publication.models import ConsentReceipt
from commons.wiki.models import Revision, Rex
from tests.conftest import PASSWORD, login, outbox
from tests.test_publication import _all_agree, _propose, _publish, build_world


def signed_in(client: Any) -> bool:
    return client.get("/compte/securite").status_code == 200


def ask(client: Any, password: str = PASSWORD) -> Any:
    return client.post(
        "/compte/supprimer", data={"password": password, "confirm": "y"}, follow_redirects=True
    )


def test_request_needs_the_password_then_a_sign_in_cancels_it(
    app: Any, client: Any, make_user
) -> None:
    user = make_user(name="Rose Dupuis")
    login(client, user)
    assert "Supprimer mon compte" in client.get("/compte/mes-donnees").get_data(as_text=True)
    refused = ask(client, "pas-le-bon-mot-de-passe")
    assert "Le mot de passe est incorrect" in refused.get_data(as_text=True)
    assert db.session.get(AccountDeletion, user.id) is None
    done = ask(client)
    assert "sera supprimé le" in done.get_data(as_text=True)
    row = db.session.get(AccountDeletion, user.id)
    assert row is not None and row.due_at - row.requested_at == timedelta(days=14)
    assert not signed_in(client)  # every session was closed
    assert any("programmée" in m["Subject"] for m in outbox(app))
    login(client, user)
    assert signed_in(client)
    assert db.session.get(AccountDeletion, user.id) is None
    assert any("annulée" in m["Subject"] for m in outbox(app))
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"account.deletion_request", "account.deletion_cancel"} <= actions


def test_last_facilitator_must_hand_over_first(client: Any, make_user, make_group) -> None:
    facilitator = make_user(role="facilitator")
    make_group(facilitator=facilitator, name="Groupe des ponts")
    login(client, facilitator)
    page = client.get("/compte/mes-donnees").get_data(as_text=True)
    assert "confiez d&#39;abord l&#39;animation" in page or "confiez d'abord" in page
    refused = ask(client)
    assert "Groupe des ponts" in refused.get_data(as_text=True)
    assert db.session.get(AccountDeletion, facilitator.id) is None


def test_erasure_removes_the_name_everywhere_and_keeps_the_words(
    app: Any, client: Any, make_user, make_group
) -> None:
    w = build_world(make_user, make_group)
    proposal = _propose(w, mode="named")
    _all_agree(w, proposal)
    public = _publish(w, proposal)
    thread = forum.create_thread(
        w.b, title="Tiers-lieux et bibliothèques", body="Mes mots à moi", space="network"
    )
    db.session.commit()
    name, email = w.b.display_name, w.b.email
    assert name == "Bruno Petit"
    public_page = f"/rex/{public.slug}"
    pages = [
        public_page,
        "/communs/flux.atom",
        f"/api/v1/rex/{public.slug}",
        f"/forum/sujet/{thread.id}",
        f"/rex/{w.rex.slug}/historique",
    ]
    anonymous = app.test_client()
    for path in (public_page, "/communs/flux.atom", "/communs/"):  # cached for visitors
        assert anonymous.get(path).status_code == 200
    login(client, w.a)
    for path in pages:  # the name is there before
        response = client.get(path)
        assert response.status_code == 200 and name in response.get_data(as_text=True), path
    client.post("/deconnexion")

    login(client, w.b)
    ask(client)
    db.session.get(AccountDeletion, w.b.id).due_at = db.utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "delete-due"])
    assert result.exit_code == 0 and "Comptes supprimés : 1" in result.output
    db.session.expire_all()

    erased = db.session.get(User, w.b.id)
    alias = erased.handle
    assert alias.startswith("ancien-membre-")
    assert erased.email.endswith("@supprime.invalid") and erased.password_hash == ""
    assert erased.display_name.startswith("Agent·e dans ")
    assert login(client, email).status_code == 200  # the old address opens nothing
    assert not signed_in(client)
    # Words stay, credited to the anonymous form.
    assert db.session.scalar(select(Revision).where(Revision.author_id == w.b.id)) is not None
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert post.author_id == w.b.id and "Mes mots à moi" in post.source
    # The name is nowhere: public page, feed, API, archive, receipts, audit, other pages.
    for path in (public_page, "/communs/flux.atom", "/communs/"):
        assert name not in anonymous.get(path).get_data(as_text=True), path
    login(client, w.a)
    for path in [*pages, "/api/v1/rex", "/communs/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert name not in response.get_data(as_text=True), path
    export = client.get("/communs/export.zip")
    payload = export.get_data()
    export.close()
    assert export.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(payload))
    for entry in archive.namelist():
        assert name.encode() not in archive.read(entry), entry
    receipts = db.session.scalars(select(ConsentReceipt).where(ConsentReceipt.user_id == w.b.id))
    assert all(name not in r.credit for r in receipts)
    entries = db.session.scalars(select(AuditEntry)).all()
    assert all(name not in e.actor_name and name not in e.target_label for e in entries)
    assert any(e.actor_name == alias for e in entries)  # a stable pseudonym stands for them
    assert db.session.get(Rex, public.id) is not None
