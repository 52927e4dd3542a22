"""Loading ``content/``: the collectivités named by the shipped REX, and the demo data.

Idempotent: running it twice changes nothing. The REX themselves are loaded by the wiki
importer once it exists (``content/`` is in the export archive format).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from . import db
from .accounts import services as accounts
from .accounts.models import User
from .collectivites import services as collectivites
from .groups import services as groups
from .groups.models import Group
from .pages import split_front_matter

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"


@dataclass
class LoadReport:
    """What a load created (for the CLI)."""

    collectivites: int = 0
    users: list[tuple[str, str]] = field(default_factory=list)
    groups: int = 0


def _collectivite(name: str, kind: str, departement: str | None, report: LoadReport) -> int:
    existing = collectivites.find_same(name, kind, departement)
    if existing is not None:
        return existing.id
    report.collectivites += 1
    return collectivites.create(name=name, kind=kind, departement_code=departement).id


def load_rex_collectivites(path: Path, report: LoadReport) -> None:
    """Create the collectivités listed in the front matter of ``path/rex/*.md``."""
    for file in sorted((path / "rex").glob("*.md")):
        if file.name == "README.md":
            continue
        meta, _ = split_front_matter(file.read_text(encoding="utf-8"))
        for item in meta.get("collectivites") or []:  # type: ignore[union-attr]
            if isinstance(item, dict) and item.get("name") and item.get("type"):
                _collectivite(str(item["name"]), str(item["type"]), item.get("departement"), report)


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


def load(path: Path | None = None, *, demo: bool = False) -> LoadReport:
    """Load ``content/`` (and the demo data with ``demo``); flush only."""
    path = path or CONTENT_DIR
    if not path.is_dir():
        raise FileNotFoundError(f"Dossier de contenu introuvable : {path}")
    report = LoadReport()
    load_rex_collectivites(path, report)
    if demo:
        load_demo(path, report)
    db.session.flush()
    return report
