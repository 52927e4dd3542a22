"""Collectivités: official vocabularies, SIREN, directory, members, review of proposals."""

from __future__ import annotations

import pytest

from commons import db
from commons.collectivites import services, vocab

from .conftest import login


def test_vocabularies_are_complete() -> None:
    assert len(vocab.regions()) == 18 and vocab.regions()["11"] == "Île-de-France"
    deps = vocab.departements()
    assert len(deps) == 101 and deps["2A"].region_code == "94" and deps["976"].region_code == "06"
    assert all(d.region_code in vocab.regions() for d in deps.values())
    assert list(vocab.kinds())[0] == "commune" and "metropole" in vocab.kinds()


@pytest.mark.parametrize(
    "siren,valid",
    [
        ("217500016", True),  # Ville de Paris
        ("200054781", True),  # Métropole du Grand Paris
        ("356000000", True),  # La Poste: the documented exception to the Luhn key
        ("217500017", False),
        ("21750001", False),
        ("2175000160", False),
        ("21750001A", False),
        ("", False),
    ],
)
def test_siren_luhn(siren: str, valid: bool) -> None:
    assert services.siren_is_valid(siren) is valid


def test_create_checks_fields(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.CollectiviteError, match="clé de contrôle"):
        services.create(name="Paris", kind="commune", departement_code="75", siren="217500017")
    with pytest.raises(services.CollectiviteError, match="Département inconnu"):
        services.create(name="Atlantis", kind="commune", departement_code="99")
    with pytest.raises(services.CollectiviteError, match="Type de collectivité inconnu"):
        services.create(name="Atlantis", kind="royaume")
    paris = services.create(
        name="Ville de Paris", kind="commune", departement_code="75", siren="217 500 016"
    )
    assert (
        paris.siren == "217500016"
        and paris.region_code == "11"
        and paris.slug == "ville-de-paris-75"
    )
    with pytest.raises(services.CollectiviteError, match="SIREN existe déjà"):
        services.create(name="Paris bis", kind="commune", departement_code="75", siren="217500016")


def test_directory_filters_are_accent_insensitive(client, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    make_collectivite("Ville de Bègles", departement="33")
    make_collectivite("Métropole de Lyon", kind="metropole", departement="69")
    body = client.get("/collectivites/?q=begles").get_data(as_text=True)
    assert "Ville de Bègles" in body and "Métropole de Lyon" not in body
    body = client.get("/collectivites/?type=metropole").get_data(as_text=True)
    assert "Métropole de Lyon" in body and "Bègles" not in body
    body = client.get("/collectivites/?region=84").get_data(as_text=True)
    assert "Métropole de Lyon" in body and "Bègles" not in body


def test_members_listed_to_signed_in_users_only(client, make_user, make_collectivite) -> None:  # type: ignore[no-untyped-def]
    coll = make_collectivite("Ville de Sceaux", departement="92")
    make_user(name="Agathe Sceaux", collectivite=coll)
    viewer = make_user()
    anonymous = client.get(f"/collectivites/{coll.slug}").get_data(as_text=True)
    assert "Agathe Sceaux" not in anonymous and "Connectez-vous" in anonymous
    login(client, viewer)
    assert "Agathe Sceaux" in client.get(f"/collectivites/{coll.slug}").get_data(as_text=True)


def test_proposed_collectivites_are_hidden_until_reviewed(client, make_user) -> None:  # type: ignore[no-untyped-def]
    proposed = services.propose(
        name="Commune nouvelle du Test", kind="commune", departement_code="01"
    )
    again = services.propose(name="commune nouvelle du test", kind="commune", departement_code="01")
    db.session.commit()
    assert again.id == proposed.id
    assert client.get(f"/collectivites/{proposed.slug}").status_code == 404
    assert "Commune nouvelle du Test" not in client.get("/collectivites/").get_data(as_text=True)
    agent, admin = make_user(), make_user(role="admin")
    login(client, agent)
    assert client.get("/collectivites/a-valider").status_code == 403
    assert client.post("/collectivites/a-valider", data={"id": proposed.id}).status_code == 403
    client.post("/deconnexion")
    login(client, admin)
    assert "Commune nouvelle du Test" in client.get("/collectivites/a-valider").get_data(
        as_text=True
    )
    client.post("/collectivites/a-valider", data={"id": proposed.id})
    db.session.refresh(proposed)
    assert proposed.validated is True
