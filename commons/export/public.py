"""What the public commons is, in one place: the filter every public read path uses (the
``/communs/`` pages, feeds, API, sitemap, JSON-LD, export), its list query, and the instance's
identity and canonical URLs for citations and feeds.

Public means "what an anonymous visitor may read": the REX policy asked for an anonymous actor
(never the signed-in user, so the public paths show the same thing to everyone), minus REX hidden
by moderation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_login import AnonymousUserMixin
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from .. import db, errors
from ..collectivites import vocab as coll_vocab
from ..collectivites.models import Collectivite
from ..licensing import registry
from ..params import optional_number
from ..text import single_line
from ..wiki import policy, services
from ..wiki.models import Derivation, Rex, Status, rex_collectivite
from ..wiki.queries import with_theme
from ..wiki.vocab import themes as theme_vocab

ANONYMOUS = AnonymousUserMixin()
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000


def public_clause() -> ColumnElement[bool]:
    """SQL filter of the public REX (agrees with :func:`is_public`)."""
    return and_(policy.visible_rex(ANONYMOUS), Rex.hidden.is_(False))


def is_public(rex: Rex) -> bool:
    """Whether an anonymous visitor may read ``rex`` (and so feeds, API and JSON-LD show it)."""
    return policy.can_view_rex(ANONYMOUS, rex) and not rex.hidden


def sources(rex: Rex) -> list[Rex]:
    """The public REX that ``rex`` adapts (« dérivé de »), by title: a public citation credits
    them and never names a source the public cannot read."""
    stmt = (
        select(Rex)
        .join(Derivation, Derivation.source_id == Rex.id)
        .where(Derivation.rex_id == rex.id, public_clause())
        .order_by(Rex.title, Rex.id)
    )
    return list(db.session.scalars(stmt))


class FilterError(errors.Refused):
    """A filter value that is not allowed; the message is French and can be shown as is."""


@dataclass
class Filters:
    """Filters of the public list, shared by ``/communs/`` and ``/api/v1/rex``."""

    theme: str = ""
    kind: str = ""
    region: str = ""
    licence: str = ""
    status: str = ""
    q: str = ""
    sort: str = "recent"
    page: int = 1
    per_page: int = PER_PAGE
    words: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, args: Any, *, strict: bool = False) -> Filters:
        """Read the query string. Pages ignore unknown values; the API (``strict``) refuses
        them with :class:`FilterError`."""

        def pick(name: str, allowed: Any, label: str) -> str:
            if name not in args:
                return ""
            value = str(args.get(name))
            if value not in allowed and (value or strict):
                if strict:
                    raise FilterError(
                        f"Valeur inconnue pour « {name} » ({label}) : « {value[:60]} »."
                    )
                return ""
            return value

        def number(name: str, default: int, top: int) -> int:
            raw = str(args.get(name, ""))
            if not raw and not (strict and name in args):
                return default
            value = optional_number(raw, maximum=10**12)
            if value is None or not 1 <= value <= top:
                if strict:
                    raise FilterError(f"« {name} » doit être un entier entre 1 et {top}.")
                return default if value is None else max(1, min(value, top))
            return value

        sort = pick("tri", {"recent", "titre"}, "recent ou titre") or "recent"
        q = single_line(str(args.get("q", "") or ""))
        if len(q) > 200:
            if strict:
                raise FilterError("« q » ne doit pas dépasser 200 caractères.")
            q = q[:200]
        return cls(
            theme=pick("theme", theme_vocab(), "code de thème"),
            kind=pick("type", coll_vocab.kinds(), "type de collectivité"),
            region=pick("region", coll_vocab.regions(), "code INSEE de région"),
            licence=pick("licence", registry.licences(), "identifiant SPDX"),
            status=pick("statut", {s.value for s in Status}, "avancement"),
            q=q,
            sort=sort,
            page=number("page", 1, MAX_PAGE),
            per_page=number("par_page", PER_PAGE, MAX_PER_PAGE),
            words=q.split()[:10],
        )

    def args(self, **override: Any) -> dict[str, Any]:
        """Query-string arguments for links (pagination), defaults left out."""
        values: dict[str, Any] = {
            "theme": self.theme,
            "type": self.kind,
            "region": self.region,
            "licence": self.licence,
            "statut": self.status,
            "q": self.q,
            "tri": "" if self.sort == "recent" else self.sort,
            "page": self.page,
            "par_page": "" if self.per_page == PER_PAGE else self.per_page,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None) and (k, v) != ("page", 1)}

    @property
    def active(self) -> bool:
        """Whether any filter narrows the list."""
        return any((self.theme, self.kind, self.region, self.licence, self.status, self.q))


@dataclass
class Page:
    items: list[Rex]
    total: int
    page: int
    pages: int
    per_page: int


def _collectivite_filter(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return Rex.id.in_(
        select(rex_collectivite.c.rex_id)
        .join(Collectivite, Collectivite.id == rex_collectivite.c.collectivite_id)
        .where(condition)
    )


def filtered(f: Filters) -> Select[Rex]:
    """The public REX matching ``f`` (unordered)."""
    stmt = select(Rex).where(public_clause())
    if f.status:
        stmt = stmt.where(Rex.status == f.status)
    if f.licence:
        stmt = stmt.where(Rex.licence_id == f.licence)
    if f.kind:
        stmt = stmt.where(_collectivite_filter(Collectivite.kind == f.kind))
    if f.region:
        stmt = stmt.where(_collectivite_filter(Collectivite.region_code == f.region))
    if f.theme:
        stmt = with_theme(stmt, f.theme)
    for word in f.words:
        stmt = stmt.where(
            or_(
                Rex.title.icontains(word, autoescape=True),
                Rex.summary.icontains(word, autoescape=True),
            )
        )
    return stmt


def listing(f: Filters) -> Page:
    """One page of public REX, most recently updated first or by title (3 queries: count,
    rows, and the collectivités of the rows)."""
    stmt = filtered(f)
    total = int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    order = (
        (Rex.title.asc(), Rex.id.asc())
        if f.sort == "titre"
        else (Rex.updated_at.desc(), Rex.id.desc())
    )
    rows = db.session.scalars(
        stmt.order_by(*order).limit(f.per_page).offset((f.page - 1) * f.per_page)
    )
    pages = max(1, math.ceil(total / f.per_page))
    return Page(items=list(rows), total=total, page=f.page, pages=pages, per_page=f.per_page)


def latest(limit: int = 50, theme: str = "") -> list[Rex]:
    """The most recently updated public REX (feeds)."""
    return listing(Filters(theme=theme, per_page=limit)).items


def lookup(slug: str) -> tuple[Rex | None, bool]:
    """The public REX for a slug (current or old, see ``wiki.services.by_slug``), or ``None``.
    Slugs that cannot exist (too long, NUL bytes PostgreSQL refuses) never reach the database."""
    if not slug or len(slug) > 120 or "\x00" in slug:
        return None, False
    rex, old = services.by_slug(slug)
    if rex is None or not is_public(rex):
        return None, False
    return rex, old


def site_name() -> str:
    return str(current_app.config.get("SITE_NAME") or "Commons")


def base_url() -> str:
    """The instance's public address, without a trailing slash."""
    return str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


def absolute(endpoint: str, **values: Any) -> str:
    """Canonical URL of an endpoint on the instance's public address (``BASE_URL``), in a
    request or not (the export archive is also written from the command line)."""
    if has_request_context():
        return base_url() + url_for(endpoint, **values)
    return base_url() + current_app.url_map.bind("localhost").build(endpoint, values)


def rex_url(rex: Rex) -> str:
    """Canonical URL of a REX page."""
    return absolute("wiki.show", slug=rex.slug)
