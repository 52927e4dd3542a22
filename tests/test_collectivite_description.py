"""Issue 18: editorial notes about a collectivité (acronym, former name) live in its
description, never in its official name. Administrators edit it (at validation, and on the
collectivité's own edit page); it is shown on the collectivité's page and travels with REX
files (import) and the archive (export)."""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from commons import content, db
from commons.audit.models import AuditEntry
from commons.collectivites.models import Collectivite
from commons.export import archive
from commons.frontmatter import split_front_matter
from commons.wiki.importer import RexImportError, import_folder, parse_rex_file
from commons.wiki.models import Rex

from .archive_helpers import make_rex
from .conftest import login
from .integrity_support import clients, hidden_fields

CAPI = "porte-de-l-isere-droit-a-l-erreur-des-agents.md"


def _page(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_admin_edits_the_description_shown_on_the_page(
    client: Any, make_user: Any, make_collectivite: Any
) -> None:
    admin = make_user(role="admin")
    ville = make_collectivite("Ville de Bègles")
    path = f"/collectivites/{ville.slug}/modifier"
    login(client, admin)
    assert "Modifier le nom ou la description" in _page(client.get(f"/collectivites/{ville.slug}"))
    note = "Ancien nom : Bègles-sur-Garonne.\nSigle : VB."
    response = client.post(path, data={"name": "Ville de Bègles", "description": f"  {note}  "})
    assert response.status_code == 302 and response.location.endswith(
        f"/collectivites/{ville.slug}"
    )
    db.session.refresh(ville)
    assert ville.description == note and ville.name == "Ville de Bègles"
    client.post("/deconnexion")
    shown = _page(client.get(f"/collectivites/{ville.slug}"))
    assert (
        "Ancien nom : Bègles-sur-Garonne." in shown
        and "Modifier le nom ou la description" not in shown
    )


def test_admin_corrects_the_official_name_and_the_address_stays(
    client: Any, make_user: Any, make_collectivite: Any
) -> None:
    capi = make_collectivite("Communauté d'agglomération Porte de l'Isère (CAPI)")
    slug, path = capi.slug, f"/collectivites/{capi.slug}/modifier"
    login(client, make_user(role="admin"))
    form = _page(client.get(path))
    assert 'id="name"' in form and "Porte de l'Isère (CAPI)" in form
    refused = client.post(path, data={"name": "   ", "description": "Sigle : CAPI."})
    assert refused.status_code == 200 and "Sigle : CAPI." in _page(refused)
    db.session.refresh(capi)
    assert capi.name.endswith("(CAPI)") and capi.description == ""
    done = client.post(
        path,
        data={
            "name": "Communauté d'agglomération Porte de l'Isère",
            "description": "Sigle : CAPI.",
        },
    )
    assert done.status_code == 302
    db.session.refresh(capi)
    assert capi.name == "Communauté d'agglomération Porte de l'Isère" and capi.slug == slug
    assert capi.description == "Sigle : CAPI."
    assert "Porte de l'Isère</h1>" in _page(client.get(f"/collectivites/{slug}"))
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "collectivite.edit")
    ).all()
    assert entry.target_id == capi.id and entry.detail["changed"] == ["name", "description"]
    assert entry.detail["former_name"].endswith("(CAPI)")


def test_description_is_for_administrators_only(
    client: Any, make_user: Any, make_collectivite: Any
) -> None:
    ville = make_collectivite("Ville de Talence")
    path = f"/collectivites/{ville.slug}/modifier"
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/connexion" in anonymous.location
    for role in ("agent", "facilitator"):
        login(client, make_user(role=role))
        assert client.get(path).status_code == 403
        pirate = {"name": "Pirate", "description": "Pirate"}
        assert client.post(path, data=pirate).status_code == 403
        assert "Modifier le nom ou la description" not in _page(
            client.get(f"/collectivites/{ville.slug}")
        )
        client.post("/deconnexion")
    db.session.refresh(ville)
    assert ville.description == "" and ville.name == "Ville de Talence"
    login(client, make_user(role="admin"))
    assert client.get("/collectivites/pas-une-collectivite/modifier").status_code == 404


def test_a_proposal_and_its_description_stay_out_of_sight(
    client: Any, make_user: Any, make_collectivite: Any
) -> None:
    proposer, other = make_user(), make_user()
    proposed = make_collectivite("Commune proposée", validated=False, proposed_by_id=proposer.id)
    proposed.description = "Note confidentielle de l'administration"
    db.session.commit()
    path = f"/collectivites/{proposed.slug}"
    assert client.get(path).status_code == 404
    login(client, other)
    assert client.get(path).status_code == 404
    assert client.get(f"{path}/modifier").status_code == 403
    client.post("/deconnexion")
    login(client, proposer)
    assert "Note confidentielle" in _page(client.get(path))  # the proposer sees the page


def test_too_long_description_is_refused_and_kept(
    client: Any, make_user: Any, make_collectivite: Any
) -> None:
    ville = make_collectivite("Ville de Pessac")
    login(client, make_user(role="admin"))
    text = "é" * 2001
    page = _page(client.post(f"/collectivites/{ville.slug}/modifier", data={"description": text}))
    assert "Description : 2000 caractères au plus." in page and text in page
    db.session.refresh(ville)
    assert ville.description == ""


def test_validation_sets_the_description(
    client: Any, make_user: Any, make_collectivite: Any
) -> None:
    admin = make_user(role="admin")
    proposed = make_collectivite("CC du Val", kind="communaute_de_communes", validated=False)
    login(client, admin)
    assert 'name="description"' in _page(client.get("/collectivites/a-valider"))
    data = {"id": proposed.id, "decision": "valider", "siren": "", "description": "Sigle : CCV."}
    assert client.post("/collectivites/a-valider", data=data).status_code == 302
    db.session.refresh(proposed)
    assert proposed.validated and proposed.description == "Sigle : CCV."
    other = make_collectivite("CC du Mont", kind="communaute_de_communes", validated=False)
    refusal = {"id": other.id, "decision": "refuser", "motif": "Doublon de la CC du Val."}
    client.post("/collectivites/a-valider", data=refusal)
    db.session.refresh(other)
    assert other.refused_at is not None and other.description == ""


def test_rex_files_carry_descriptions_and_keep_an_existing_one(app: Any, tmp_path: Path) -> None:
    doc = parse_rex_file(content.CONTENT_DIR / "rex" / CAPI)
    capi = next(c for c in doc.collectivites if "Porte de l'Isère" in str(c["name"]))
    assert capi == {
        "name": "Communauté d'agglomération Porte de l'Isère",
        "type": "communaute_d_agglomeration",
        "departement": "38",
        "description": "Sigle : CAPI.",
    }
    folder = tmp_path / "rex"
    folder.mkdir()
    shutil.copy(content.CONTENT_DIR / "rex" / CAPI, folder / CAPI)
    import_folder(folder)
    db.session.commit()
    created = db.session.scalar(select(Collectivite).where(Collectivite.name.like("%Porte de%")))
    assert created is not None and created.description == "Sigle : CAPI."
    assert "(" not in created.name
    created.description = "Écrite ici par l'administration."  # a later import keeps it
    db.session.commit()
    import_folder(folder)
    db.session.commit()
    db.session.refresh(created)
    assert created.description == "Écrite ici par l'administration."
    bad = folder / CAPI
    bad.write_text(
        bad.read_text(encoding="utf-8").replace('description: "Sigle : CAPI."', "description: [1]"),
        encoding="utf-8",
    )
    try:
        import_folder(folder)
    except RexImportError as exc:
        assert "« description » attendue sous forme de texte" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a description that is not text must be refused")


def test_shipped_directory_names_hold_no_editorial_notes() -> None:
    for path in sorted((content.CONTENT_DIR / "rex").glob("*.md")):
        if path.name == "README.md":
            continue
        for ref in parse_rex_file(path).collectivites:
            assert "(" not in str(ref["name"]) and "«" not in str(ref["name"]), (path, ref)


def test_archive_export_carries_the_description(
    app: Any, tmp_path: Path, make_user: Any, make_collectivite: Any
) -> None:
    noted, plain = make_collectivite("Ville de Mérignac"), make_collectivite("Ville de Cenon")
    noted.description = "Sigle : VM."
    db.session.commit()
    make_rex(make_user(), "Vélo partagé", collectivite_ids=[noted.id, plain.id])
    archive.write_folder(tmp_path / "export")
    (written,) = (tmp_path / "export" / "rex").glob("*.md")
    meta, _ = split_front_matter(written.read_text(encoding="utf-8"))
    refs = {c["name"]: c for c in meta["collectivites"]}
    assert refs["Ville de Mérignac"]["description"] == "Sigle : VM."
    assert "description" not in refs["Ville de Cenon"]
    # imported into an instance that does not know them, the description comes back
    db.session.execute(delete(Rex))
    db.session.execute(delete(Collectivite).where(Collectivite.id.in_([noted.id, plain.id])))
    db.session.commit()
    import_folder(tmp_path / "export" / "rex")
    db.session.commit()
    back = db.session.scalar(select(Collectivite).where(Collectivite.name == "Ville de Mérignac"))
    assert back is not None and back.description == "Sigle : VM."


def test_two_administrators_editing_at_once_lose_nothing(
    app: Any, make_user: Any, make_collectivite: Any
) -> None:
    """The edit page carries the values it showed: a field changed meanwhile by another
    administrator keeps their value; a description both changed is refused in French, with
    the text kept and the current values shown, and the next save goes through."""
    ville = make_collectivite("Ville de Mérignac")
    first, second = clients(app, [make_user(role="admin"), make_user(role="admin")])
    path = f"/collectivites/{ville.slug}/modifier"
    seen_first = hidden_fields(first.get(path).get_data(as_text=True))
    seen_second = hidden_fields(second.get(path).get_data(as_text=True))
    assert "fields_base" in seen_first
    renamed = {**seen_first, "name": "Commune de Mérignac", "description": "Note A."}
    assert first.post(path, data=renamed).status_code == 302
    # The second kept the old name in the form: the first's rename is not undone.
    clash = {**seen_second, "name": "Ville de Mérignac", "description": "Note B."}
    refused = second.post(path, data=clash)
    page = _page(refused)
    assert refused.status_code == 200 and "pendant que vous écriviez" in page
    assert "Note A." in page and "Note B." in page  # the current value shown, mine kept
    db.session.refresh(ville)
    assert (ville.name, ville.description) == ("Commune de Mérignac", "Note A.")
    # The name they left alone now shows the first's rename: saving again does not undo it.
    assert 'value="Commune de Mérignac"' in page
    again = {**hidden_fields(refused.get_data(as_text=True)), "name": "Commune de Mérignac"}
    assert second.post(path, data={**again, "description": "Note B."}).status_code == 302
    db.session.refresh(ville)
    assert (ville.name, ville.description) == ("Commune de Mérignac", "Note B.")
