"""Loading ``content/``: the shipped REX (with the collectivités they name), and the demo data.

Idempotent: running it twice changes nothing. ``content/`` is in the export archive format, so the
REX go through the same importer as another instance's export (:mod:`commons.wiki.importer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from . import db
from .accounts import services as accounts
from .accounts.models import User
from .collectivites import services as collectivites
from .collectivites.models import Collectivite
from .forum import agenda
from .forum import services as forum
from .forum.models import Thread
from .groups import services as groups
from .groups.models import Group
from .publication import demo as publication_demo
from .wiki.importer import import_folder

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"


@dataclass
class LoadReport:
    """What a load created (for the CLI)."""

    collectivites: int = 0
    users: list[tuple[str, str]] = field(default_factory=list)
    groups: int = 0
    rex_created: int = 0
    rex_updated: int = 0
    rex_unchanged: int = 0

    def summary(self) -> str:
        """One French line for the CLI."""
        return (
            f"Contenu chargé : {self.rex_created} REX créé(s), {self.rex_updated} mis à jour, "
            f"{self.rex_unchanged} inchangé(s) ; {self.collectivites} collectivité(s), "
            f"{self.groups} groupe(s)."
        )


def _collectivite(name: str, kind: str, departement: str | None, report: LoadReport) -> int:
    existing = collectivites.find_same(name, kind, departement)
    if existing is not None:
        return existing.id
    report.collectivites += 1
    return collectivites.create(name=name, kind=kind, departement_code=departement).id


def load_rex(path: Path, report: LoadReport) -> None:
    """Import ``path/rex/*.md`` (all or nothing: ``RexImportError`` lists every bad file)."""
    if not (path / "rex").is_dir():
        return
    count = select(func.count(Collectivite.id))
    before = db.session.scalar(count) or 0
    imported = import_folder(path / "rex")
    report.collectivites += (db.session.scalar(count) or 0) - before
    report.rex_created += imported.created
    report.rex_updated += imported.updated
    report.rex_unchanged += imported.unchanged


def load_demo(path: Path, report: LoadReport) -> None:
    """Create the demo collectivités, accounts, groups, memberships and requests."""
    data = yaml.safe_load((path / "demo" / "demo.yaml").read_text(encoding="utf-8"))
    password = data["password"]
    ids: dict[str, int] = {}
    for item in data["collectivites"]:
        ids[item["name"]] = _collectivite(
            item["name"], item["kind"], item.get("departement"), report
        )
    users: dict[str, User] = {}
    for item in data["users"]:
        user = accounts.find_by_email(item["email"])
        if user is None:
            user = accounts.create_user(
                email=item["email"],
                display_name=item["name"],
                job_title=item["job"],
                password=password,
                collectivite_id=ids.get(item["collectivite"]),
                role=item["role"],
                confirmed=True,
            )
            report.users.append((item["email"], item["role"]))
        users[item["email"]] = user
    for item in data["groups"]:
        if db.session.scalar(select(Group.id).where(Group.slug == item["slug"])):
            continue
        facilitator = users[item["facilitator"]]
        group = groups.create_group(
            facilitator,
            name=item["name"],
            slug=item["slug"],
            summary=item["summary"],
            description=item["description"],
            charter=item["charter"],
            themes=item["themes"],
            member_cap=item["cap"],
        )
        for email in item.get("members", []):
            join = groups.request_join(users[email], group, message="", accept_charter=True)
            groups.approve(facilitator, join)
        for req in item.get("requests", []):
            groups.request_join(
                users[req["email"]], group, message=req["message"], accept_charter=True
            )
        report.groups += 1
    if report.groups:  # the forum demo comes with the groups, once
        _load_demo_forum(data, users)
        publication_demo.load(data.get("group_rex", []), users)


def _load_demo_forum(data: dict[str, Any], users: dict[str, User]) -> None:
    """Agora categories, a few threads (Agora and group) and agenda topics with votes."""
    admin = next(u for u in users.values() if u.is_admin)
    categories = {
        c["name"]: forum.create_category(admin, name=c["name"], description=c["description"])
        for c in data.get("categories", [])
    }
    for item in data.get("threads", []):
        first, *rest = item["posts"]
        group = (
            db.session.scalar(select(Group).where(Group.slug == item["group"]))
            if item.get("group")
            else None
        )
        thread: Thread = forum.create_thread(
            users[first["author"]],
            title=item["title"],
            body=first["body"],
            space="group" if group else "network",
            group_id=group.id if group else None,
            category_id=categories[item["category"]].id if item.get("category") else None,
        )
        for post in rest:
            forum.reply(users[post["author"]], thread, post["body"])
    for item in data.get("topics", []):
        group = db.session.scalar(select(Group).where(Group.slug == item["group"]))
        assert group is not None, item["group"]  # the demo file names its groups
        topic = agenda.propose(users[item["author"]], group, item["title"], "")
        for voter in item.get("voters", []):
            agenda.vote(users[voter], topic)


def load(path: Path | None = None, *, demo: bool = False) -> LoadReport:
    """Load ``content/`` (and the demo data with ``demo``); flush only."""
    path = path or CONTENT_DIR
    if not path.is_dir():
        raise FileNotFoundError(f"Dossier de contenu introuvable : {path}")
    report = LoadReport()
    load_rex(path, report)
    if demo:
        load_demo(path, report)
    db.session.flush()
    return report
