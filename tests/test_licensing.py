"""Licences: the registry of ``content/licences`` and the compatibility rules (no app needed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from markupsafe import Markup

from commons import licensing
from commons.licensing import (
    LicenceError,
    RegistryError,
    UnknownLicence,
    allowed_for_derivative,
    allowed_for_derivative_many,
    attribution_text,
    can_relicense,
    check_derivative,
    check_derivative_many,
    check_relicense,
    registry,
)

LO, BY, BY_SA, CC0 = "etalab-2.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0"
ALL = [LO, BY, BY_SA, CC0]

# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------

EXPECTED = {
    LO: (
        "Licence Ouverte / Open Licence 2.0",
        "Licence Ouverte 2.0",
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf",
        (True, True, False, True),
    ),
    BY: (
        "Creative Commons Attribution 4.0 International",
        "CC BY 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
        "https://creativecommons.org/licenses/by/4.0/legalcode.fr",
        (True, True, False, False),
    ),
    BY_SA: (
        "Creative Commons Attribution – Partage dans les mêmes conditions 4.0 International",
        "CC BY-SA 4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "https://creativecommons.org/licenses/by-sa/4.0/legalcode.fr",
        (True, True, True, False),
    ),
    CC0: (
        "Creative Commons Zero 1.0 Universel (transfert dans le domaine public)",
        "CC0 1.0",
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "https://creativecommons.org/publicdomain/zero/1.0/legalcode.fr",
        (True, False, False, False),
    ),
}


def test_registry_lists_the_four_licences_in_display_order() -> None:
    assert list(licensing.licences()) == ALL
    assert [lic.order for lic in licensing.licences().values()] == [1, 2, 3, 4]
    assert licensing.licences() is licensing.licences()  # read once per process


@pytest.mark.parametrize("licence_id", ALL)
def test_licence_fields(licence_id: str) -> None:
    name, short_name, url, legal_code_url, flags = EXPECTED[licence_id]
    lic = licensing.get(licence_id)
    assert (lic.id, lic.name, lic.short_name, lic.url, lic.legal_code_url) == (
        licence_id,
        name,
        short_name,
        url,
        legal_code_url,
    )
    assert (lic.open, lic.requires_attribution, lic.share_alike, lic.default) == flags
    assert lic.public_domain is (licence_id == CC0)
    with pytest.raises(AttributeError):
        lic.name = "autre"  # type: ignore[misc]


@pytest.mark.parametrize("licence_id", ALL)
def test_summary_is_rendered_sanitised_french_html(licence_id: str) -> None:
    html = licensing.get(licence_id).summary_html
    assert isinstance(html, Markup)
    assert html.startswith("<p>") and len(html) > 500
    assert html.count("<h2") >= 3
    assert ("<ul>" in html) is (licence_id != CC0)  # CC0 has no list of conditions
    assert "Pour un REX" in html and "seul le texte officiel fait foi" in html
    assert "---" not in html and "short_name" not in html  # front matter stripped
    assert "<script" not in html


def test_exactly_one_default_and_it_is_the_licence_ouverte() -> None:
    defaults = [lic.id for lic in licensing.licences().values() if lic.default]
    assert defaults == [LO]
    assert licensing.default_licence() is licensing.get(LO)


def test_open_licences_and_choices() -> None:
    assert [lic.id for lic in licensing.open_licences()] == ALL
    assert licensing.choices() == [(lic_id, EXPECTED[lic_id][0]) for lic_id in ALL]
    assert licensing.choices([CC0, BY_SA, CC0]) == [
        (BY_SA, EXPECTED[BY_SA][0]),
        (CC0, EXPECTED[CC0][0]),
    ]
    assert licensing.choices([]) == []
    with pytest.raises(UnknownLicence):
        licensing.choices(["GPL-3.0"])


@pytest.mark.parametrize("bad", ["GPL-3.0", "cc-by-4.0", "CC-BY", " etalab-2.0", "", None])
def test_unknown_ids_are_refused_in_french(bad: str) -> None:
    with pytest.raises(UnknownLicence) as caught:
        licensing.get(bad)
    assert isinstance(caught.value, LicenceError) and isinstance(caught.value, ValueError)
    assert str(caught.value) == f"Licence inconnue : « {bad} »."
    assert caught.value.licence_id == bad


def test_unknown_ids_raise_in_every_function() -> None:
    calls = [
        lambda: allowed_for_derivative("GPL-3.0"),
        lambda: allowed_for_derivative_many([LO, "GPL-3.0"]),
        lambda: check_derivative("GPL-3.0", LO),
        lambda: check_derivative(LO, "GPL-3.0"),
        lambda: check_derivative_many([LO, "GPL-3.0"], LO),
        lambda: check_derivative_many([LO, BY], "GPL-3.0"),
        lambda: check_derivative_many([], "GPL-3.0"),
        lambda: check_relicense("GPL-3.0", LO, other_contributors=False),
        lambda: check_relicense(LO, "GPL-3.0", other_contributors=True),
        lambda: can_relicense(LO, "GPL-3.0", other_contributors=False),
        lambda: can_relicense("GPL-3.0", "GPL-3.0", other_contributors=True),
        lambda: attribution_text("T", ["A"], "https://x.fr", "GPL-3.0"),
    ]
    for call in calls:
        with pytest.raises(UnknownLicence):
            call()


# ---------------------------------------------------------------------------------------------
# Loading another folder (validation)
# ---------------------------------------------------------------------------------------------


def _write(folder: Path, licence_id: str, *, body: str = "Résumé.", **fields: object) -> None:
    meta: dict[str, object] = {
        "id": licence_id,
        "name": f"Licence {licence_id}",
        "short_name": licence_id,
        "url": f"https://exemple.fr/{licence_id}",
        "legal_code_url": f"https://exemple.fr/{licence_id}/texte",
        "open": True,
        "requires_attribution": True,
        "share_alike": False,
        "default": False,
        "order": 1,
    }
    meta.update(fields)
    lines = [f"{key}: {str(v).lower() if isinstance(v, bool) else v}" for key, v in meta.items()]
    lines = [line for line in lines if not line.endswith(": None")]
    (folder / f"{licence_id}.md").write_text(
        "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n", encoding="utf-8"
    )


def test_load_licences_reads_and_orders_another_folder(tmp_path: Path) -> None:
    _write(tmp_path, "B", order=2)
    _write(tmp_path, "A", order=2, default=True)
    _write(tmp_path, "C", order=1, body="**Gras** <script>alert(1)</script>")
    loaded = licensing.load_licences(tmp_path)
    assert list(loaded) == ["C", "A", "B"]
    assert loaded["C"].summary_html == Markup("<p><strong>Gras</strong> alert(1)</p>")


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"name": None}, "« name » doit être un texte non vide"),
        ({"url": '""'}, "« url » doit être un texte non vide"),
        ({"open": "oui"}, "« open » doit valoir true ou false"),
        ({"share_alike": None}, "« share_alike » doit valoir true ou false"),
        ({"order": "premier"}, "« order » doit être un entier"),
        ({"order": True}, "« order » doit être un entier"),
        ({"id": "autre"}, "l'identifiant « autre » diffère du nom du fichier"),
        (
            {"share_alike": True, "requires_attribution": False},
            "une licence de partage à l'identique doit exiger l'attribution",
        ),
        ({"body": "  "}, "le résumé est vide"),
    ],
)
def test_load_licences_rejects_malformed_files(
    tmp_path: Path, fields: dict[str, object], message: str
) -> None:
    body = str(fields.pop("body", "Résumé."))
    _write(tmp_path, "X", body=body, default=True, **fields)
    with pytest.raises(RegistryError, match=message) as caught:
        licensing.load_licences(tmp_path)
    assert str(caught.value).startswith("X.md : ")


def test_load_licences_needs_exactly_one_open_default(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="Aucune licence"):
        licensing.load_licences(tmp_path)
    _write(tmp_path, "A")
    with pytest.raises(RegistryError, match="exactement une licence par défaut, il y en a 0"):
        licensing.load_licences(tmp_path)
    _write(tmp_path, "A", default=True)
    _write(tmp_path, "B", default=True)
    with pytest.raises(RegistryError, match=r"il y en a 2 \(A, B\)"):
        licensing.load_licences(tmp_path)
    _write(tmp_path, "B")
    _write(tmp_path, "A", default=True, open=False)
    with pytest.raises(RegistryError, match="« A » doit être ouverte"):
        licensing.load_licences(tmp_path)


# ---------------------------------------------------------------------------------------------
# Compatibility: the full matrices, written out
# ---------------------------------------------------------------------------------------------

# (source, derived) -> may a REX adapted from one under `source` be published under `derived`?
DERIVATIVE = {
    (LO, LO): True,
    (LO, BY): True,
    (LO, BY_SA): True,
    (LO, CC0): False,
    (BY, LO): True,
    (BY, BY): True,
    (BY, BY_SA): True,
    (BY, CC0): False,
    (BY_SA, LO): False,
    (BY_SA, BY): False,
    (BY_SA, BY_SA): True,
    (BY_SA, CC0): False,
    (CC0, LO): True,
    (CC0, BY): True,
    (CC0, BY_SA): True,
    (CC0, CC0): True,
}

# (current, new) -> may a REX other people contributed to move from `current` to `new`?
RELICENSE_WITH_OTHERS = {
    (LO, LO): True,
    (LO, BY): True,
    (LO, BY_SA): True,
    (LO, CC0): False,
    (BY, LO): True,
    (BY, BY): True,
    (BY, BY_SA): True,
    (BY, CC0): False,
    (BY_SA, LO): False,
    (BY_SA, BY): False,
    (BY_SA, BY_SA): True,
    (BY_SA, CC0): False,
    (CC0, LO): True,
    (CC0, BY): True,
    (CC0, BY_SA): True,
    (CC0, CC0): True,
}


def test_matrices_cover_every_pair() -> None:
    pairs = {(a, b) for a in ALL for b in ALL}
    assert set(DERIVATIVE) == pairs and set(RELICENSE_WITH_OTHERS) == pairs


@pytest.mark.parametrize("source,derived", list(DERIVATIVE))
def test_derivative_matrix(source: str, derived: str) -> None:
    expected = DERIVATIVE[source, derived]
    assert (derived in allowed_for_derivative(source)) is expected
    if expected:
        assert check_derivative(source, derived) is None
        assert check_derivative_many([source], derived) is None
    else:
        with pytest.raises(LicenceError) as caught:
            check_derivative(source, derived)
        assert not isinstance(caught.value, UnknownLicence)
        assert str(caught.value).startswith("Un REX adapté d'un REX sous ")
        with pytest.raises(LicenceError):
            check_derivative_many([source], derived)


@pytest.mark.parametrize("current,new", list(RELICENSE_WITH_OTHERS))
def test_relicense_matrix_with_other_contributors(current: str, new: str) -> None:
    expected = RELICENSE_WITH_OTHERS[current, new]
    assert can_relicense(current, new, other_contributors=True) is expected
    if expected:
        assert check_relicense(current, new, other_contributors=True) is None
    else:
        with pytest.raises(LicenceError, match="D'autres personnes ont contribué à ce REX"):
            check_relicense(current, new, other_contributors=True)


@pytest.mark.parametrize("current,new", list(RELICENSE_WITH_OTHERS))
def test_sole_contributor_changes_freely(current: str, new: str) -> None:
    assert can_relicense(current, new, other_contributors=False) is True
    assert check_relicense(current, new, other_contributors=False) is None


def test_allowed_for_derivative_lists() -> None:
    assert allowed_for_derivative(LO) == [LO, BY, BY_SA]
    assert allowed_for_derivative(BY) == [LO, BY, BY_SA]
    assert allowed_for_derivative(BY_SA) == [BY_SA]
    assert allowed_for_derivative(CC0) == [LO, BY, BY_SA, CC0]


def test_refusal_messages_are_french_and_helpful() -> None:
    with pytest.raises(LicenceError) as caught:
        check_derivative(BY, CC0)
    assert str(caught.value) == (
        "Un REX adapté d'un REX sous CC BY 4.0 ne peut pas être publié sous CC0 1.0 : "
        "CC BY 4.0 impose de créditer les auteurs, ce que CC0 1.0 ne garantit pas. "
        "Licences possibles : Licence Ouverte 2.0, CC BY 4.0 et CC BY-SA 4.0."
    )
    with pytest.raises(LicenceError) as caught:
        check_derivative(BY_SA, LO)
    assert str(caught.value) == (
        "Un REX adapté d'un REX sous CC BY-SA 4.0 ne peut pas être publié sous "
        "Licence Ouverte 2.0 : CC BY-SA 4.0 impose le partage dans les mêmes conditions : "
        "le contenu doit rester sous CC BY-SA 4.0. Licence possible : CC BY-SA 4.0."
    )
    with pytest.raises(LicenceError) as caught:
        check_relicense(BY_SA, BY, other_contributors=True)
    assert str(caught.value) == (
        "D'autres personnes ont contribué à ce REX sous CC BY-SA 4.0 : il ne peut pas passer "
        "sous CC BY 4.0. CC BY-SA 4.0 impose le partage dans les mêmes conditions : "
        "le contenu doit rester sous CC BY-SA 4.0. Licence possible : CC BY-SA 4.0."
    )


# ---------------------------------------------------------------------------------------------
# Several sources
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sources,allowed",
    [
        ([], [LO, BY, BY_SA, CC0]),
        ([CC0], [LO, BY, BY_SA, CC0]),
        ([CC0, CC0], [LO, BY, BY_SA, CC0]),
        ([LO, BY], [LO, BY, BY_SA]),
        ([CC0, LO], [LO, BY, BY_SA]),
        ([LO, BY_SA], [BY_SA]),
        ([CC0, BY, BY_SA], [BY_SA]),
        ([BY_SA, BY_SA], [BY_SA]),
    ],
)
def test_derivative_from_several_sources(sources: list[str], allowed: list[str]) -> None:
    assert allowed_for_derivative_many(sources) == allowed
    for derived in ALL:
        if derived in allowed:
            assert check_derivative_many(sources, derived) is None
        else:
            with pytest.raises(LicenceError):
                check_derivative_many(sources, derived)


def test_several_sources_message_names_the_refusing_licences() -> None:
    with pytest.raises(LicenceError) as caught:
        check_derivative_many([LO, BY_SA, CC0, BY], CC0)
    assert str(caught.value) == (
        "Ce REX reprend des contenus sous Licence Ouverte 2.0, CC BY-SA 4.0 et CC BY 4.0, "
        "incompatibles avec CC0 1.0. Licence possible : CC BY-SA 4.0."
    )


# ---------------------------------------------------------------------------------------------
# Licences that are not open, or several share-alike ones (a temporary registry)
# ---------------------------------------------------------------------------------------------

PROPRIO, SA2 = "LicenceRef-proprietaire", "LicenceRef-partage"


@pytest.fixture
def extended_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The shipped licences plus a closed one and a second share-alike one."""
    for path in registry.CONTENT_DIR.glob("*.md"):
        shutil.copy(path, tmp_path / path.name)
    _write(tmp_path, PROPRIO, short_name="Tous droits réservés", order=5, open=False)
    _write(tmp_path, SA2, short_name="Partage 1.0", order=6, share_alike=True)
    monkeypatch.setattr(registry, "CONTENT_DIR", tmp_path)
    registry.licences.cache_clear()
    yield
    registry.licences.cache_clear()


@pytest.mark.usefixtures("extended_registry")
def test_closed_licences_are_never_targets_nor_sources() -> None:
    assert list(licensing.licences()) == [*ALL, PROPRIO, SA2]
    assert [lic.id for lic in licensing.open_licences()] == [*ALL, SA2]
    assert PROPRIO not in dict(licensing.choices())
    assert allowed_for_derivative(PROPRIO) == []
    assert all(PROPRIO not in allowed_for_derivative(source) for source in ALL)
    assert allowed_for_derivative(CC0) == [LO, BY, BY_SA, CC0, SA2]
    with pytest.raises(LicenceError, match="Tous droits réservés n'est pas une licence ouverte"):
        check_derivative(CC0, PROPRIO)
    with pytest.raises(LicenceError, match="son contenu ne se reprend pas"):
        check_derivative(PROPRIO, CC0)
    with pytest.raises(LicenceError, match="Commons ne publie pas sous cette licence"):
        check_derivative_many([], PROPRIO)
    with pytest.raises(LicenceError, match="Commons ne publie pas sous cette licence"):
        check_derivative_many([CC0, LO], PROPRIO)
    # Even a sole contributor cannot close a REX; they can open a closed one.
    assert can_relicense(CC0, PROPRIO, other_contributors=False) is False
    assert can_relicense(PROPRIO, LO, other_contributors=False) is True
    assert can_relicense(PROPRIO, LO, other_contributors=True) is False
    assert can_relicense(PROPRIO, PROPRIO, other_contributors=True) is True


@pytest.mark.usefixtures("extended_registry")
def test_two_share_alike_licences_do_not_mix() -> None:
    assert allowed_for_derivative(SA2) == [SA2]
    assert allowed_for_derivative_many([BY_SA, SA2]) == []
    with pytest.raises(LicenceError) as caught:
        check_derivative_many([BY_SA, SA2], BY_SA)
    assert str(caught.value) == (
        "Ce REX reprend des contenus sous Partage 1.0, incompatibles avec CC BY-SA 4.0. "
        "Aucune licence ne convient."
    )
    assert can_relicense(BY_SA, SA2, other_contributors=True) is False


def test_registry_cache_is_back_to_the_shipped_content() -> None:
    assert list(licensing.licences()) == ALL


# ---------------------------------------------------------------------------------------------
# Attribution (TASL)
# ---------------------------------------------------------------------------------------------

URL = "https://commons.exemple.fr/rex/budget-participatif"
TITLE = "Le budget participatif à Angers"


@pytest.mark.parametrize(
    "authors,credited",
    [
        (["Ville d'Angers"], "Ville d'Angers"),
        (["Ville d'Angers", "Jeanne Martin"], "Ville d'Angers et Jeanne Martin"),
        (
            ["Ville d'Angers", "Jeanne Martin", "Paul Durand"],
            "Ville d'Angers, Jeanne Martin et Paul Durand",
        ),
    ],
)
def test_attribution_for_one_two_and_three_authors(authors: list[str], credited: str) -> None:
    assert attribution_text(TITLE, authors, URL, BY) == (
        f"« {TITLE} » par {credited}, {URL}, "
        "sous licence CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
    )


def test_attribution_for_each_licence() -> None:
    head = f"« {TITLE} » par Ville d'Angers, {URL}, "
    assert attribution_text(TITLE, ["Ville d'Angers"], URL, LO) == head + (
        "sous Licence Ouverte 2.0 (https://www.etalab.gouv.fr/licence-ouverte-open-licence/)"
    )
    assert attribution_text(TITLE, ["Ville d'Angers"], URL, BY_SA) == head + (
        "sous licence CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/)"
    )
    assert attribution_text(TITLE, ["Ville d'Angers"], URL, CC0) == (
        head + "dédié au domaine public (CC0 1.0)"
    )


def test_attribution_cc0_without_authors_and_without_source() -> None:
    assert attribution_text(TITLE, [], URL, CC0) == (
        f"« {TITLE} », {URL}, dédié au domaine public (CC0 1.0)"
    )
    assert attribution_text(f"  {TITLE} ", ["A", "B"], None, CC0) == (
        f"« {TITLE} » par A et B, dédié au domaine public (CC0 1.0)"
    )
    assert attribution_text(TITLE, ["A"], "", BY) == (
        f"« {TITLE} » par A, sous licence CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
    )


def test_attribution_cleans_author_names() -> None:
    text = attribution_text(TITLE, [" A ", "", "B", "A", "  "], URL, BY_SA)
    assert text.startswith(f"« {TITLE} » par A et B, {URL}, ")


@pytest.mark.parametrize("licence_id", [LO, BY, BY_SA])
@pytest.mark.parametrize("authors", [[], ["", "   "]])
def test_attribution_required_needs_an_author(licence_id: str, authors: list[str]) -> None:
    short_name = EXPECTED[licence_id][1]
    with pytest.raises(LicenceError) as caught:
        attribution_text(TITLE, authors, URL, licence_id)
    assert str(caught.value) == f"{short_name} impose de créditer au moins un auteur."


def test_attribution_accepts_any_iterable_of_authors() -> None:
    text = attribution_text(TITLE, (name for name in ["A", "B", "C"]), URL, LO)
    assert " par A, B et C, " in text


def test_licence_pages(client) -> None:  # type: ignore[no-untyped-def]
    index = client.get("/licences/").get_data(as_text=True)
    assert "Licence Ouverte" in index and "CC BY-SA 4.0" in index
    page = client.get("/licences/CC-BY-SA-4.0")
    assert page.status_code == 200 and "partage" in page.get_data(as_text=True).lower()
    assert client.get("/licences/GPL-3.0").status_code == 404
