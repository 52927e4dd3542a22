"""Importing another instance's export (``commons import``, :func:`import_archive`): REX keep
uuid, licence, credits and provenance; re-imports update in place; hostile or malformed
archives are refused with a French message and nothing imported."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from commons import db
from commons.export import archive
from commons.export.importing import Limits, import_archive
from commons.wiki import services
from commons.wiki.importer import RexImportError
from commons.wiki.models import Revision, Rex

from .archive_helpers import dump_rex, make_rex, repack, rex_files, unzip, wipe_rex, write_zip

A = {"SITE_NAME": "Commons A", "BASE_URL": "https://a.example"}
B = {"SITE_NAME": "Commons B", "BASE_URL": "https://b.example"}


def _count(model: type = Rex) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def exported(app, tmp_path, make_user) -> Path:  # type: ignore[no-untyped-def]
    """Instance A's archive (two REX, one edited by two people), then A's REX are deleted:
    the same database plays an empty instance B."""
    app.config.update(A)
    alice, bruno = make_user("Alice Martin"), make_user("Bruno Petit")
    rex = make_rex(alice, "Covoiturage rural", body="Contexte.\n\nDémarche.\n",
                   licence_id="CC-BY-4.0")  # fmt: skip
    services.save(bruno, rex, base=1, body="Contexte.\n\nDémarche revue.\n")
    make_rex(bruno, "Cantine bio")
    db.session.commit()
    path = tmp_path / "a.zip"
    archive.write_zip(path)
    wipe_rex()
    app.config.update(B)
    return path


def _one(slug: str) -> Rex:
    rex = db.session.scalar(select(Rex).where(Rex.slug == slug))
    assert rex is not None
    return rex


def test_import_keeps_uuid_licence_credits_and_provenance(app, client, exported) -> None:  # type: ignore[no-untyped-def]
    uuids = set(rex_files(unzip(exported.read_bytes())))
    report = import_archive(None, exported)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    rex = _one("covoiturage-rural")
    assert {r.uuid for r in db.session.scalars(select(Rex))} == uuids
    assert (rex.space, rex.licence_id, rex.attribution_mode) == ("public", "CC-BY-4.0", "named")
    assert rex.credits == [{"name": "Alice Martin"}, {"name": "Bruno Petit"}]
    assert rex.provenance == "Commons A"
    assert rex.origin is not None
    assert rex.origin["chain"] == [
        {"instance": "Commons A", "url": "https://a.example/rex/covoiturage-rural"}
    ]
    assert rex.origin["canonical_url"] == "https://a.example/rex/covoiturage-rural"
    assert services.revision(rex, rex.head).source == "Contexte.\n\nDémarche revue.\n"
    page = client.get("/rex/covoiturage-rural").get_data(as_text=True)
    assert "importé de Commons A" in page and "Alice Martin" in page and "Bruno Petit" in page


def test_reimport_changes_nothing_and_a_newer_archive_updates_in_place(  # type: ignore[no-untyped-def]
    app, tmp_path, make_user
) -> None:
    app.config.update(A)
    author = make_user("Alice Martin")
    rex = make_rex(author, "Budget vert", body="Contexte.\n\nObjectifs.\n\nBilan.\n")
    archive.write_zip(tmp_path / "v1.zip")
    services.save(author, rex, base=1, body="Contexte.\n\nObjectifs.\n\nBilan chiffré.\n")
    db.session.commit()
    archive.write_zip(tmp_path / "v2.zip")
    wipe_rex()
    app.config.update(B)
    import_archive(None, tmp_path / "v1.zip")
    db.session.commit()
    again = import_archive(None, tmp_path / "v1.zip")
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert (_count(), _count(Revision)) == (1, 1)
    local = make_user("Zoé Locale")
    imported = _one("budget-vert")
    services.save(local, imported, base=1, body="Contexte local.\n\nObjectifs.\n\nBilan.\n")
    db.session.commit()
    newer = import_archive(None, tmp_path / "v2.zip")
    db.session.commit()
    assert (newer.created, newer.updated) == (0, 1) and _count() == 1
    imported = _one("budget-vert")
    head = services.revision(imported, imported.head)
    assert head.source == "Contexte local.\n\nObjectifs.\n\nBilan chiffré.\n"
    assert services.revision(imported, 2).author_id == local.id  # the local edit is kept
    older = import_archive(None, tmp_path / "v1.zip")  # an older export changes nothing
    db.session.commit()
    assert (older.updated, older.unchanged) == (0, 1)
    assert _one("budget-vert").head == head.number


def test_a_folder_imports_like_the_zip(app, tmp_path, exported) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "dossier"
    with zipfile.ZipFile(exported) as zf:
        zf.extractall(folder)
    report = import_archive(None, folder)
    db.session.commit()
    assert report.created == 2 and _one("cantine-bio").provenance == "Commons A"


def test_cli_import_reports_and_refuses_in_french(app, tmp_path, exported) -> None:  # type: ignore[no-untyped-def]
    cli = app.test_cli_runner()
    bad = write_zip(tmp_path / "bad.zip", {"../evil.md": b"x"})
    result = cli.invoke(args=["import", str(bad)])
    assert result.exit_code != 0 and "sort de l'archive" in result.output
    assert _count() == 0
    result = cli.invoke(args=["import", str(exported)])
    assert result.exit_code == 0, result.output
    assert "2 REX créé(s)" in result.output and _count() == 2


# --- hostile and malformed archives: each refused, nothing imported --------------------------


def _entries(path: Path) -> dict[str, bytes]:
    return unzip(path.read_bytes())


def _md(entries: dict[str, bytes]) -> str:
    return next(name for name in sorted(entries) if name.startswith("rex/"))


def _edit_meta(entries: dict[str, bytes], **changes: Any) -> dict[str, bytes]:
    name = _md(entries)
    meta, body = rex_files({name: entries[name]}).popitem()[1]
    meta.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del meta[key]
    return repack({**entries, name: dump_rex(meta, body)})


SYMLINK = {"external_attr": 0o120777 << 16}


def _case(name: str, entries: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, Any], str]:
    """(entries, ZipInfo attributes, expected message) for each hostile case."""
    md = _md(entries)
    if name == "traversal":
        return {**entries, "rex/../../evil.md": b"x"}, {}, "sort de l'archive"
    if name == "absolute":
        return {**entries, "/etc/cron.d/evil": b"x"}, {}, "chemin absolu"
    if name == "backslash":
        return {**entries, "rex\\..\\evil.md": b"x"}, {}, "chemin absolu ou séparateur"
    if name == "unexpected":
        return {**entries, "script.sh": b"rm -rf /"}, {}, "fichier inattendu"
    if name == "symlink":
        return {**entries, "rex/lien.md": b"/etc/passwd"}, {"rex/lien.md": SYMLINK}, "symbolique"
    if name == "bomb":
        return {**entries, "rex/bombe.md": b"\0" * 900_000}, {}, "taux de compression"
    if name == "oversized":
        big = bytes(range(256)) * 8192  # 2 Mo, incompressible enough
        return {**entries, "rex/grand.md": big}, {}, "trop gros"
    if name == "utf8":
        return repack({**entries, md: entries[md] + b"\xff\xfe"}), {}, "UTF-8"
    if name == "no-datapackage":
        return {k: v for k, v in entries.items() if k != "datapackage.json"}, {}, "manquant"
    if name == "undeclared":
        return {**entries, "rex/intrus.md": entries[md]}, {}, "absent de datapackage.json"
    if name == "tampered":
        return {**entries, md: entries[md] + b"ajout\n"}, {}, "empreinte ne correspond pas"
    if name == "unknown-licence":
        return _edit_meta(entries, licence="proprietaire"), {}, "licence inconnue"
    if name == "no-provenance":
        changed = _edit_meta(entries, source_instance=None, provenance=None, canonical_url=None,
                             consent_receipts=None)  # fmt: skip
        return changed, {}, "provenance manquante"
    if name == "bad-digest":
        return _edit_meta(entries, digest="sha256:" + "0" * 64), {}, "empreinte"
    if name == "encrypted":
        return entries, {md: {"flag_bits": 0x1}}, "chiffré"
    raise AssertionError(name)


HOSTILE = [
    "traversal", "absolute", "backslash", "unexpected", "symlink", "bomb", "oversized", "utf8",
    "no-datapackage", "undeclared", "tampered", "unknown-licence", "no-provenance",
    "bad-digest", "encrypted",
]  # fmt: skip


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_archives_are_refused_and_nothing_imported(app, tmp_path, exported, case) -> None:  # type: ignore[no-untyped-def]
    entries, attrs, message = _case(case, _entries(exported))
    path = write_zip(tmp_path / f"{case}.zip", entries, **attrs)
    with pytest.raises(RexImportError) as caught:
        import_archive(None, path)
    db.session.rollback()
    assert message in str(caught.value)
    assert (_count(), _count(Revision)) == (0, 0)


def test_limits_on_entries_and_total_size(app, tmp_path, exported) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RexImportError, match="plus de 3 fichiers"):
        import_archive(None, exported, Limits(entries=3))
    with pytest.raises(RexImportError, match="dépasserait"):
        import_archive(None, exported, Limits(total_bytes=10_000))
    assert _count() == 0


def test_not_a_zip_and_a_symlink_in_a_folder_are_refused(app, tmp_path, exported) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"ceci n'est pas un zip")
    with pytest.raises(RexImportError, match="pas une archive zip"):
        import_archive(None, junk)
    folder = tmp_path / "dossier"
    with zipfile.ZipFile(exported) as zf:
        zf.extractall(folder)
    (folder / "rex" / "lien.md").symlink_to("/etc/passwd")
    with pytest.raises(RexImportError, match="lien symbolique"):
        import_archive(None, folder)
    assert _count() == 0


def test_one_bad_rex_among_good_ones_imports_none(app, tmp_path, exported) -> None:  # type: ignore[no-untyped-def]
    entries = _entries(exported)
    bad = _edit_meta(entries, themes=["inconnu"])
    with pytest.raises(RexImportError, match="thème inconnu"):
        import_archive(None, write_zip(tmp_path / "partiel.zip", bad))
    db.session.rollback()
    assert _count() == 0


def test_a_local_private_rex_with_the_same_uuid_is_never_overwritten(  # type: ignore[no-untyped-def]
    app, tmp_path, exported, make_user, make_group
) -> None:
    entries = _entries(exported)
    uuid = next(iter(rex_files(entries)))
    member = make_user()
    group = make_group(members=(member,))
    make_rex(member, "Privé", space="group", group_id=group.id, uuid=uuid)
    with pytest.raises(RexImportError, match="non public porte déjà cet identifiant"):
        import_archive(None, exported)
    db.session.rollback()
    private = db.session.scalar(select(Rex).where(Rex.title == "Privé"))  # slug: random suffix
    assert _count() == 1 and private is not None and private.space == "group"


def test_csv_and_files_must_agree(app, tmp_path, exported) -> None:  # type: ignore[no-untyped-def]
    entries = _entries(exported)
    rows = entries["rex.csv"].decode().splitlines()
    shuffled = repack({**entries, "rex.csv": ("\n".join(rows[:2]) + "\n").encode()})
    with pytest.raises(RexImportError, match="absent de rex.csv"):
        import_archive(None, write_zip(tmp_path / "csv.zip", shuffled))
    package = json.loads(entries["datapackage.json"])
    package["resources"][0]["schema"]["fields"].pop()
    broken = {**entries, "datapackage.json": json.dumps(package).encode()}
    with pytest.raises(RexImportError, match="colonnes différentes"):
        import_archive(None, write_zip(tmp_path / "schema.zip", broken))
    assert _count() == 0
    shutil.rmtree(tmp_path / "unused", ignore_errors=True)
