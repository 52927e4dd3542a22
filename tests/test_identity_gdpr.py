"""« Télécharger mes données »: the ZIP holds what is mine, lists notes about me, hides secrets."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

from commons import db
from commons.forum import services as forum
from commons.moderation import members as moderation
from commons.wiki import services as wiki
from tests.conftest import login


def test_download_my_data(client: Any, make_user, make_group) -> None:
    me = make_user(name="Inès Moreau")
    other = make_user(name="Autre Personne")
    facilitator = make_user(name="Fanny Anim", role="facilitator")
    group = make_group(facilitator=facilitator, members=(me, other), name="Groupe voirie")
    thread = forum.create_thread(
        me, title="Mon fil", body="Mon premier message", space="group", group_id=group.id
    )
    forum.reply(other, thread, "La réponse de quelqu'un d'autre")
    wiki.create_rex(me, title="Mon REX", body="Ce que nous avons appris", summary="création")
    moderation.add_note(facilitator, me, "Note confidentielle sur Inès", group.id)
    db.session.commit()

    login(client, me)
    assert "Télécharger mes données" in client.get("/compte/mes-donnees").get_data(as_text=True)
    response = client.get("/compte/mes-donnees.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"README.txt", "compte.json", "messages.json", "revisions_rex.json"} <= names
    assert "Inès Moreau" in archive.read("README.txt").decode()

    account = json.loads(archive.read("compte.json"))
    assert account["email"] == me.email and account["display_name"] == "Inès Moreau"
    assert "password_hash" not in account and "session_version" not in account
    messages = json.loads(archive.read("messages.json"))["messages"]
    bodies = [m["source"] for m in messages]
    assert "Mon premier message" in bodies
    assert all("quelqu'un d'autre" not in b for b in bodies)
    revisions = json.loads(archive.read("revisions_rex.json"))
    assert any("Ce que nous avons appris" in r["source"] for r in revisions)
    memberships = json.loads(archive.read("adhesions.json"))["adhesions"]
    assert [m["group_name"] for m in memberships] == ["Groupe voirie"]
    notes = json.loads(archive.read("notes_moderation_me_concernant.json"))
    assert len(notes) == 1 and notes[0]["contenu"] == "non communiqué"
    assert "animateur" in notes[0]["motif"]
    [session] = json.loads(archive.read("connexions.json"))  # the one signed in above
    assert session["last_seen_at"] and "token_hash" not in session
    assert set(json.loads(archive.read("seances.json"))) == {
        "reponses",
        "flux_agenda",
        "comptes_rendus",
        "actions",
    }
    everything = b"".join(archive.read(n) for n in names).decode()
    assert "Note confidentielle" not in everything
    assert "Autre Personne" not in everything


def test_secrets_of_the_second_factor_stay_out(client: Any, make_user) -> None:
    import pyotp

    from commons.identity import twofactor

    me = make_user()
    device = twofactor.begin_setup(me)
    twofactor.confirm_setup(me, pyotp.TOTP(device.secret).now())
    db.session.commit()
    secret = device.secret
    login(client, me)
    totp = pyotp.TOTP(secret)
    client.post("/connexion/second-facteur", data={"code": totp.at(time.time() + 30)})
    archive = zipfile.ZipFile(io.BytesIO(client.get("/compte/mes-donnees.zip").data))
    state = json.loads(archive.read("deux_etapes.json"))
    assert state["active"] is True and state["codes_de_secours_restants"] == 10
    everything = b"".join(archive.read(n) for n in archive.namelist()).decode()
    assert secret not in everything


def test_my_data_needs_a_session(client: Any) -> None:
    response = client.get("/compte/mes-donnees.zip")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
