"""Demo content for the publication workflow (``commons content load --demo``): group REX
written by several members, one proposal awaiting consents, one published by consent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import db
from ..accounts.models import User
from ..collectivites.models import Collectivite
from ..groups.models import Group
from ..wiki import services as wiki
from ..wiki.models import Rex
from . import consent, publish, services
from .models import CHECKLIST


def _collectivites(names: list[str]) -> list[int]:
    """The ids of the demo collectivités a group REX names (loaded before it, by name)."""
    if not names:
        return []
    return list(db.session.scalars(select(Collectivite.id).where(Collectivite.name.in_(names))))


def load(items: list[dict[str, Any]], users: dict[str, User]) -> None:
    """Create each group REX (one revision per listed author) and, when asked, its proposal,
    the listed consents, and the publication (attested by the group's facilitator)."""
    for item in items:
        group = db.session.scalar(select(Group).where(Group.slug == item["group"]))
        if group is None or db.session.scalar(select(Rex.id).where(Rex.title == item["title"])):
            continue
        first, *rest = item["revisions"]
        rex = wiki.create_rex(
            users[first["author"]],
            title=item["title"],
            body=first["body"],
            space="group",
            group_id=group.id,
            summary=item.get("summary", ""),
            themes=item.get("themes", []),
            collectivite_ids=_collectivites(item.get("collectivites", [])),
        )
        for revision in rest:
            wiki.save(users[revision["author"]], rex, base=rex.head, body=revision["body"])
        wanted = item.get("proposal")
        if not wanted:
            continue
        proposal = services.propose(
            users[wanted["by"]], rex, licence_id=wanted["licence"], mode=wanted["mode"]
        )
        digest = consent.preview(proposal, rex).digest
        for email in wanted.get("consents", []):
            who = users[email]
            services.answer(who, proposal, contributor_id=who.id, value="yes", digest=digest)
        if wanted.get("publish"):
            facilitator = users[wanted["publish"]]
            checks = dict.fromkeys(CHECKLIST, True)
            services.attest(facilitator, proposal, checklist=checks, digest=digest)
            publish.publish(facilitator, proposal)
