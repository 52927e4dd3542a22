"""Round trip: export from instance A, import into an empty instance B, export again from B:
both archives hold the same REX, licences, credits and provenance (B adds itself at the end of
each provenance chain)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from commons import db
from commons.export import archive
from commons.export.importing import import_archive
from commons.wiki import services

from .archive_helpers import make_rex, rex_files, unzip, wipe_rex

A = {"SITE_NAME": "Commons A", "BASE_URL": "https://a.example"}
B = {"SITE_NAME": "Commons B", "BASE_URL": "https://b.example"}
SAME = (
    "uuid", "title", "slug", "summary", "licence", "attribution", "collectivites", "themes",
    "status", "period", "created", "digest", "canonical_url", "consent_receipts",
)  # fmt: skip


def _rows(entries: dict[str, bytes]) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(entries["rex.csv"].decode()))
    return [
        {k: v for k, v in row.items() if k not in ("id", "updated", "revision")} for row in rows
    ]


def _credits(entries: dict[str, bytes]) -> list[str]:
    return [line for line in entries["CREDITS.md"].decode().splitlines() if line.startswith("- ")]


def test_export_import_export_keeps_rex_licences_credits_and_provenance(  # type: ignore[no-untyped-def]
    app, tmp_path: Path, make_user, make_collectivite
) -> None:
    app.config.update(A)
    alice, bruno = make_user("Alice Martin"), make_user("Bruno Petit")
    places = [make_collectivite("Ville de Bègles", departement="33").id,
              make_collectivite("Région Bretagne", kind="region", departement="35").id]  # fmt: skip
    named = make_rex(alice, "Tiers-lieu numérique", body="## Contexte\n\nUn lieu.\n",
                     licence_id="CC-BY-SA-4.0", collectivite_ids=places,
                     themes=["numerique", "cooperation-territoriale"], status="termine",
                     period="2021-2023")  # fmt: skip
    services.save(bruno, named, base=1, body="## Contexte\n\nUn lieu partagé.\n")
    grouped = make_rex(bruno, "Cantine en régie", body="Texte [[Tiers-lieu numérique]].\n")
    grouped.attribution_mode = "group"
    grouped.credits = [{"name": "Groupe Alimentation", "role": "group"}]
    chatham = make_rex(alice, "Budget participatif", licence_id="CC0-1.0")
    chatham.attribution_mode = "chatham"
    chatham.credits = [{"name": "un·e chargé·e de mission d'une commune de Bretagne"}]
    make_rex(bruno, "Blancs en tête", body="\n\n   Texte après deux lignes vides.\n")
    empty = make_rex(bruno, "Encore vide", body="x")
    services.save(bruno, empty, base=1, body="")
    db.session.commit()
    first = unzip(archive_bytes(tmp_path / "a.zip"))

    wipe_rex()
    app.config.update(B)
    report = import_archive(None, tmp_path / "a.zip")
    db.session.commit()
    assert report.created == 5
    second = unzip(archive_bytes(tmp_path / "b.zip"))

    a_rex, b_rex = rex_files(first), rex_files(second)
    assert set(a_rex) == set(b_rex) and {named.uuid, grouped.uuid, chatham.uuid} < set(a_rex)
    for uuid, (meta_a, body_a) in a_rex.items():
        meta_b, body_b = b_rex[uuid]
        assert body_b == body_a
        assert {k: meta_b.get(k) for k in SAME} == {k: meta_a.get(k) for k in SAME}
        assert meta_a["provenance"] == [{"instance": "Commons A", "url": meta_a["canonical_url"]}]
        assert meta_b["provenance"][:-1] == meta_a["provenance"]
        assert meta_b["provenance"][-1] == {
            "instance": "Commons B",
            "url": f"https://b.example/rex/{meta_a['slug']}",
        }
        assert meta_b["source_instance"] == {"name": "Commons B", "url": "https://b.example"}
    assert a_rex[named.uuid][0]["attribution"]["credited"] == "Alice Martin et Bruno Petit"
    assert a_rex[chatham.uuid][0]["attribution"]["mode"] == "chatham"
    licences = sorted(k for k in first if k.startswith("LICENSES/"))
    assert licences == ["LICENSES/CC-BY-SA-4.0.txt", "LICENSES/CC0-1.0.txt",
                        "LICENSES/etalab-2.0.txt"]  # fmt: skip
    assert {k: first[k] for k in licences} == {k: second[k] for k in licences}
    assert _credits(first) == _credits(second) and len(_credits(first)) == 5
    assert _rows(first) == _rows(second)
    # A third pass through B changes nothing: B's archive imports into B as "unchanged".
    again = import_archive(None, tmp_path / "b.zip")
    db.session.rollback()
    assert (again.created, again.unchanged) == (0, 5)


def archive_bytes(path: Path) -> bytes:
    archive.write_zip(path)
    return path.read_bytes()
