"""Who is credited for a REX, and how (the one place that answers it for pages and exports).

* ``named``: the contributors' names, most active first (derived live from the revisions,
  unless ``Rex.credits`` froze them at publication or import);
* ``chatham``: no names, a description per contributor ("<Métier> dans une <type de
  collectivité> de <région>"), frozen in ``Rex.credits`` at publication (credits frozen with
  an older wording keep it: a frozen copy never changes);
* ``group``: credited to the peer group, frozen in ``Rex.credits``.

A REX adapted from others (« dérivé de ») credits their authors too, as each source credits
them (:class:`Adapted`); callers pass only the sources the reader may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from sqlalchemy import func, select

from .. import db
from ..accounts.models import User
from ..collectivites import vocab
from ..licensing import compat, registry
from .models import Revision, Rex
from .revisions import contributors

MODES: dict[str, str] = {
    "named": "Contributeur·rices nommé·es",
    "chatham": "Règle de Chatham House (sans noms)",
    "group": "Crédité au groupe",
}


@dataclass(frozen=True)
class Credit:
    """One credited party: ``name`` as shown, ``role`` optional (e.g. ``"group"``)."""

    name: str
    role: str = ""


def credits(rex: Rex) -> list[Credit]:
    """The credits shown on the page, in feeds, JSON-LD and exports."""
    if rex.credits is not None:
        return [Credit(c.get("name", ""), c.get("role", "")) for c in rex.credits if c.get("name")]
    if not has_request_context():
        return [Credit(name) for name, _count in contributors(rex)]
    # A page asks several times (aside, citation, JSON-LD): one query per request and version.
    memo: dict[tuple[int, int], list[Credit]] = g.setdefault("commons_live_credits", {})
    key = (rex.id, rex.head)
    if key not in memo:
        memo[key] = [Credit(name) for name, _count in contributors(rex)]
    return list(memo[key])


#: Who is credited when a REX names nobody (an imported REX without credits, say).
NOBODY = "Contributeur·rices de Commons"


@dataclass(frozen=True)
class Adapted:
    """A REX that another adapts, with its credits as its own page gives them (names, Chatham
    House descriptions or the group): the derived REX's citation repeats them."""

    rex: Rex
    credits: list[Credit]

    @property
    def authors(self) -> str:
        """``A, B et C`` (empty when the source credits nobody)."""
        return compat.join_names([c.name for c in self.credits])

    def credit_line(self, url: str) -> str:
        """``« Titre » par A et B, https://…, sous licence CC BY-SA 4.0 (https://…)``."""
        names = [c.name for c in self.credits]
        if not names and registry.get(self.rex.licence_id).requires_attribution:
            names = [NOBODY]
        return compat.attribution_text(self.rex.title, names, url, self.rex.licence_id)


def adapted(sources: list[Rex]) -> list[Adapted]:
    """The credits of the REX a REX adapts; ``sources`` must already be those the reader (or
    the public, for a public citation) may read: nothing here checks visibility."""
    prefetch(sources)
    return [Adapted(source, credits(source)) for source in sources]


def adapted_text(items: list[tuple[Adapted, str]]) -> str:
    """``Adapté de « A » par …, URL, sous licence … ; de « B » …`` for a citation (``items``:
    each source with its address), or an empty string."""
    lines = [item.credit_line(url) for item, url in items]
    return ("Adapté de " + " ; de ".join(lines)) if lines else ""


def prefetch(rexes: list[Rex]) -> None:
    """Compute the live credits of many REX in one query (feeds, lists), for :func:`credits`.

    Only inside a request (the memo lives in ``flask.g``); elsewhere it does nothing. REX
    already in the memo are not asked again.
    """
    if not has_request_context():
        return
    memo: dict[tuple[int, int], list[Credit]] = g.setdefault("commons_live_credits", {})
    live = [r for r in rexes if r.credits is None and (r.id, r.head) not in memo]
    if not live:
        return
    rows = db.session.execute(
        select(Revision.rex_id, User.display_name, Revision.author_name, func.count(Revision.id))
        .select_from(Revision)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.rex_id.in_([r.id for r in live]))
        .group_by(Revision.rex_id, User.display_name, Revision.author_name)
    ).all()
    counted: dict[int, list[tuple[int, str]]] = {}
    for rex_id, name, author_name, count in rows:
        counted.setdefault(rex_id, []).append((int(count), name or author_name or "Anonyme"))
    for rex in live:
        # Same order as contributors(): most active first, then by name.
        ranked = sorted(counted.get(rex.id, []), key=lambda cn: (-cn[0], cn[1]))
        memo[(rex.id, rex.head)] = [Credit(name) for _count, name in ranked]


#: "dans une commune", "dans un département"… (the article agrees with the type of
#: collectivité, whatever the job title before it: « Cheffe de projet dans une commune »).
_IN_KIND: dict[str, str] = {
    "commune": "dans une commune",
    "communaute_de_communes": "dans une communauté de communes",
    "communaute_d_agglomeration": "dans une communauté d'agglomération",
    "communaute_urbaine": "dans une communauté urbaine",
    "metropole": "dans une métropole",
    "departement": "dans un département",
    "region": "dans une région",
    "syndicat": "dans un syndicat",
    "etablissement_public": "dans un établissement public",
    "etat": "dans un service de l'État",
}
#: Regions whose name takes an article: « des Hauts-de-France », « du Grand Est ».
_OF_REGION: dict[str, str] = {
    "Hauts-de-France": "des Hauts-de-France",
    "Grand Est": "du Grand Est",
    "Pays de la Loire": "des Pays de la Loire",
}


def _of(name: str) -> str:
    """``de Bretagne``, ``d'Occitanie``, ``des Hauts-de-France``."""
    if name in _OF_REGION:
        return _OF_REGION[name]
    return ("d'" if name[:1].upper() in "AEIOUYÉÈÊÎÔ" else "de ") + name


def _job(user: Any) -> str:
    """The job title as its holder wrote it, with a capital letter; « Agent·e » when empty."""
    job = " ".join((getattr(user, "job_title", "") or "").split())
    return job[:1].upper() + job[1:] if job else "Agent·e"


def chatham(user: Any) -> str:
    """A contributor described without their name (Chatham House rule):
    ``<Métier> dans une <type de collectivité> de <région>``, e.g. « Cheffe de projet dans une
    commune d'Occitanie », « Agent·e dans une collectivité ». Grammatical whatever the job
    title (no article to agree with it). A Region is not followed by its name (that would
    name the employer)."""
    coll = getattr(user, "collectivite", None)
    if coll is None:
        return f"{_job(user)} dans une collectivité"
    parts = [_job(user), _IN_KIND.get(coll.kind, "dans une collectivité")]
    region_code = coll.region_code
    if not region_code and coll.departement_code in vocab.departements():
        region_code = vocab.departements()[coll.departement_code].region_code
    region = vocab.regions().get(region_code or "")
    if region and coll.kind != "region":
        parts.append(_of(region))
    return " ".join(parts)


def frozen_credits(mode: str, people: list[Any], group_name: str) -> list[dict[str, str]]:
    """What ``Rex.credits`` holds for a publication: ``people`` (users, most active first)
    named or described, or the group alone."""
    if mode not in MODES:
        raise ValueError(f"Mode d'attribution inconnu : {mode}")
    if mode == "group":
        return [{"name": f"Groupe « {group_name} »", "role": "group"}]
    if mode == "chatham":
        return [{"name": chatham(p), "role": "chatham"} for p in people]
    return [{"name": p.display_name, "role": ""} for p in people]


def remove_name(rex: Rex, position: int, person: Any) -> None:
    """Replace the credit at ``position`` by its anonymous (Chatham) form: the page, feeds and
    every later export credit that person without their name (CC 4.0, 3(a)(3))."""
    entries = [dict(c) for c in rex.credits or []]
    if not 0 <= position < len(entries):
        raise ValueError("Ce crédit n'existe pas.")
    entries[position] = {"name": chatham(person), "role": "chatham"}
    rex.credits = entries  # a new list: the JSON column sees the change
