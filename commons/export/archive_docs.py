"""The texts of the export archive: README, CREDITS, licence files and the Data Package head.

Nothing here reads the clock: an archive of the same content has the same bytes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ..frontmatter import split_front_matter
from ..licensing import registry
from ..wiki.attribution import MODES

#: No database id: an exported id would tell how many REX (private ones included) exist here.
#: The uuid is the REX's identifier in every instance (format 2; format 1 had an ``id`` column,
#: which the importer still reads: it follows the schema of each archive's datapackage.json).
CSV_FIELDS = (
    "uuid", "slug", "title", "licence", "themes", "collectivite_types", "created",
    "updated", "revision", "path",
)  # fmt: skip

_FIELDS: list[dict[str, Any]] = [
    {"name": "uuid", "type": "string", "format": "uuid",
     "description": "Identifiant stable du REX, le même dans toutes les instances",
     "constraints": {"required": True, "unique": True}},
    {"name": "slug", "type": "string", "description": "Nom court (adresse et nom du fichier)",
     "constraints": {"required": True, "unique": True, "pattern": "[a-z0-9]+(-[a-z0-9]+)*"}},
    {"name": "title", "type": "string", "description": "Titre",
     "constraints": {"required": True}},
    {"name": "licence", "type": "string", "description": "Identifiant SPDX de la licence",
     "constraints": {"required": True}},
    {"name": "themes", "type": "string", "description": "Codes de thèmes séparés par « ; »"},
    {"name": "collectivite_types", "type": "string",
     "description": "Types des collectivités concernées, séparés par « ; »"},
    {"name": "created", "type": "date", "description": "Date de création"},
    {"name": "updated", "type": "datetime", "description": "Dernière modification (UTC)"},
    {"name": "revision", "type": "integer", "description": "Numéro de la version exportée",
     "constraints": {"minimum": 1}},
    {"name": "path", "type": "string", "description": "Fichier Markdown du REX dans l'archive",
     "constraints": {"required": True, "unique": True}},
]  # fmt: skip
assert tuple(f["name"] for f in _FIELDS) == CSV_FIELDS


def package_name(site: str) -> str:
    """A Data Package name (lower case letters, digits, ``-``) from the instance name."""
    return "communs-" + (re.sub(r"[^a-z0-9]+", "-", site.lower()).strip("-") or "commons")


def datapackage_head(
    site: str, url: str, version: str, licences: list[registry.Licence]
) -> dict[str, Any]:
    """``datapackage.json`` with an empty resource list (resources are streamed in after)."""
    return {
        "profile": "data-package",
        "name": package_name(site),
        "title": f"Communs de {site} : retours d'expérience des collectivités",
        "description": (
            "Retours d'expérience (REX) publics, un fichier Markdown avec en-tête YAML par REX, "
            "leur index CSV, leurs licences et leurs crédits. Voir README.md."
        ),
        "homepage": url + "/communs/",
        "commons_archive_format": version,
        "licenses": [{"name": lic.id, "path": lic.url, "title": lic.name} for lic in licences],
        "resources": [],
    }


def csv_resource(size: int, sha: str) -> dict[str, Any]:
    """The tabular resource describing ``rex.csv``."""
    return {
        "name": "rex",
        "path": "rex.csv",
        "profile": "tabular-data-resource",
        "title": "Index des retours d'expérience",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": size,
        "hash": f"sha256:{sha}",
        "schema": {"fields": _FIELDS, "primaryKey": ["uuid"]},
    }


def _md(text: str) -> str:
    """Text safe inside a Markdown link label or list item."""
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", " ".join(text.split()))


def credits_head(site: str) -> str:
    return (
        f"# Crédits des communs de {site}\n\n"
        "Qui est crédité pour chaque retour d'expérience de cette archive, selon le mode "
        "d'attribution choisi à sa publication. Reproduisez la mention (et la licence) quand "
        "vous réutilisez un texte.\n\n"
    )


def credits_line(meta: dict[str, Any], path: str) -> str:
    attribution = meta["attribution"]
    mode = MODES.get(attribution["mode"], attribution["mode"])
    return (
        f"- [{_md(meta['title'])}]({path}) : {_md(attribution['credited'])} "
        f"({mode.lower()}) ; licence {meta['licence']}\n"
    )


def licence_text(licence: registry.Licence) -> str:
    """``LICENSES/<spdx>.txt``: the licence's name, links and French summary."""
    _meta, summary = split_front_matter(
        (registry.CONTENT_DIR / f"{licence.id}.md").read_text(encoding="utf-8")
    )
    title = f"{licence.name} ({licence.id})"
    return (
        f"{title}\n{'=' * len(title)}\n\n"
        f"Identifiant SPDX : {licence.id}\n"
        f"Présentation : {licence.url}\n"
        f"Texte officiel : {licence.legal_code_url}\n\n"
        f"Résumé (non contractuel ; seul le texte officiel fait foi)\n\n{summary.strip()}\n"
    )


def readme(
    site: str, url: str, count: int, latest: datetime | None, licences: list[registry.Licence]
) -> str:
    """``README.md``: what the archive is, its licences, how to cite and how to import it."""
    state = f"{count} retour(s) d'expérience" + (
        f", dernière modification le {latest.strftime('%Y-%m-%d à %H:%M')} UTC" if latest else ""
    )
    names = "\n".join(f"- `{lic.id}` : {lic.name} ({lic.url})" for lic in licences) or "- aucune"
    return f"""# Communs de {site}

Cette archive contient les **retours d'expérience (REX) publics** de l'instance Commons « {site} »
({url}) : ce que des agents de collectivités ont appris en pratique, publié avec l'accord de
chaque contributeur et sous licence ouverte. État : {state}.

## Contenu

| fichier | contenu |
|---|---|
| `README.md` | ce fichier |
| `datapackage.json` | description Frictionless Data Package : schéma, empreintes SHA-256 |
| `rex.csv` | un REX par ligne : identifiants, titre, licence, thèmes, dates, fichier… |
| `rex/<slug>.md` | un REX : en-tête YAML puis le texte en Markdown |
| `LICENSES/<spdx>.txt` | les licences utilisées |
| `CREDITS.md` | qui est crédité pour chaque REX |

L'en-tête YAML d'un REX donne : `uuid`, `title`, `slug`, `summary`, `licence` (identifiant
SPDX), `attribution` (`mode` : `named`, `chatham` ou `group` ; `credited` : la mention à
reproduire ; `names` : les personnes ou le groupe crédités), `collectivites`, `themes`, `status`,
`period`, `created`, `updated`, `revision` (numéro de version) et `digest` (empreinte du texte),
`canonical_url` (adresse d'origine), `source_instance` (l'instance qui a produit cette archive),
`provenance` (les instances par lesquelles le REX est passé, l'origine en premier) et
`consent_receipts` (empreintes des reçus de consentement à la publication : aucune identité).

## Licences

Chaque REX a sa licence, indiquée dans son en-tête et dans `rex.csv` :

{names}

## Comment citer

Citez le titre, la mention `credited` de l'en-tête, l'instance, la licence et l'adresse
d'origine, par exemple :

> Crédités (année). « Titre », retour d'expérience. {site}. canonical_url. Licence : nom.

## Comment importer dans une autre instance Commons

En ligne de commande : `commons import archive.zip` (ou le dossier décompressé) ; ou, pour un
administrateur, la page « Importer des communs » (`/communs/importer`). L'import vérifie la
structure (`datapackage.json`, empreintes), les licences (ouvertes uniquement) et la provenance ;
tout ou rien. Réimporter une archive plus récente met à jour les mêmes REX (même `uuid`) sans
doublon et sans perdre les modifications locales.

## Format lisible partout

Les fichiers sont en UTF-8 ; l'archive est reproductible : le même contenu donne les mêmes octets.
"""
