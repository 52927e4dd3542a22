"""Licence compatibility: changing a REX's licence, adapting REX, crediting their authors.

The rules reason on two conditions a licence may impose, read from the registry rather than from
a table of identifiers, so that a licence added to ``content/licences`` is handled too:

- ``requires_attribution``: whoever reuses must credit the authors;
- ``share_alike``: whoever adapts must publish the adaptation under the same licence.

This gives an order of permissiveness (most permissive first)::

    CC0-1.0  >  etalab-2.0 ≈ CC-BY-4.0  >  CC-BY-SA-4.0
    (no condition) (attribution only)      (attribution + share-alike)

The Licence Ouverte 2.0 and CC BY 4.0 are treated as equivalent: both only require attribution,
Etalab states that the Licence Ouverte 2.0 is compatible with CC BY, and CC BY 4.0 lets an
adaptation be published under any licence that keeps the attribution. A share-alike licence is
only compatible with itself here (CC BY-SA 4.0's one-way compatibility with licences such as the
GPLv3 is irrelevant while none of them is in the registry). Commons only publishes under open
licences, so a licence without ``open: true`` is never a valid target, and content under one can
not be adapted.

One relation, "``derived`` may carry content licensed under ``source``", answers both questions:

- **adapting** a REX into a new one (``check_derivative``) is reusing its content;
- **relicensing** a REX that other people contributed to (``check_relicense``) is reusing their
  contributions, which were given under the current licence. Only a sole contributor, who holds
  all the rights, may change freely (for instance from CC BY-SA 4.0 to CC0).

The functions take SPDX ids and raise ``UnknownLicence`` for an id that is not in the registry,
even the ``can_*`` predicates: a typo must not read as a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable

from .registry import Licence, LicenceError, UnknownLicence, get, licences

_NOT_OPEN = "{} n'est pas une licence ouverte : Commons ne publie pas sous cette licence."


def _refusal(source: Licence, derived: Licence) -> str | None:
    """Why content under ``source`` cannot be published under ``derived`` (``None`` if it can)."""
    if not source.open:
        return f"{source.short_name} n'est pas une licence ouverte : son contenu ne se reprend pas."
    if not derived.open:
        return _NOT_OPEN.format(derived.short_name)
    if source.share_alike and derived.id != source.id:
        return (
            f"{source.short_name} impose le partage dans les mêmes conditions : "
            f"le contenu doit rester sous {source.short_name}."
        )
    if source.requires_attribution and not derived.requires_attribution:
        return (
            f"{source.short_name} impose de créditer les auteurs, ce que {derived.short_name} "
            "ne garantit pas."
        )
    return None


def allowed_for_derivative(source: str) -> list[str]:
    """The licences, in display order, a REX adapted from a REX under ``source`` may carry.

    CC BY-SA 4.0 → CC BY-SA 4.0 only (share-alike); Licence Ouverte 2.0 or CC BY 4.0 → any
    licence that keeps the attribution (Licence Ouverte 2.0, CC BY 4.0, CC BY-SA 4.0, not CC0);
    CC0 → any open licence.
    """
    origin = get(source)
    return [lic.id for lic in licences().values() if _refusal(origin, lic) is None]


def allowed_for_derivative_many(sources: Iterable[str]) -> list[str]:
    """The licences a REX adapted from all of ``sources`` may carry (every source must allow it).

    With no source the REX is an original work: any open licence. The result can be empty, for
    instance with two different share-alike licences.
    """
    allowed = [lic.id for lic in licences().values() if lic.open]
    for source in sources:
        permitted = set(allowed_for_derivative(source))
        allowed = [licence_id for licence_id in allowed if licence_id in permitted]
    return allowed


def check_derivative(source: str, derived: str) -> None:
    """Raise ``LicenceError`` unless a REX adapted from one under ``source`` may use ``derived``."""
    origin, target = get(source), get(derived)
    reason = _refusal(origin, target)
    if reason is not None:
        raise LicenceError(
            f"Un REX adapté d'un REX sous {origin.short_name} ne peut pas être publié sous "
            f"{target.short_name} : {reason} {_suggest(allowed_for_derivative(source))}"
        )


def check_derivative_many(sources: Iterable[str], derived: str) -> None:
    """``check_derivative`` for a REX adapted from several: each source must allow ``derived``.

    With no source the REX is an original work and any open licence will do. The message names
    every source licence that refuses, and the licences that would suit all of them (if any).
    """
    source_ids = list(dict.fromkeys(sources))
    if len(source_ids) == 1:
        check_derivative(source_ids[0], derived)
        return
    origins, target = [get(source) for source in source_ids], get(derived)
    if not target.open:
        raise LicenceError(_NOT_OPEN.format(target.short_name))
    refused = [origin for origin in origins if _refusal(origin, target) is not None]
    if not refused:
        return
    names = join_names([lic.short_name for lic in refused])
    raise LicenceError(
        f"Ce REX reprend des contenus sous {names}, incompatibles avec {target.short_name}. "
        f"{_suggest(allowed_for_derivative_many(source_ids))}"
    )


def check_relicense(current: str, new: str, *, other_contributors: bool) -> None:
    """Raise ``LicenceError`` unless a REX under ``current`` may move to ``new``.

    A sole contributor holds all the rights and may choose any open licence. Once other people
    have contributed, their contributions were given under ``current``: the REX may only move to
    a licence that could carry an adaptation of it, i.e. an equally or more restrictive compatible
    one (Licence Ouverte 2.0 ↔ CC BY 4.0, either → CC BY-SA 4.0, CC0 → anything), never to a more
    permissive one (CC BY 4.0 → CC0, CC BY-SA 4.0 → CC BY 4.0) or away from share-alike.
    """
    before, after = get(current), get(new)
    if before.id == after.id:
        return
    if not after.open:
        raise LicenceError(_NOT_OPEN.format(after.short_name))
    if not other_contributors:
        return
    reason = _refusal(before, after)
    if reason is not None:
        raise LicenceError(
            f"D'autres personnes ont contribué à ce REX sous {before.short_name} : il ne peut pas "
            f"passer sous {after.short_name}. {reason} {_suggest(allowed_for_derivative(current))}"
        )


def can_relicense(current: str, new: str, *, other_contributors: bool) -> bool:
    """Whether ``check_relicense`` accepts the change (``UnknownLicence`` still raises)."""
    try:
        check_relicense(current, new, other_contributors=other_contributors)
    except UnknownLicence:
        raise
    except LicenceError:
        return False
    return True


def attribution_text(
    title: str, authors: Iterable[str], source_url: str | None, licence_id: str
) -> str:
    """A French TASL credit (title, author, source, licence) for a REX.

    « Titre » par A, B et C, https://…, sous licence CC BY 4.0 (https://…).
    ("sous Licence Ouverte 2.0" rather than "sous licence Licence Ouverte 2.0".)
    For a public-domain dedication (CC0) the end reads "dédié au domaine public (CC0 1.0)".
    Blank and repeated author names are dropped; a licence that requires attribution needs at
    least one author (``LicenceError``), CC0 may have none. Without ``source_url`` that part is left
    out.
    """
    licence = get(licence_id)
    names = [name.strip() for name in authors if name.strip()]
    names = list(dict.fromkeys(names))
    if licence.requires_attribution and not names:
        raise LicenceError(f"{licence.short_name} impose de créditer au moins un auteur.")
    parts = [f"« {title.strip()} »" + (f" par {join_names(names)}" if names else "")]
    if source_url:
        parts.append(source_url)
    if licence.public_domain:
        parts.append(f"dédié au domaine public ({licence.short_name})")
    else:
        parts.append(f"{_under(licence)} ({licence.url})")
    return ", ".join(parts)


def _under(licence: Licence) -> str:
    """ "sous licence CC BY 4.0", but "sous Licence Ouverte 2.0" (no "licence Licence")."""
    if licence.short_name.casefold().startswith("licence"):
        return f"sous {licence.short_name}"
    return f"sous licence {licence.short_name}"


def join_names(items: list[str]) -> str:
    """French enumeration: "A", "A et B", "A, B et C"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} et {items[-1]}"


def _suggest(ids: list[str]) -> str:
    """The sentence listing the licences that would be accepted."""
    if not ids:
        return "Aucune licence ne convient."
    names = join_names([get(licence_id).short_name for licence_id in ids])
    return f"Licence{'s' if len(ids) > 1 else ''} possible{'s' if len(ids) > 1 else ''} : {names}."
