"""The OpenAPI 3 document of ``/api/v1/``: it is the contract, and the tests check every
response against it (``schemathesis``). Keep it in step with :mod:`commons.export.api`."""

from __future__ import annotations

from typing import Any

from ..collectivites import vocab as coll_vocab
from ..licensing import registry
from ..wiki.models import Status
from ..wiki.vocab import themes as theme_vocab
from . import public


def _string(nullable: bool = False, **extra: Any) -> dict[str, Any]:
    return {"type": "string", **({"nullable": True} if nullable else {}), **extra}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """A closed object whose properties are all required (the API always sends them all)."""
    return {
        "type": "object",
        "required": sorted(properties),
        "properties": properties,
        "additionalProperties": False,
    }


def _list_of(ref: str, **more: Any) -> dict[str, Any]:
    return _object({"items": {"type": "array", "items": {"$ref": ref}}, **more})


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def schemas() -> dict[str, Any]:
    licence_ref = _object({"id": _string(), "name": _string(), "url": _string(format="uri")})
    collectivite = {
        "slug": _string(),
        "name": _string(),
        "type": _string(),
        "departement": _string(nullable=True),
        "region": _string(nullable=True),
    }
    rex = {
        "uuid": _string(format="uuid"),
        "slug": _string(),
        "title": _string(),
        "summary": _string(),
        "kind": _string(),
        "status": _string(),
        "themes": {"type": "array", "items": _string()},
        "licence": _ref("LicenceRef"),
        "collectivites": {"type": "array", "items": _ref("CollectiviteRef")},
        "revision": {"type": "integer", "minimum": 0},
        "created_at": _string(format="date-time"),
        "updated_at": _string(format="date-time"),
        "provenance": _string(description="Instance d'origine d'un REX importé, sinon vide."),
        "url": _string(format="uri", description="Page du REX."),
        "api_url": _string(format="uri"),
    }
    credit = _object({"name": _string(), "role": _string()})
    detail = rex | {
        "period": _string(),
        "budget": _string(),
        "team_size": {"type": "integer", "nullable": True},
        "attribution_mode": _string(enum=["named", "chatham", "group"]),
        "credits": {"type": "array", "items": _ref("Credit")},
        "citation": _string(),
        "canonical_url": _string(
            format="uri", description="Adresse d'origine (celle de l'instance source si importé)."
        ),
        "provenance_chain": {
            "type": "array",
            "description": "Instances traversées par un REX importé, l'origine en premier.",
            "items": _object({"instance": _string(), "url": _string()}),
        },
        "markdown": _string(description="Source Markdown de la dernière version."),
        "html": _string(description="HTML assaini de la dernière version."),
    }
    code_label = _object({"code": _string(), "label": _string()})
    licence = _object(
        {
            "id": _string(),
            "name": _string(),
            "short_name": _string(),
            "url": _string(format="uri"),
            "legal_code_url": _string(format="uri"),
            "open": {"type": "boolean"},
            "requires_attribution": {"type": "boolean"},
            "share_alike": {"type": "boolean"},
            "default": {"type": "boolean"},
        }
    )
    count = {"rex_count": {"type": "integer", "minimum": 0}}
    return {
        "Error": _object({"error": _string(description="Message en français.")}),
        "LicenceRef": licence_ref,
        "Licence": licence,
        "CollectiviteRef": _object(collectivite),
        "Collectivite": _object(collectivite | count),
        "Credit": credit,
        "RexSummary": _object(rex),
        "Rex": _object(detail),
        "RexPage": _list_of(
            "#/components/schemas/RexSummary",
            total={"type": "integer", "minimum": 0},
            page={"type": "integer", "minimum": 1},
            per_page={"type": "integer", "minimum": 1},
            pages={"type": "integer", "minimum": 1},
            next=_string(nullable=True, format="uri"),
            previous=_string(nullable=True, format="uri"),
        ),
        "CodeLabel": code_label,
        "Theme": _object({"code": _string(), "label": _string()} | count),
        "Themes": _list_of("#/components/schemas/Theme"),
        "Collectivites": _list_of(
            "#/components/schemas/Collectivite",
            types={"type": "array", "items": _ref("CodeLabel")},
            regions={"type": "array", "items": _ref("CodeLabel")},
        ),
        "Licences": _list_of("#/components/schemas/Licence"),
        "Index": _object(
            {
                key: _string(format="uri") if key not in ("name", "version") else _string()
                for key in (
                    "name",
                    "version",
                    "openapi",
                    "rex",
                    "themes",
                    "collectivites",
                    "licences",
                )
            }
        ),
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _rex_parameters() -> list[dict[str, Any]]:
    return [
        _query("theme", "Code de thème.", _string(enum=sorted(theme_vocab()))),
        _query("type", "Type de collectivité.", _string(enum=sorted(coll_vocab.kinds()))),
        _query("region", "Code INSEE de région.", _string(enum=sorted(coll_vocab.regions()))),
        _query("licence", "Identifiant SPDX.", _string(enum=sorted(registry.licences()))),
        _query("statut", "Avancement.", _string(enum=sorted(s.value for s in Status))),
        _query("q", "Mots cherchés dans le titre et le résumé.", _string(maxLength=200)),
        _query("tri", "Ordre : récents d'abord ou par titre.", _string(enum=["recent", "titre"])),
        _query(
            "page", "Numéro de page.", {"type": "integer", "minimum": 1, "maximum": public.MAX_PAGE}
        ),
        _query(
            "par_page",
            "REX par page.",
            {"type": "integer", "minimum": 1, "maximum": public.MAX_PER_PAGE},
        ),
    ]


def _json(schema: str, description: str, **headers: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema)}},
    }
    etag = {"ETag": {"schema": _string(), "description": "Empreinte de la réponse."}}
    answer["headers"] = etag | headers
    return answer


NOT_MODIFIED = {"description": "Inchangé depuis l'ETag envoyé dans If-None-Match."}
ERROR_400 = {
    "description": "Paramètre invalide.",
    "content": {"application/json": {"schema": _ref("Error")}},
}
ERROR_404 = {
    "description": "Introuvable.",
    "content": {"application/json": {"schema": _ref("Error")}},
}


def _get(summary: str, schema: str, **extra: Any) -> dict[str, Any]:
    responses = {"200": _json(schema, summary), "304": NOT_MODIFIED} | extra.pop("responses", {})
    return {
        "get": {"summary": summary, "operationId": extra.pop("op"), "responses": responses} | extra
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.0 document (server URL relative to the document)."""
    site = public.site_name()
    example = public.latest(1)  # a real slug, so generated tests also exercise a found REX
    link = {"Link": {"schema": _string(), "description": "Pages first, last, prev, next."}}
    rex_list = _get(
        "Liste des REX publics, filtrée et paginée.",
        "RexPage",
        op="listRex",
        parameters=_rex_parameters(),
        responses={"200": _json("RexPage", "Une page de REX publics.", **link), "400": ERROR_400},
    )
    rex_one = _get(
        "Un REX public, avec sa source Markdown et son HTML.",
        "Rex",
        op="getRex",
        parameters=[
            {"name": "slug", "in": "path", "required": True, "schema": _string(minLength=1)}
            | ({"example": example[0].slug} if example else {})
        ],
        responses={
            "301": {
                "description": "Ancien identifiant : redirection vers l'actuel.",
                "headers": {"Location": {"schema": _string()}},
                "content": {"application/json": {"schema": _ref("Error")}},
            },
            "404": ERROR_404,
        },
    )
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"API des communs de {site}",
            "version": "1.0.0",
            "description": (
                "Lecture seule des retours d'expérience publiés en communs. Contenus publics "
                "seulement ; chaque REX indique sa licence et ses crédits. Réponses avec ETag "
                "(If-None-Match → 304) et CORS ouvert en lecture."
            ),
            "license": {"name": "Contenus sous licences ouvertes (voir chaque REX)"},
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/": _get("Point d'entrée de l'API.", "Index", op="index"),
            "/rex": rex_list,
            "/rex/{slug}": rex_one,
            "/themes": _get("Thèmes, avec le nombre de REX publics.", "Themes", op="listThemes"),
            "/collectivites": _get(
                "Collectivités concernées par des REX publics, types et régions.",
                "Collectivites",
                op="listCollectivites",
            ),
            "/licences": _get("Licences du registre.", "Licences", op="listLicences"),
        },
        "components": {"schemas": schemas()},
    }
