"""The OpenAPI document of ``/api/v1/`` matches the API: schemathesis generates requests from it
(valid and invalid), runs them in-process against the WSGI app on a database holding public,
network, group and hidden REX, and checks every response (no server error, status codes, content
types, headers and bodies conform to the document)."""

from __future__ import annotations

import contextvars
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import GenerationMode

from commons import db

from .public_commons import CANARY, make_rex, private_world

# Hypothesis keeps files in ./.hypothesis by default: keep the working tree clean.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "commons-hypothesis")


@pytest.fixture
def api_schema(app, make_user, make_group, make_collectivite):  # type: ignore[no-untyped-def]
    """The document loaded from the running app, over a database with public, network, group
    and hidden REX (the canary is in everything that is not public)."""
    world = private_world(make_user, make_group)
    coll = make_collectivite("Bègles", departement="33")
    make_rex(
        world["author"],
        "Plan vélo </script> & « guillemets »",
        summary="Résumé",
        themes=["culture", "alimentation"],
        collectivite_ids=[coll.id],
        licence_id="CC-BY-SA-4.0",
    )
    db.session.commit()

    def isolated(environ: dict[str, Any], start_response: Any) -> Any:
        """Each request in a fresh context, as on a real server (its own app context and g)."""
        return contextvars.Context().run(app, environ, start_response)

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated)


def _check(case: Any) -> None:
    response = case.call_and_validate()
    if CANARY.lower() not in str(case.query).lower():  # Hypothesis may send it (echoed in links)
        assert CANARY not in response.text and CANARY.lower() not in response.text


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_api_conforms_to_its_openapi_document(api_schema, mode) -> None:  # type: ignore[no-untyped-def]
    # schemathesis' pytest integration (from_fixture) needs pytest < 9: run Hypothesis directly.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.query:
            continue  # only query parameters can be made invalid (a slug is any text)

        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            _check(case)

        run()


def test_api_documented_example_is_a_real_public_rex(api_schema) -> None:  # type: ignore[no-untyped-def]
    [operation] = [r.ok() for r in api_schema.get_all_operations() if r.ok().path == "/rex/{slug}"]
    [parameter] = operation.definition.raw["parameters"]
    case = operation.Case(path_parameters={"slug": parameter["example"]})
    _check(case)
    assert case.call().status_code == 200


def test_openapi_document_describes_every_api_route(app) -> None:  # type: ignore[no-untyped-def]
    from commons.export import openapi

    documented = {
        "/api/v1" + path.replace("{slug}", "<slug>") for path in openapi.document()["paths"]
    }
    routes = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and "GET" in (rule.methods or set())
    }
    routes -= {"/api/v1/<path:rest>", "/api/v1/openapi.json"}
    assert routes == documented
