"""The shipped REX corpus (``content/rex``) goes through the archive importer: loaded as public
REX with their uuids, slugs, licence and credits, idempotently, all or nothing."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commons import content, db
from commons.collectivites.models import Collectivite
from commons.wiki import services
from commons.wiki.importer import RexImportError, import_folder, parse_rex_file
from commons.wiki.models import Revision, Rex

REX_DIR = content.CONTENT_DIR / "rex"
FILES = sorted(p for p in REX_DIR.glob("*.md") if p.name != "README.md")
CREDIT = "Rédaction Commons — synthèse d'articles publics"
ANGERS = "angers-budget-participatif.md"
WIKILINK = re.compile(r"\[\[([^\[\]\n|]+)\]\]")


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of ``content/rex``."""
    folder = tmp_path / "corpus" / "rex"
    shutil.copytree(REX_DIR, folder)
    return folder


def test_parse_reads_every_field() -> None:
    doc = parse_rex_file(REX_DIR / ANGERS)
    assert doc.uuid == "e5711287-9550-4f01-80c2-a4a8cee45dd4"
    assert doc.slug == "angers-budget-participatif" and doc.licence == "etalab-2.0"
    assert doc.attribution == {"mode": "group", "credited": CREDIT}
    assert {"name": "Ville d'Angers", "type": "commune", "departement": "49"} in doc.collectivites
    assert doc.themes == ["participation-citoyenne", "democratie", "finances"]
    assert (doc.status, doc.period, doc.created) == ("a-completer", "", date(2026, 11, 22))
    assert doc.sources and doc.body.startswith("*Synthèse de la rédaction")
    assert parse_rex_file((REX_DIR / ANGERS).read_text(encoding="utf-8")) == doc.__class__(
        **{**doc.__dict__, "name": "texte importé"}
    )


def test_the_shipped_rex_load_as_public_rex(app) -> None:  # type: ignore[no-untyped-def]
    report = content.load()
    db.session.commit()
    assert (report.rex_created, report.rex_updated, report.rex_unchanged) == (len(FILES), 0, 0)
    assert len(FILES) == 20 and _count(Rex) == 20 and _count(Revision) == 20
    assert "20 REX créé(s)" in report.summary()
    for file in FILES:
        doc = parse_rex_file(file)
        rex = db.session.scalar(select(Rex).where(Rex.uuid == doc.uuid))
        assert rex is not None and rex.slug == doc.slug == file.stem
        assert (rex.space, rex.licence_id, rex.title) == ("public", "etalab-2.0", doc.title)
        assert rex.created_at.date() == doc.created and rex.themes == doc.themes
        assert services.contributors(rex) == [(CREDIT, 1)]
        assert services.revision(rex, 1).source == doc.body
        linked = {(c.name, c.kind, c.departement_code) for c in rex.collectivites}
        assert linked == {(c["name"], c["type"], c["departement"]) for c in doc.collectivites}
    angers = db.session.scalar(select(Rex).where(Rex.slug == "angers-budget-participatif"))
    assert angers is not None and angers.period == "" and angers.status == "a-completer"
    assert {c.name for c in angers.collectivites} == {"Ville d'Angers", "Angers Loire Métropole"}


def test_a_second_load_changes_nothing(app) -> None:  # type: ignore[no-untyped-def]
    content.load()
    db.session.commit()
    before = {
        rex.uuid: (rex.head, rex.html, rex.updated_at) for rex in db.session.scalars(select(Rex))
    }
    counts = (_count(Revision), _count(Collectivite))
    again = content.load()
    db.session.commit()
    assert (again.rex_created, again.rex_updated, again.rex_unchanged) == (0, 0, 20)
    assert again.collectivites == 0 and (_count(Revision), _count(Collectivite)) == counts
    after = {
        rex.uuid: (rex.head, rex.html, rex.updated_at) for rex in db.session.scalars(select(Rex))
    }
    assert after == before


def test_a_modified_file_adds_exactly_one_revision(app, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    import_folder(corpus)
    db.session.commit()
    file = corpus / ANGERS
    file.write_text(file.read_text(encoding="utf-8") + "\nUn paragraphe ajouté.\n", "utf-8")
    report = import_folder(corpus)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 1, 19)
    assert _count(Revision) == 21
    rex = db.session.scalar(select(Rex).where(Rex.slug == "angers-budget-participatif"))
    assert rex is not None and rex.head == 2
    head = services.revision(rex, 2)
    assert head.comment == "Mise à jour depuis content/" and head.author_id is None
    assert head.author_name == CREDIT and "Un paragraphe ajouté." in rex.html
    assert services.contributors(rex) == [(CREDIT, 2)]
    assert import_folder(corpus).unchanged == 20 and _count(Revision) == 21


def _replace(text: str, pattern: str, new: str) -> str:
    changed, n = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
    assert n == 1, pattern
    return changed


BAD_FILES = {
    "uuid": (lambda t: _replace(t, r"^uuid: .*$", "uuid: pas-un-uuid"), "UUID invalide"),
    "licence": (lambda t: _replace(t, r"^licence: .*$", "licence: WTFPL"), "licence inconnue"),
    "themes": (
        lambda t: _replace(t, r"^themes: \[", "themes: [astrologie, "),
        "thème inconnu « astrologie »",
    ),
    "slug": (lambda t: _replace(t, r"^slug: .*$", "slug: Angers_Budget"), "minuscules"),
    "front matter": (lambda t: t.split("\n---\n", 1)[1], "en-tête YAML manquant"),
    "size": (lambda t: t + "x" * (1024 * 1024), "taille maximale (1 Mo)"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_and_nothing_is_imported(app, corpus: Path, case: str) -> None:  # type: ignore[no-untyped-def]
    edit, message = BAD_FILES[case]
    file = corpus / ANGERS
    file.write_text(edit(file.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(RexImportError) as caught:
        import_folder(corpus)
    assert ANGERS in str(caught.value) and message in str(caught.value)
    if case not in {"front matter", "size"}:
        assert f"champ « {case} »" in str(caught.value)
    assert _count(Rex) == 0 and _count(Collectivite) == 0


def test_invalid_utf8_is_refused(app, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    file = corpus / ANGERS
    file.write_bytes(file.read_bytes().replace(b"Contexte", b"Cont\xe9xte", 1))
    with pytest.raises(RexImportError, match=f"{ANGERS} : .*UTF-8 valide"):
        import_folder(corpus)
    assert _count(Rex) == 0


def test_every_bad_file_is_listed_at_once(app, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    for name, (edit, _) in (("angers-budget-participatif.md", BAD_FILES["uuid"]),
                            ("pantin-festival-ouishare.md", BAD_FILES["licence"])):  # fmt: skip
        (corpus / name).write_text(edit((corpus / name).read_text("utf-8")), "utf-8")
    with pytest.raises(RexImportError) as caught:
        import_folder(corpus)
    assert "rien n'a été importé" in str(caught.value) and len(caught.value.errors) == 2
    assert "pantin-festival-ouishare.md" in caught.value.errors[1]


def test_a_duplicate_slug_with_another_uuid_is_refused(app, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    text = (corpus / ANGERS).read_text(encoding="utf-8")
    copy = _replace(text, r"^uuid: .*$", "uuid: 0b8e4a1c-6f0e-4a53-9d0f-2f1c7c9b5e11")
    (corpus / "copie.md").write_text(copy, encoding="utf-8")
    with pytest.raises(RexImportError, match=r"copie\.md : champ « slug » : déjà utilisé par"):
        import_folder(corpus)
    assert _count(Rex) == 0
    (corpus / "copie.md").unlink()
    import_folder(corpus)
    db.session.commit()
    other = corpus.parent / "autre"
    other.mkdir()
    (other / "copie.md").write_text(copy, encoding="utf-8")
    with pytest.raises(RexImportError, match=r"copie\.md : champ « slug » : .* déjà pris"):
        import_folder(other)
    assert _count(Rex) == 20 and _count(Revision) == 20


def test_imported_rex_render_their_sections(app, client) -> None:  # type: ignore[no-untyped-def]
    content.load()
    db.session.commit()
    rex = db.session.scalar(select(Rex).where(Rex.slug == "angers-budget-participatif"))
    assert rex is not None
    for html in (rex.html, client.get("/rex/angers-budget-participatif").get_data(as_text=True)):
        for section in ("Contexte", "Démarche", "Ce qui a marché", "Enseignements et conseils"):
            assert re.search(rf"<h2[^>]*>{section}", html)
        assert re.search(r"<h2[^>]*>Ce qui n(&#39;|')a pas marché</h2>", html)


def test_wikilinks_between_corpus_rex_resolve(app) -> None:  # type: ignore[no-untyped-def]
    content.load()
    db.session.commit()
    slugs = {file.stem for file in FILES}
    expected = sum(len(WIKILINK.findall(file.read_text(encoding="utf-8"))) for file in FILES)
    found = 0
    for rex in db.session.scalars(select(Rex)):
        assert "wikilink-missing" not in rex.html, rex.slug
        assert rex.html == services.revision(rex, rex.head).html
        for href in re.findall(r'<a class="wikilink" href="([^"]+)"', rex.html):
            assert href.removeprefix("/rex/") in slugs, href
            found += 1
    assert found == expected > 10


def test_metadata_follow_the_file_without_a_new_revision(app, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    import_folder(corpus)
    db.session.commit()
    file = corpus / ANGERS
    text = _replace(file.read_text(encoding="utf-8"), r"^status: .*$", "status: termine")
    twice = '  - name: "ville d\'angers"\n    type: commune\n    departement: "49"\n'
    file.write_text(text.replace("themes:", twice + "themes:", 1), encoding="utf-8")
    report = import_folder(corpus)
    db.session.commit()
    assert (report.updated, report.unchanged) == (1, 19) and _count(Revision) == 20
    rex = db.session.scalar(select(Rex).where(Rex.slug == "angers-budget-participatif"))
    assert rex is not None and rex.status == "termine" and len(rex.collectivites) == 2


def test_reloading_content_keeps_local_edits(app, make_user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from commons.wiki import services as wiki

    folder = tmp_path / "content"
    shutil.copytree(content.CONTENT_DIR, folder)
    content.load(folder)
    db.session.commit()
    rex = db.session.scalar(select(Rex).where(Rex.slug == "angers-budget-participatif"))
    editor = make_user()
    local = wiki.revision(rex, rex.head).source + "\nComplément local d'un agent.\n"
    wiki.save(editor, rex, base=rex.head, body=local, comment="complément")
    db.session.commit()
    content.load(folder)  # unchanged file: the local edit stays
    db.session.commit()
    assert "Complément local" in wiki.revision(rex, rex.head).source
    path = folder / "rex" / "angers-budget-participatif.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "## Contexte", "## Contexte\n\nNote ajoutée en amont.", 1
        ),
        encoding="utf-8",
    )
    content.load(folder)  # changed file: merged with the local edit
    db.session.commit()
    head = wiki.revision(rex, rex.head).source
    assert "Complément local" in head and "Note ajoutée en amont." in head


def test_cli_refuses_a_broken_folder_in_french(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "rex").mkdir()
    (tmp_path / "rex" / "casse.md").write_bytes(b"---\ntitle: x\n---\n\xff\xfe")
    result = app.test_cli_runner().invoke(args=["content", "load", str(tmp_path)])
    assert result.exit_code != 0 and "casse.md" in result.output
    assert "Traceback" not in result.output
    assert _count(Rex) == 0
