"""The public export archive (``/communs/export.zip``, ``commons export public``): contents,
Frictionless validation, deterministic bytes, HTTP cache, and nothing private inside."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import frictionless
import pytest
from sqlalchemy import select

from commons import db
from commons.accounts.models import User
from commons.export import archive, archive_cache
from commons.wiki import provenance, services
from commons.wiki.models import Rex

from .archive_helpers import make_rex, rex_files, unzip

CANARY = "CANARI-PRIVE-7f3a"


def _export(tmp_path: Path, name: str = "a.zip") -> bytes:
    target = tmp_path / name
    archive.write_zip(target)
    return target.read_bytes()


def test_archive_holds_every_part_with_full_front_matter(app, tmp_path, make_user) -> None:  # type: ignore[no-untyped-def]
    alice, bruno = make_user("Alice Martin"), make_user("Bruno Petit")
    rex = make_rex(alice, "Covoiturage rural", themes=["mobilite", "energie"])
    services.save(bruno, rex, base=1, body="Texte de Covoiturage rural.\n\nAjout de Bruno.\n")
    services.save(alice, rex, base=2, body="Texte revu.\n\nAjout de Bruno.\n")
    other = make_rex(bruno, "Cantine bio", licence_id="CC-BY-4.0")
    db.session.commit()
    entries = unzip(_export(tmp_path))
    assert sorted(entries) == list(entries)  # sorted entries
    assert set(entries) == {
        "CREDITS.md", "LICENSES/CC-BY-4.0.txt", "LICENSES/etalab-2.0.txt", "README.md",
        "datapackage.json", "rex.csv", "rex/cantine-bio.md", "rex/covoiturage-rural.md",
    }  # fmt: skip
    meta, body = rex_files(entries)[rex.uuid]
    assert body == "Texte revu.\n\nAjout de Bruno.\n"
    assert meta["digest"] == provenance.digest(body) and meta["revision"] == 3
    assert (meta["title"], meta["slug"], meta["licence"]) == (rex.title, rex.slug, "etalab-2.0")
    assert meta["attribution"] == {
        "mode": "named",
        "credited": "Alice Martin et Bruno Petit",
        "names": [{"name": "Alice Martin"}, {"name": "Bruno Petit"}],
    }
    assert meta["themes"] == ["mobilite", "energie"] and meta["status"] == "en-cours"
    assert meta["canonical_url"] == "http://commons.test/rex/covoiturage-rural"
    assert meta["source_instance"] == {"name": "Commons", "url": "http://commons.test"}
    assert meta["provenance"] == [{"instance": "Commons", "url": meta["canonical_url"]}]
    assert meta["consent_receipts"] == [] and meta["summary"] == "Résumé de Covoiturage rural"
    assert str(meta["created"]) == rex.created_at.date().isoformat()
    rows = list(csv.DictReader(io.StringIO(entries["rex.csv"].decode())))
    assert [r["slug"] for r in rows] == ["cantine-bio", "covoiturage-rural"]
    assert rows[1]["themes"] == "mobilite;energie" and rows[1]["revision"] == "3"
    assert rows[0]["licence"] == "CC-BY-4.0" and rows[0]["uuid"] == other.uuid
    assert rows[1]["path"] == "rex/covoiturage-rural.md"
    credits = entries["CREDITS.md"].decode()
    assert "Alice Martin et Bruno Petit" in credits and "licence CC-BY-4.0" in credits
    readme = entries["README.md"].decode()
    assert "2 retours d'expérience" in readme and "commons import" in readme
    assert "Creative Commons" in entries["LICENSES/CC-BY-4.0.txt"].decode()


def test_frictionless_validates_the_archive_and_catches_tampering(app, tmp_path, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    make_rex(author, "Budget participatif", body="Un texte *accentué* : été, œuvre.\n")
    make_rex(author, "Tiers-lieu", licence_id="CC-BY-SA-4.0")
    folder = tmp_path / "out"
    assert archive.write_folder(folder) == 2
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    assert len(report.tasks) == 1 + 2 + 2 + 2  # rex.csv, README, CREDITS, 2 licences, 2 REX
    path = folder / "rex" / "tiers-lieu.md"
    path.write_text(path.read_text(encoding="utf-8") + "ajout clandestin\n", encoding="utf-8")
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert not report.valid
    assert {"hash-count", "byte-count"} & {e[0] for e in report.flatten(["type"])}


def test_same_content_gives_the_same_bytes(app, tmp_path, make_user) -> None:  # type: ignore[no-untyped-def]
    author = make_user()
    rex = make_rex(author, "Éclairage public")
    make_rex(author, "Zéro déchet")
    make_rex(author, "Vélo")  # "rex/velo-ecole.md" sorts before "rex/velo.md"
    make_rex(author, "Vélo-école")
    first, second = _export(tmp_path, "1.zip"), _export(tmp_path, "2.zip")
    assert first == second
    archive.write_folder(tmp_path / "dossier")  # the folder holds the same files, byte for byte
    assert unzip(first) == {
        p.relative_to(tmp_path / "dossier").as_posix(): p.read_bytes()
        for p in (tmp_path / "dossier").rglob("*")
        if p.is_file()
    }
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {(i.date_time, i.external_attr >> 16, i.compress_type) for i in infos} == {
        ((1980, 1, 1, 0, 0, 0), 0o100644, zipfile.ZIP_DEFLATED)
    }
    services.save(author, rex, base=1, body="Texte changé.\n")
    db.session.commit()
    assert _export(tmp_path, "3.zip") != first


def test_private_network_hidden_content_and_identities_never_leak(  # type: ignore[no-untyped-def]
    app, tmp_path, make_user, make_group
) -> None:
    member = make_user("Claire Dupont", email="claire.secret@exemple.fr")
    group = make_group(members=(member,))
    make_rex(member, f"Groupe {CANARY}", body=f"Confidentiel {CANARY}\n", space="group",
             group_id=group.id)  # fmt: skip
    make_rex(member, f"Réseau {CANARY}", body=f"Réseau {CANARY}\n", space="network")
    public = make_rex(member, "Public partagé", body="Rien de secret.\n")
    if hasattr(Rex, "hidden"):
        hidden = make_rex(member, f"Masqué {CANARY}", body=f"Masqué {CANARY}\n")
        hidden.hidden = True
        db.session.commit()
    entries = unzip(_export(tmp_path))
    blob = b"\n".join(entries.values())
    assert public.uuid.encode() in blob
    assert CANARY.encode() not in blob
    for user in db.session.scalars(select(User)):
        assert user.email.encode() not in blob
    assert b"@" not in blob.replace(b"@type", b"")
    assert set(rex_files(entries)) == {public.uuid}
    meta, _ = rex_files(entries)[public.uuid]
    assert not {"author_id", "created_by_id", "group_id", "space", "email"} & set(meta)


def _get(client, **headers: str):  # type: ignore[no-untyped-def]
    """GET the archive, read it, and close the file the response was streaming."""
    response = client.get("/communs/export.zip", headers=headers)
    response.get_data()
    response.close()
    return response


def test_download_is_cached_conditional_and_rebuilt_on_change(  # type: ignore[no-untyped-def]
    app, client, make_user, make_group
) -> None:
    author = make_user("Dana Roux")
    rex = make_rex(author, "Vélo-école")
    first = _get(client)
    assert first.status_code == 200 and first.mimetype == "application/zip"
    assert "attachment" in first.headers["Content-Disposition"]
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert set(rex_files(unzip(first.data))) == {rex.uuid}
    again = _get(client, **{"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    since = _get(client, **{"If-Modified-Since": modified})
    assert since.status_code == 304
    assert _get(client).data == first.data
    # Private changes leave the archive alone; a public change rebuilds it.
    group = make_group(members=(author,))
    make_rex(author, "Privé", space="group", group_id=group.id)
    assert _get(client).headers["ETag"] == etag
    services.save(author, rex, base=1, body="Nouveau texte.\n")
    db.session.commit()
    changed = _get(client, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Nouveau texte." in rex_files(unzip(changed.data))[rex.uuid][1]
    assert len(list(archive_cache.folder().glob("communs-*.zip"))) == 1


def test_fingerprint_follows_credits_and_collectivites(app, make_user, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    author = make_user("Eve Laurent")
    place = make_collectivite("Ville de Melun", departement="77")
    make_rex(author, "Jardins partagés", collectivite_ids=[place.id])
    before = archive_cache.fingerprint()
    assert archive_cache.fingerprint() == before
    author.display_name = "Ève Laurent-Morel"
    db.session.commit()
    renamed = archive_cache.fingerprint()
    assert renamed != before
    place.name = "Commune de Melun"
    db.session.commit()
    assert archive_cache.fingerprint() != renamed


def test_cli_writes_a_zip_or_a_folder(app, tmp_path, make_user) -> None:  # type: ignore[no-untyped-def]
    make_rex(make_user(), "Marché de producteurs")
    cli = app.test_cli_runner()
    result = cli.invoke(args=["export", "public", str(tmp_path / "sortie" / "communs.zip")])
    assert result.exit_code == 0, result.output
    assert "1 REX publics" in result.output
    data = (tmp_path / "sortie" / "communs.zip").read_bytes()
    assert "rex/marche-de-producteurs.md" in unzip(data)
    result = cli.invoke(args=["export", "public", str(tmp_path / "dossier")])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "dossier" / "rex" / "marche-de-producteurs.md").read_bytes()
    assert md == unzip(data)["rex/marche-de-producteurs.md"]
    result = cli.invoke(args=["export", "public", str(tmp_path / "dossier")])
    assert result.exit_code != 0 and "n'est pas vide" in result.output


def test_cli_cache_prepares_the_served_archive(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_rex(make_user(), "Ressourcerie")
    result = app.test_cli_runner().invoke(args=["export", "cache"])
    assert result.exit_code == 0, result.output
    built = list(archive_cache.folder().glob("communs-*.zip"))
    assert len(built) == 1 and str(built[0]) in result.output
    mtime = built[0].stat().st_mtime_ns
    response = _get(client)
    assert response.data == built[0].read_bytes() and built[0].stat().st_mtime_ns == mtime


def test_an_empty_commons_still_gives_a_valid_archive(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "vide"
    assert archive.write_folder(folder) == 0
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    digest = hashlib.sha256((folder / "rex.csv").read_bytes()).hexdigest()
    assert f"sha256:{digest}" in (folder / "datapackage.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["group"])
def test_frozen_credits_are_exported_as_frozen(app, tmp_path, make_user, mode) -> None:  # type: ignore[no-untyped-def]
    rex = make_rex(make_user("Fanny Nom"), "Groupe crédité")
    rex.attribution_mode, rex.credits = mode, [{"name": "Groupe mobilité", "role": "group"}]
    db.session.commit()
    meta, _ = rex_files(unzip(_export(tmp_path)))[rex.uuid]
    assert meta["attribution"] == {
        "mode": "group",
        "credited": "Groupe mobilité",
        "names": [{"name": "Groupe mobilité", "role": "group"}],
    }
    assert "Fanny Nom" not in (tmp_path / "a.zip").read_bytes().decode("latin-1")


def test_published_rex_carry_their_consent_receipt_digests_and_no_identity(  # type: ignore[no-untyped-def]
    app, tmp_path, make_user, make_group
) -> None:
    publication = pytest.importorskip("commons.publication.services")
    from commons.publication import consent, publish

    facilitator = make_user("Fanny Animatrice", role="facilitator")
    alice = make_user("Alice Martin", email="alice.consent@exemple.fr")
    bruno = make_user("Bruno Petit", email="bruno.consent@exemple.fr")
    group = make_group(facilitator=facilitator, members=(alice, bruno))
    rex = services.create_rex(alice, title="Tiers-lieu", body=f"Texte.\n\n{CANARY}\n",
                              space="group", group_id=group.id)  # fmt: skip
    services.save(bruno, rex, base=1, body="Texte.\n\nAvec la médiathèque.\n")
    db.session.commit()
    proposal = publication.propose(alice, rex, licence_id="CC-BY-4.0", mode="named")
    for user in (alice, bruno):
        digest = consent.preview(proposal).digest
        publication.answer(user, proposal, contributor_id=user.id, value="yes", digest=digest)
    checklist = dict.fromkeys(publication.CHECKLIST, True)
    publication.attest(facilitator, proposal, checklist=checklist,
                       digest=consent.preview(proposal).digest)  # fmt: skip
    public = publish.publish(facilitator, proposal)
    db.session.commit()
    entries = unzip(_export(tmp_path))
    meta, body = rex_files(entries)[public.uuid]
    expected = consent.preview(proposal).digest
    assert meta["consent_receipts"] == [f"sha256:{expected}"] * 2
    assert meta["attribution"]["credited"] == "Alice Martin et Bruno Petit"
    blob = b"\n".join(entries.values())
    assert rex.uuid.encode() not in blob and CANARY.encode() not in blob
    assert b"consent@exemple.fr" not in blob and b"Fanny" not in blob
