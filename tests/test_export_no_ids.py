"""Issue 13, case 8 (exports): the archive, the API and the feeds name a REX by its uuid, never
by its database id (ids are counters: the gaps between public ids told how many REX of groups
and of the network exist)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import frictionless

from commons import db
from commons.wiki.models import Rex

from .archive_helpers import make_rex


def _walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every (key path, value) pair of a JSON document."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((f"{path}.{key}", item))
            found.extend(_walk(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for item in value:
            found.extend(_walk(item, f"{path}[]"))
    return found


def _world(make_user, make_group) -> list[Rex]:  # type: ignore[no-untyped-def]
    """Public REX with private ones written between them (so their ids have gaps)."""
    member = make_user()
    group = make_group(members=(member,))
    public = []
    for n in range(3):
        public.append(make_rex(member, f"Public {n}"))
        for m in range(2):
            make_rex(member, f"Privé {n}-{m}", space="group", group_id=group.id)
    make_rex(member, "Réseau", space="network")
    return public


def test_archive_index_has_uuids_and_no_database_id(
    client, tmp_path: Path, make_user, make_group
) -> None:  # type: ignore[no-untyped-def]
    public = _world(make_user, make_group)
    response = client.get("/communs/export.zip")
    data = response.get_data()
    response.close()  # the file the response was streaming
    assert response.status_code == 200
    folder = tmp_path / "archive"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
    rows = list(csv.DictReader((folder / "rex.csv").read_text(encoding="utf-8").splitlines()))
    assert "id" not in rows[0] and not [c for c in rows[0] if c.endswith("_id")]
    assert sorted(r["uuid"] for r in rows) == sorted(r.uuid for r in public)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    index = next(r for r in package["resources"] if r["path"] == "rex.csv")
    assert [f["name"] for f in index["schema"]["fields"]][0] == "uuid"
    assert index["schema"]["primaryKey"] == ["uuid"]
    assert package["commons_archive_format"] == "2"
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    for md in (folder / "rex").iterdir():  # nor in the front matter of each file
        head = md.read_text(encoding="utf-8").split("---")[1]
        assert "\nid:" not in head and "_id:" not in head


def test_api_and_feed_name_rex_by_uuid_only(client, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    public = _world(make_user, make_group)
    ids = {str(r.id) for r in db.session.query(Rex)}
    listing = client.get("/api/v1/rex?per_page=50").get_json()
    detail = client.get(f"/api/v1/rex/{public[1].slug}").get_json()
    for document in (listing, detail):
        for key, value in _walk(document):
            name = key.rsplit(".", 1)[-1]
            if name == "id" or name.endswith("_id"):
                # Only licence references carry an "id": an SPDX identifier, not a counter.
                assert isinstance(value, str) and not value.isdigit(), (key, value)
    assert {item["uuid"] for item in listing["items"]} == {r.uuid for r in public}
    feed = client.get("/communs/flux.atom").get_data(as_text=True)
    for rex in public:
        assert f"urn:uuid:{rex.uuid}" in feed
    assert "<id>" in feed and not any(f"<id>{i}</id>" in feed for i in ids)


def test_openapi_describes_no_database_id(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").get_json()
    for key, value in _walk(spec.get("components", {})):
        name = key.rsplit(".", 1)[-1]
        if key.split(".")[-2:-1] == ["properties"] and (name == "id" or name.endswith("_id")):
            assert value.get("type") == "string", key
    rex = spec["components"]["schemas"]["RexSummary"]["properties"]
    assert "uuid" in rex and "id" not in rex
