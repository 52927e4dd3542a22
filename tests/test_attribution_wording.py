"""Issue 18: anonymous (Chatham House) credits read as French whatever the job title.

« un·e cheffe », « un·e directeur général » came from an article glued to the job; the credit is
now « <Métier> dans une <type de collectivité> de <région> »."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from commons.wiki import attribution


def _coll(kind: str, departement: str = "", region: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, departement_code=departement, region_code=region)


@pytest.mark.parametrize(
    ("job", "coll", "credit"),
    [
        (
            "cheffe de projet",
            _coll("commune", "34"),
            "Cheffe de projet dans une commune d'Occitanie",
        ),
        (
            "Directeur général des services",
            _coll("departement", "59"),
            "Directeur général des services dans un département des Hauts-de-France",
        ),
        (
            "  chargée   de mission ",
            _coll("metropole", "67"),
            "Chargée de mission dans une métropole du Grand Est",
        ),
        (
            "DGS",
            _coll("communaute_de_communes", "44"),
            "DGS dans une communauté de communes des Pays de la Loire",
        ),
        ("Responsable SIG", _coll("commune", "35"), "Responsable SIG dans une commune de Bretagne"),
        ("", _coll("commune", "974"), "Agent·e dans une commune de La Réunion"),
        ("Juriste", _coll("etat", "", "11"), "Juriste dans un service de l'État d'Île-de-France"),
        # A Region followed by its own name would name the employer.
        ("Chargé de mission", _coll("region", "", "53"), "Chargé de mission dans une région"),
        ("Archiviste", _coll("inconnu", "99"), "Archiviste dans une collectivité"),
        ("Archiviste", None, "Archiviste dans une collectivité"),
    ],
)
def test_chatham_credit_is_grammatical(app, job, coll, credit) -> None:  # type: ignore[no-untyped-def]
    described = attribution.chatham(SimpleNamespace(job_title=job, collectivite=coll))
    assert described == credit
    assert "un·e" not in described


def test_frozen_credits_use_the_new_wording_and_keep_what_was_frozen(app) -> None:  # type: ignore[no-untyped-def]
    person = SimpleNamespace(job_title="cheffe de projet", collectivite=_coll("commune", "34"))
    frozen = attribution.frozen_credits("chatham", [person], "Groupe")
    assert frozen == [{"name": "Cheffe de projet dans une commune d'Occitanie", "role": "chatham"}]
    # A credit frozen with the former wording is shown as it was frozen (never rewritten).
    rex = SimpleNamespace(credits=[{"name": "un·e cheffe d'une commune", "role": "chatham"}])
    assert [c.name for c in attribution.credits(rex)] == ["un·e cheffe d'une commune"]  # type: ignore[arg-type]
