"""The export archive served at ``/communs/export.zip``: built once per state of the public
commons and kept in ``<instance>/export/``.

The state is a fingerprint of everything the archive shows (each public REX's exported columns,
its credited authors and collectivités, the instance's name and address, the format version),
computed with one query; when it changes the next download builds a new archive. Builds write a
temporary file then rename it, so concurrent workers never serve a partial archive.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy import Text, cast, func, literal, select
from werkzeug.wrappers import Response

from .. import db
from ..accounts.models import User
from ..collectivites.models import Collectivite
from ..wiki.models import Revision, Rex, rex_collectivite
from . import archive, public
from .archive_docs import package_name

PREFIX = "communs-"


def fingerprint() -> str:
    """A hash of the public commons as the archive shows it (one query)."""
    authors = (
        select(func.aggregate_strings(func.coalesce(User.display_name, Revision.author_name), "|"))
        .select_from(Revision)
        .outerjoin(User, User.id == Revision.author_id)
        .where(Revision.rex_id == Rex.id)
        .scalar_subquery()
    )
    places = (
        select(
            func.aggregate_strings(
                Collectivite.name
                + literal("/")
                + Collectivite.kind
                + literal("/")
                + func.coalesce(Collectivite.departement_code, ""),
                "|",
            )
        )
        .select_from(rex_collectivite)
        .join(Collectivite, Collectivite.id == rex_collectivite.c.collectivite_id)
        .where(rex_collectivite.c.rex_id == Rex.id)
        .scalar_subquery()
    )
    columns = (
        Rex.id, Rex.uuid, Rex.slug, Rex.title, Rex.summary, Rex.licence_id, Rex.status,
        Rex.period, cast(Rex.themes, Text), Rex.head, Rex.created_at, Rex.updated_at,
        Rex.attribution_mode, cast(Rex.credits, Text), cast(Rex.origin, Text), authors, places,
    )  # fmt: skip
    sha = hashlib.sha256()
    instance = archive.Instance.current()
    sha.update(f"{archive.FORMAT_VERSION}\0{instance.name}\0{instance.url}\n".encode())
    stmt = select(*columns).where(public.public_clause()).order_by(Rex.id)
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        values = [sorted(str(v).split("|")) if i >= 15 and v else v for i, v in enumerate(row)]
        sha.update(repr(values).encode())
    return sha.hexdigest()


@dataclass(frozen=True)
class Cached:
    """A built archive: its file, its HTTP validators, and the download name."""

    path: Path
    etag: str
    last_modified: datetime


def folder() -> Path:
    return Path(current_app.instance_path) / "export"


def cached_archive() -> Cached:
    """The archive of the current public commons, built now if the cache is stale."""
    key = fingerprint()[:32]
    target = folder() / f"{PREFIX}{key}.zip"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        archive.write_zip(target)
        for old in target.parent.glob(f"{PREFIX}*.zip"):
            if old != target:
                old.unlink(missing_ok=True)  # a worker still sending it keeps its open file
    built = datetime.fromtimestamp(int(target.stat().st_mtime), UTC)
    return Cached(path=target, etag=key, last_modified=built)


def send(cached: Cached) -> Response:
    """The archive as a download named after the instance, revalidated at every request
    (ETag and Last-Modified: a conditional GET is a 304 while the content is the same)."""
    response = send_file(
        cached.path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{package_name(public.site_name())}.zip",
        etag=cached.etag,
        last_modified=cached.last_modified,
        conditional=True,
        max_age=0,
    )
    response.headers["Cache-Control"] = "public, no-cache"
    return response
