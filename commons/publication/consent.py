"""What will be public and who must agree: the preview, its SHA-256 digest, and each
contributor's current answer.

The digest covers exactly what the public page will show (title, summary, Markdown text,
licence, attribution mode and credits, the collectivités the copy names, the project's facts
— status, period, budget, team size — and the attached files: name, SHA-256 and alternative
text). A consent counts only while its receipt's digest equals the current one: any later edit
of the text, any file added, removed or replaced, any collectivité added or removed, any fact
changed — or any change in how people will be credited — makes earlier consents stale, and
they must be asked again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import func, select

from .. import db
from ..accounts.models import User
from ..collectivites.models import Collectivite
from ..files import carry
from ..groups.models import Group
from ..licensing import registry
from ..markup import render_markdown
from ..wiki import attribution, rendering
from ..wiki.models import Revision, Rex, Space
from ..wiki.vocab import themes as theme_vocab
from .copied import collectivites_of, facts_of
from .models import Answer, ConsentReceipt, Proposal
from .references import strip_private


@dataclass
class Preview:
    """Exactly what the public copy will show."""

    title: str
    summary: str
    themes: list[str]
    source: str
    html: Markup
    licence_id: str
    mode: str
    credits: list[dict[str, str]]
    revision: int
    digest: str
    contributors: list[User]
    #: Credited names of revisions with no local account (they cannot consent).
    unaccountable: list[str] = field(default_factory=list)
    #: References to non-public discussions and REX left out of the public copy.
    withheld: int = 0
    #: The attached files the public copy carries (see :mod:`commons.files.carry`).
    files: list[carry.CarriedFile] = field(default_factory=list)
    #: The collectivités the public copy names (in type and region filters), by name.
    collectivites: list[Collectivite] = field(default_factory=list)
    #: Collectivités of the REX the copy leaves out (Chatham House: they would tell where
    #: the authors work).
    withheld_collectivites: list[Collectivite] = field(default_factory=list)
    #: The project's facts the public copy shows (status, period, budget, team size), by
    #: their French names, empty ones left out (see :func:`facts_of`).
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def licence_name(self) -> str:
        return registry.get(self.licence_id).name

    @property
    def theme_labels(self) -> list[str]:
        """The themes as people read them (``Participation citoyenne``, not the code)."""
        labels = theme_vocab()
        return [labels.get(t, t) for t in self.themes]

    def credit_of(self, user: User) -> str:
        """How ``user`` will be credited."""
        if self.mode == "group":
            return self.credits[0]["name"]
        index = next((i for i, u in enumerate(self.contributors) if u.id == user.id), None)
        return self.credits[index]["name"] if index is not None else ""

    def as_text(self) -> str:
        """The preview in plain text (for e-mails)."""
        names = ", ".join(c["name"] for c in self.credits)
        files = "".join(
            f"Fichier joint : {f.name} ({f.label}, {f.human_size}, SHA-256 {f.sha256})\n"
            for f in self.files
        )
        places = ", ".join(c.name for c in self.collectivites)
        themes = ", ".join(self.theme_labels)
        facts = "".join(f"{name} : {value}\n" for name, value in self.facts.items())
        return (
            f"Titre : {self.title}\n"
            + (f"Résumé : {self.summary}\n" if self.summary else "")
            + (f"Collectivités : {places}\n" if places else "")
            + (f"Thèmes : {themes}\n" if themes else "")
            + facts
            + f"Licence : {self.licence_name}\n"
            f"Attribution : {attribution.MODES[self.mode]} — {names}\n"
            + files
            + f"Empreinte SHA-256 : {self.digest}\n\n"
            f"{self.source}"
        )


def digest_of(
    title: str,
    summary: str,
    themes: list[str],
    source: str,
    licence_id: str,
    mode: str,
    credits: list[dict[str, str]],
    files: list[list[str]] | None = None,
    collectivites: list[str] | None = None,
    facts: dict[str, str] | None = None,
) -> str:
    """SHA-256 (hex) of the canonical JSON of what will be public (``files``: each attached
    file's name, SHA-256 and alternative text; ``collectivites``: the names the copy shows;
    ``facts``: the project's status, period, budget and team size as shown. Each is absent
    when empty, so a REX without files or collectivités keeps the digest it
    always had; anyone can recompute it from the public copy)."""
    payload: dict[str, object] = {
        "title": title,
        "summary": summary,
        "themes": sorted(themes),
        "source": source,
        "licence": licence_id,
        "attribution": mode,
        "credits": [[c.get("name", ""), c.get("role", "")] for c in credits],
    }
    if files:
        payload["files"] = files
    if collectivites:
        payload["collectivites"] = sorted(collectivites)
    if facts:
        payload["facts"] = facts
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


#: Features naming more people whose words a REX carries (e.g. the attendees of the session
#: minutes a synthesis was drafted from), by name: each returns user ids for a REX.
_EXTRA_CONTRIBUTORS: dict[str, Callable[[Rex], list[int]]] = {}


def register_contributors(name: str, provider: Callable[[Rex], list[int]]) -> None:
    """Let a feature add people to a REX's contributors (asked for consent, credited), after
    the revision authors, without this package importing it."""
    _EXTRA_CONTRIBUTORS[name] = provider


def ranked_contributors(rex: Rex) -> tuple[list[User], list[str]]:
    """Accounts that authored a revision, most active first (then by first contribution),
    then the people registered providers add (:func:`register_contributors`), then those who
    attached a file, and the credited names of revisions with no account."""
    rows = db.session.execute(
        select(Revision.author_id, Revision.author_name, func.count(), func.min(Revision.number))
        .where(Revision.rex_id == rex.id)
        .group_by(Revision.author_id, Revision.author_name)
        .order_by(func.count().desc(), func.min(Revision.number))
    ).all()
    ids = [r[0] for r in rows if r[0] is not None]
    for provider in _EXTRA_CONTRIBUTORS.values():
        ids += provider(rex)
    ids += carry.author_ids(rex)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    ordered = list(dict.fromkeys(i for i in ids if i in users))
    names = [r[1] or "Anonyme" for r in rows if r[0] is None]
    return [users[i] for i in ordered], names


def preview(proposal: Proposal, rex: Rex | None = None) -> Preview:
    """The current preview of a proposal (its REX's head revision), without the references to
    discussions and REX the public cannot read (:mod:`.references`): their titles are other
    people's words, so the public copy never carries them."""
    rex = rex or db.session.get(Rex, proposal.rex_id)
    assert rex is not None
    group = db.session.get(Group, proposal.group_id)
    head = db.session.scalar(
        select(Revision).where(Revision.rex_id == rex.id, Revision.number == rex.head)
    )
    assert head is not None and group is not None
    people, unaccountable = ranked_contributors(rex)
    credits = attribution.frozen_credits(proposal.attribution_mode, people, group.name)
    stripped = strip_private(head.source, rex.group_id)
    files = carry.manifest(rex)
    places, withheld_places = collectivites_of(rex, proposal.attribution_mode)
    facts = facts_of(rex)
    html = head.html
    if stripped.withheld:  # rendered as the public copy will be
        resolver = rendering.resolver_for(Space.PUBLIC.value, None)
        html = str(render_markdown(stripped.source, resolve_wikilink=resolver))
    return Preview(
        title=rex.title,
        summary=rex.summary,
        themes=list(rex.themes or []),
        source=stripped.source,
        html=Markup(html),
        licence_id=proposal.licence_id,
        mode=proposal.attribution_mode,
        credits=credits,
        revision=rex.head,
        digest=digest_of(
            rex.title,
            rex.summary,
            list(rex.themes or []),
            stripped.source,
            proposal.licence_id,
            proposal.attribution_mode,
            credits,
            [f.key() for f in files],
            [c.name for c in places],
            facts,
        ),
        contributors=people,
        unaccountable=unaccountable,
        withheld=stripped.withheld,
        files=files,
        collectivites=places,
        withheld_collectivites=withheld_places,
        facts=facts,
    )


@dataclass
class Consent:
    """A contributor's current position on the current text."""

    user: User
    receipt: ConsentReceipt | None
    #: ``pending`` (never answered), ``yes``, ``no``, ``withdrawn`` or ``stale`` (said yes or
    #: no to an earlier text: must be asked again).
    status: str


STATUS_LABELS = {
    "pending": "En attente de réponse",
    "yes": "A donné son accord",
    "no": "A refusé",
    "withdrawn": "A retiré son accord",
    "stale": "À redemander : le texte a changé depuis sa réponse",
}


@dataclass
class State:
    consents: list[Consent]

    @property
    def ready(self) -> bool:
        """Every contributor agreed to the current text."""
        return bool(self.consents) and all(c.status == "yes" for c in self.consents)

    @property
    def blocked(self) -> bool:
        """Someone refused the current text (one "no" blocks)."""
        return any(c.status == "no" for c in self.consents)

    def missing(self) -> list[User]:
        return [c.user for c in self.consents if c.status != "yes"]

    def of(self, user_id: int) -> Consent | None:
        return next((c for c in self.consents if c.user.id == user_id), None)


def latest_receipts(proposal: Proposal) -> dict[int, ConsentReceipt]:
    """Each contributor's latest receipt (one query)."""
    receipts = db.session.scalars(
        select(ConsentReceipt)
        .where(ConsentReceipt.proposal_id == proposal.id)
        .order_by(ConsentReceipt.id)
    )
    return {r.user_id: r for r in receipts if r.user_id is not None}


def state(proposal: Proposal, current: Preview) -> State:
    """Every current contributor's position on the current text."""
    latest = latest_receipts(proposal)
    consents = []
    for user in current.contributors:
        receipt = latest.get(user.id)
        if receipt is None:
            status = "pending"
        elif receipt.answer == Answer.WITHDRAWN.value:
            status = "withdrawn"
        elif receipt.digest != current.digest:
            status = "stale"
        else:
            status = receipt.answer
        consents.append(Consent(user=user, receipt=receipt, status=status))
    return State(consents)
