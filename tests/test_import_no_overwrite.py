"""Issue 13, case 6: imports add, they never overwrite local work.

The uuid and slug of a public REX are public: anyone can download this instance's export, edit
a file (text, licence to CC0, invented credits), claim another origin and upload it. Such an
archive is refused — by the CLI ``commons import`` and by the admin page ``/communs/importer`` —
with a French message naming the file, and nothing of the archive is imported. A REX that came
from the archive's origin is still updated by it, but never towards a more permissive licence.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from commons import db
from commons.export import archive
from commons.export.importing import import_archive
from commons.wiki import provenance
from commons.wiki import services as wiki
from commons.wiki.models import Revision, Rex

from .archive_helpers import dump_rex, make_rex, repack, rex_files, unzip, wipe_rex, write_zip
from .conftest import login
from .test_publication import _all_agree, _propose, _publish, build_world

HERE = {"SITE_NAME": "Commons Ici", "BASE_URL": "https://ici.example"}
EVIL = {"name": "Ailleurs", "url": "https://ailleurs.example"}
REWRITTEN = "Texte réécrit par une archive.\n"


def _snapshot(rex: Rex) -> tuple[Any, ...]:
    db.session.expire_all()
    rex = db.session.scalar(select(Rex).where(Rex.uuid == rex.uuid))
    head = wiki.revision(rex, rex.head)
    return (head.source, rex.head, rex.title, rex.licence_id, rex.credits, rex.attribution_mode)


def _forge(entries: dict[str, bytes], uuid: str, *, origin: dict[str, str] = EVIL, **meta: Any):
    """The export with the REX ``uuid`` rewritten: new text, CC0, invented credits, another
    origin; ``meta`` overrides front matter keys; rex.csv and datapackage.json follow."""
    name = next(n for n, d in entries.items() if n.startswith("rex/") and uuid.encode() in d)
    found, body = rex_files({name: entries[name]})[uuid]
    found.update(
        {
            "licence": "CC0-1.0",
            "attribution": {
                "mode": "named",
                "credited": "Jean Inventé",
                "names": [{"name": "Jean Inventé"}],
            },
            "source_instance": origin,
            "provenance": [{"instance": origin["name"], "url": f"{origin['url']}/rex/x"}],
            "canonical_url": f"{origin['url']}/rex/x",
            "updated": "2099-01-01T00:00:00Z",
        }  # fmt: skip
    )
    found.update(meta)
    body = REWRITTEN
    found["digest"] = provenance.digest(body)
    rows = list(csv.reader(entries["rex.csv"].decode().splitlines()))
    column = rows[0].index("licence")
    for row in rows[1:]:
        if uuid in row:
            row[column] = found["licence"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return name, repack(
        {**entries, name: dump_rex(found, body), "rex.csv": out.getvalue().encode()}
    )


@pytest.fixture
def here(app, tmp_path, make_user, make_group) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """This instance: a public REX written here (CC BY-SA), a copy published by consent
    (Chatham House credits, frozen) and a CC0 REX (so the export ships the CC0 text)."""
    app.config.update(HERE)
    alice = make_user("Alice Martin")
    local = make_rex(alice, "Covoiturage rural", licence_id="CC-BY-SA-4.0")
    make_rex(alice, "Boîte à livres", licence_id="CC0-1.0")
    w = build_world(make_user, make_group)
    proposal = _propose(w, mode="chatham", licence="CC-BY-4.0")
    _all_agree(w, proposal)
    published = _publish(w, proposal)
    path = tmp_path / "ici.zip"
    archive.write_zip(path)  # what anyone downloads from /communs/export.zip
    return {"local": local, "published": published, "entries": unzip(path.read_bytes())}


def _cli(app, path: Path):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["import", str(path)])


def _web(client, data: bytes):  # type: ignore[no-untyped-def]
    boundary, body = encode_multipart({"archive": FileStorage(io.BytesIO(data), "a.zip")})
    return client.post(
        "/communs/importer", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.mark.parametrize("target", ["local", "published"])
def test_an_archive_cannot_rewrite_a_rex_of_this_instance(  # type: ignore[no-untyped-def]
    app, client, tmp_path, here, make_user, target
) -> None:
    rex = here[target]
    before, count = _snapshot(rex), db.session.scalar(select(func.count(Rex.id)))
    name, entries = _forge(here["entries"], rex.uuid)
    path = write_zip(tmp_path / "forged.zip", entries)
    expected = "écrit sur cette instance" if target == "local" else "copie publiée ici"

    result = _cli(app, path)
    assert result.exit_code != 0
    assert name in result.output and expected in result.output
    assert _snapshot(rex) == before

    login(client, make_user(role="admin"))
    response = _web(client, path.read_bytes())
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "rien n'a été importé" in page
    assert name in page and expected in page
    assert _snapshot(rex) == before
    assert db.session.scalar(select(func.count(Rex.id))) == count
    assert REWRITTEN.strip() not in client.get(f"/rex/{rex.slug}").get_data(as_text=True)


def test_a_refused_file_stops_the_whole_import(app, tmp_path, here, make_user) -> None:  # type: ignore[no-untyped-def]
    """All or nothing: a new REX in the same archive is not created either."""
    name, entries = _forge(here["entries"], here["local"].uuid)
    # A REX of the archive that this instance no longer holds: alone, it would be created.
    db.session.execute(delete(Rex).where(Rex.slug == "boite-a-livres"))
    db.session.commit()
    count = db.session.scalar(select(func.count(Rex.id)))
    with pytest.raises(Exception, match="écrit sur cette instance"):
        import_archive(None, write_zip(tmp_path / "f.zip", entries))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Rex.id))) == count
    entries.pop(name)  # without the forged file, the same archive imports
    rows = [r for r in entries["rex.csv"].decode().splitlines() if here["local"].uuid not in r]
    package = json.loads(entries["datapackage.json"])
    package["resources"] = [r for r in package["resources"] if r["path"] != name]
    entries = repack({**entries, "rex.csv": ("\n".join(rows) + "\n").encode(),
                      "datapackage.json": json.dumps(package).encode()})  # fmt: skip
    report = import_archive(None, write_zip(tmp_path / "g.zip", entries))
    assert report.created == 1


def test_same_origin_updates_but_never_towards_a_more_permissive_licence(  # type: ignore[no-untyped-def]
    app, tmp_path, make_user
) -> None:
    app.config.update({"SITE_NAME": "Commons A", "BASE_URL": "https://a.example"})
    make_rex(make_user("Alice"), "Budget vert", licence_id="CC-BY-4.0")
    make_rex(make_user("Zoé"), "Boîte à livres", licence_id="CC0-1.0")
    archive.write_zip(tmp_path / "a.zip")
    entries = unzip((tmp_path / "a.zip").read_bytes())
    wipe_rex()
    app.config.update(HERE)
    import_archive(None, tmp_path / "a.zip")
    db.session.commit()
    imported = db.session.scalar(select(Rex).where(Rex.slug == "budget-vert"))
    assert imported is not None and imported.origin is not None
    a = {"name": "Commons A", "url": "https://a.example"}
    chain = imported.origin["chain"]
    same = {"provenance": chain, "canonical_url": imported.origin["canonical_url"]}
    # CC BY -> CC0 from the same origin: refused (rights already granted are not taken back).
    name, entries_cc0 = _forge(entries, imported.uuid, origin=a, **same)
    before = _snapshot(imported)
    with pytest.raises(Exception, match="plus permissive") as info:
        import_archive(None, write_zip(tmp_path / "cc0.zip", entries_cc0))
    assert name in str(info.value.errors)  # type: ignore[attr-defined]
    db.session.rollback()
    assert _snapshot(imported) == before
    # Same origin, same licence, newer text: updated, as before the rule.
    attribution = {"mode": "named", "credited": "Alice"}
    _, entries_ok = _forge(
        entries, imported.uuid, origin=a, licence="CC-BY-4.0", attribution=attribution, **same
    )
    report = import_archive(None, write_zip(tmp_path / "ok.zip", entries_ok))
    db.session.commit()
    assert report.updated == 1
    db.session.expire_all()
    imported = db.session.scalar(select(Rex).where(Rex.slug == "budget-vert"))
    assert wiki.revision(imported, imported.head).source == REWRITTEN
    assert imported.licence_id == "CC-BY-4.0"
    # Another origin claiming the same uuid: refused.
    _, entries_evil = _forge(entries, imported.uuid, licence="CC-BY-4.0", attribution=attribution)
    with pytest.raises(Exception, match="autre origine"):
        import_archive(None, write_zip(tmp_path / "evil.zip", entries_evil))
    db.session.rollback()
    assert (
        db.session.scalar(select(func.count(Revision.id)).where(Revision.rex_id == imported.id))
        == 2
    )
