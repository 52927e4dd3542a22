"""The archive fields of a REX file beyond ``content/rex``: credited names, source instance,
provenance chain, canonical URL, consent receipt digests, revision digest. All optional when
reading (``content/`` has none of them); the instance import requires the provenance ones.

Parsing reports problems through ``bad(key, message)`` like :func:`importer.parse_rex_file`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..text import single_line
from .attribution import MODES

DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
URL_RE = re.compile(r"^https?://[^\s<>\"]{1,490}$")
MAX_NAMES = 500
MAX_CHAIN = 50
MAX_RECEIPTS = 1000

Bad = Callable[[str, str], None]


def digest(body: str) -> str:
    """The revision digest written in archives: ``sha256:`` and the hex digest of the text."""
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def _text(value: object, limit: int) -> str | None:
    text = single_line(value) if isinstance(value, str) else ""
    return text if 0 < len(text) <= limit else None


def _url(value: object) -> str | None:
    return value if isinstance(value, str) and URL_RE.fullmatch(value) else None


def _instance(value: object, key: str, bad: Bad) -> dict[str, str] | None:
    """``{"instance": name, "url": URL}`` (``name`` accepted for the source instance)."""
    data = value if isinstance(value, dict) else {}
    name = _text(data.get("instance", data.get("name")), 200)
    url = _url(data.get("url"))
    if name is None or url is None:
        bad(key, "nom d'instance (200 caractères au plus) et adresse http(s) attendus")
        return None
    return {"instance": name, "url": url}


def credits(meta: dict[str, Any], mode: str, credited: str, bad: Bad) -> list[dict[str, str]]:
    """The credited names (``attribution.names``), or one credit made of ``credited``."""
    if mode and mode not in MODES:
        bad("attribution.mode", f"mode inconnu « {mode} » ({', '.join(MODES)} attendu)")
    attribution = meta.get("attribution")
    names = attribution.get("names") if isinstance(attribution, dict) else None
    if names is None:
        return [{"name": credited, "role": "group"}] if mode == "group" else [{"name": credited}]
    found: list[dict[str, str]] = []
    if not isinstance(names, list) or not 0 < len(names) <= MAX_NAMES:
        bad("attribution.names", f"liste de 1 à {MAX_NAMES} noms attendue")
        return found
    for n, item in enumerate(names, 1):
        data = item if isinstance(item, dict) else {"name": item}
        name, role = _text(data.get("name"), 200), data.get("role", "")
        if name is None or not isinstance(role, str) or len(role) > 40:
            bad(f"attribution.names, n° {n}", "« name » (200 caractères au plus) attendu")
            continue
        found.append({"name": name, "role": role} if role else {"name": name})
    return found


def origin(meta: dict[str, Any], body: str, bad: Bad) -> dict[str, Any] | None:
    """What an export says about where the REX comes from; ``None`` when the file says nothing
    (``content/``). Checks the revision digest against the text when there is one."""
    if "digest" in meta and meta["digest"] != digest(body):
        bad("digest", "l'empreinte ne correspond pas au texte (fichier modifié ou tronqué)")
    keys = ("source_instance", "provenance", "canonical_url", "consent_receipts")
    if not any(key in meta for key in keys):
        return None
    source = _instance(meta.get("source_instance"), "source_instance", bad)
    chain_in = meta.get("provenance")
    chain: list[dict[str, str]] = []
    if not isinstance(chain_in, list) or not 0 < len(chain_in) <= MAX_CHAIN:
        bad("provenance", f"liste de 1 à {MAX_CHAIN} instances (« instance », « url ») attendue")
    else:
        for n, item in enumerate(chain_in, 1):
            if (entry := _instance(item, f"provenance, n° {n}", bad)) is not None:
                chain.append(entry)
    canonical = _url(meta.get("canonical_url"))
    if canonical is None:
        bad("canonical_url", "adresse http(s) attendue")
    receipts = meta.get("consent_receipts", [])
    ok = isinstance(receipts, list) and len(receipts) <= MAX_RECEIPTS
    if not ok or not all(isinstance(r, str) and DIGEST_RE.fullmatch(r) for r in receipts):
        bad("consent_receipts", "liste d'empreintes « sha256:… » attendue")
        receipts = []
    updated = meta.get("updated")
    if isinstance(updated, datetime):
        updated = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "source": source,
        "chain": chain,
        "canonical_url": canonical,
        "receipts": list(receipts),
        "updated": updated if isinstance(updated, str) else "",
        "revision": revision if isinstance(revision := meta.get("revision"), int) else 0,
    }
