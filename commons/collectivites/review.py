"""Proposed collectivités: who proposed them, the administrators' notice, validation (with the
SIREN and a description, attaching the proposer) and refusal with a reason told to the proposer;
the description of any collectivité, edited by administrators.

Services flush only. Notifications (target type ``collectivite``) copy nothing: the describer
reloads the collectivité and shows it only to administrators (a proposal) or to its proposer
(the decision).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import audit, db
from ..accounts.models import Role, User
from ..actor import Actor
from ..integrity.merge import merge_fields
from ..notifications.models import Notification
from ..notifications.services import Entry, path_for, register_target
from ..text import single_line
from . import policy
from .models import Collectivite
from .services import CollectiviteError, normalise_siren, siren_is_valid

TARGET = "collectivite"
MAX_REASON = 500
#: The description of a collectivité: a few editorial lines, never part of its name.
MAX_DESCRIPTION = 2000


def pending() -> list[tuple[Collectivite, User | None]]:
    """Proposals waiting for review, oldest first, with their proposer (two queries)."""
    rows = list(
        db.session.scalars(
            select(Collectivite)
            .where(Collectivite.validated.is_(False), Collectivite.refused_at.is_(None))
            .order_by(Collectivite.created_at, Collectivite.id)
        )
    )
    ids = {c.proposed_by_id for c in rows if c.proposed_by_id is not None}
    people = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    )
    return [(c, people.get(c.proposed_by_id or 0)) for c in rows]


def _notify(user_ids: list[int], kind: str, collectivite: Collectivite, actor: Actor) -> None:
    for user_id in sorted(set(user_ids)):
        if actor is not None and user_id == actor.id:
            continue
        db.session.add(
            Notification(
                user_id=user_id,
                kind=kind,
                actor_id=actor.id if actor is not None else None,
                target_type=TARGET,
                target_id=collectivite.id,
            )
        )


def proposed_by(user: User, collectivite: Collectivite) -> None:
    """Record who proposed a new (unvalidated) collectivité and tell the administrators."""
    if collectivite.validated or collectivite.proposed_by_id is not None:
        return
    collectivite.proposed_by_id = user.id
    admins = db.session.scalars(select(User.id).where(User.role == Role.ADMIN.value)).all()
    _notify(list(admins), "collectivite.proposed", collectivite, user)
    db.session.flush()


audit.register_action("collectivite.edit", "Annuaire : nom ou description modifiés")
#: The fields of a collectivité its edit page changes, with their French names.
LABELS = {"name": "nom officiel", "description": "description"}
#: How a refusal for an edit made meanwhile by someone else begins.
CONFLICT = "Une autre personne a modifié cette collectivité pendant que vous écriviez"


def editable_values(collectivite: Collectivite) -> dict[str, Any]:
    """The values the edit page shows (its three-way merge base)."""
    return {"name": collectivite.name, "description": collectivite.description or ""}


def refreshed(
    collectivite: Collectivite, base: dict[str, Any] | None, posted: dict[str, Any]
) -> dict[str, Any]:
    """After a conflict, the values the form shows again: the editor's own where they changed
    a field, the current ones where they left it as it was (so a second save does not undo
    another administrator's change they never touched)."""
    current = editable_values(collectivite)
    start = base or current
    return {k: current[k] if posted[k] == start.get(k) else posted[k] for k in current}


def describe_collectivite(
    actor: User,
    collectivite: Collectivite,
    description: str,
    name: str | None = None,
    base: dict[str, Any] | None = None,
) -> None:
    """Set the description of a collectivité (administrators only): editorial notes such as a
    former name or an acronym, which do not belong in its official name; and, when given, its
    official name (its address, the slug, stays: links and citations keep working). ``base``:
    the values the editor saw; a field another administrator changed meanwhile keeps their
    value, a description changed by both is merged line by line, and a true double change is
    refused (nothing saved, the form keeps the text)."""
    if not policy.can_review(actor):
        raise CollectiviteError("Seuls les administrateurs modifient l'annuaire.")
    text = (description or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_DESCRIPTION:
        raise CollectiviteError(
            f"La description ne doit pas dépasser {MAX_DESCRIPTION} caractères "
            f"({len(text)} actuellement)."
        )
    before = editable_values(collectivite)
    official = collectivite.name if name is None else single_line(name)
    if not official or len(official) > 200:
        raise CollectiviteError("Le nom officiel est obligatoire (200 caractères au plus).")
    merged = merge_fields(
        before if base is None else base,
        before,
        {"name": official, "description": text},
        texts=("description",),
    )
    if merged.conflicts:
        raise CollectiviteError(
            f"{CONFLICT} ({', '.join(LABELS[c.name] for c in merged.conflicts)}) : les valeurs "
            "enregistrées sont maintenant « "
            + " » ; « ".join(str(c.theirs) or "(vide)" for c in merged.conflicts)
            + " ». Vos valeurs sont conservées ci-dessous : vérifiez-les, puis enregistrez à "
            "nouveau."
        )
    collectivite.name = merged.values["name"]
    collectivite.description = merged.values["description"]
    db.session.flush()
    changed = [k for k, v in before.items() if getattr(collectivite, k) != v]
    if changed:  # the directory is everyone's: who renamed what stays in the audit log
        audit.record(
            actor,
            "collectivite.edit",
            target_type="collectivite",
            target_id=collectivite.id,
            target_label=collectivite.name,
            detail={"changed": changed, "former_name": before["name"]}
            if "name" in changed
            else {"changed": changed},
        )


def validate(
    actor: User,
    collectivite: Collectivite,
    siren: str | None = None,
    description: str | None = None,
) -> None:
    """Validate a proposal (optionally with its SIREN and a description) and attach its
    proposer to it, unless they chose another collectivité since."""
    if not policy.can_review(actor):
        raise CollectiviteError("Seuls les administrateurs valident les collectivités.")
    if description is not None:
        describe_collectivite(actor, collectivite, description)
    siren = normalise_siren(siren)
    if siren:
        if not siren_is_valid(siren):
            raise CollectiviteError("Ce numéro SIREN n'est pas valide (9 chiffres, clé de Luhn).")
        taken = db.session.scalar(
            select(Collectivite.id).where(
                Collectivite.siren == siren, Collectivite.id != collectivite.id
            )
        )
        if taken is not None:
            raise CollectiviteError("Une collectivité avec ce numéro SIREN existe déjà.")
        collectivite.siren = siren
    collectivite.validated = True
    collectivite.refused_at, collectivite.refusal_reason = None, ""
    proposer = db.session.get(User, collectivite.proposed_by_id or 0)
    if proposer is not None:
        if proposer.collectivite_id in (None, collectivite.id):
            proposer.collectivite_id = collectivite.id
        _notify([proposer.id], "collectivite.validated", collectivite, actor)
    db.session.flush()


def refuse(actor: User, collectivite: Collectivite, reason: str) -> None:
    """Refuse a proposal with a reason (told to the proposer); the agents attached to it are
    detached so that they choose another one."""
    if not policy.can_review(actor):
        raise CollectiviteError("Seuls les administrateurs examinent les propositions.")
    if collectivite.validated:
        raise CollectiviteError("Cette collectivité est déjà validée.")
    reason = single_line(reason or "")
    if not reason:
        raise CollectiviteError("Indiquez le motif du refus : il sera transmis à la personne.")
    if len(reason) > MAX_REASON:
        raise CollectiviteError(f"Le motif ne doit pas dépasser {MAX_REASON} caractères.")
    collectivite.refused_at, collectivite.refusal_reason = db.utcnow(), reason
    for user in db.session.scalars(select(User).where(User.collectivite_id == collectivite.id)):
        user.collectivite_id = None
    if collectivite.proposed_by_id is not None:
        _notify([collectivite.proposed_by_id], "collectivite.refused", collectivite, actor)
    db.session.flush()


def is_pending(collectivite: Collectivite) -> bool:
    """A proposal waiting for review (neither validated nor refused)."""
    return not collectivite.validated and collectivite.refused_at is None


def decide(
    actor: User,
    collectivite: Collectivite,
    decision: str,
    reason: str,
    siren: str,
    description: str | None = None,
) -> str:
    """Refuse (``decision == "refuser"``, with ``reason``) or validate (with ``siren`` and
    ``description``) a proposal; the French message that says what was done."""
    if decision == "refuser":
        refuse(actor, collectivite, reason)
        return f"« {collectivite.name} » est refusée ; la personne est informée du motif."
    validate(actor, collectivite, siren, description)
    return f"« {collectivite.name} » est validée."


def describe(user: Any, notes: list[Notification]) -> list[Entry]:
    """Proposals for administrators; decisions for the proposer; nothing for anyone else."""
    ids = {n.target_id for n in notes if n.target_id is not None}
    found = {
        c.id: c for c in db.session.scalars(select(Collectivite).where(Collectivite.id.in_(ids)))
    }
    entries = []
    for note in notes:
        c = found.get(note.target_id or 0)
        admin = policy.can_review(user)
        proposer = c is not None and getattr(user, "id", None) == c.proposed_by_id
        if c is None or not (admin if note.kind == "collectivite.proposed" else proposer):
            entries.append(Entry(note=note, visible=False))
            continue
        if note.kind == "collectivite.proposed":
            entries.append(
                Entry(
                    note=note,
                    visible=True,
                    sentence="Une collectivité est proposée et attend votre validation :",
                    title=c.name,
                    path=path_for("collectivites.review"),
                    reason="Vous recevez ce courriel parce que vous administrez le réseau.",
                )
            )
        elif note.kind == "collectivite.validated":
            entries.append(
                Entry(
                    note=note,
                    visible=True,
                    sentence="La collectivité que vous avez proposée est validée :",
                    title=c.name,
                    path=path_for("collectivites.show", slug=c.slug),
                )
            )
        else:
            entries.append(
                Entry(
                    note=note,
                    visible=True,
                    sentence="La collectivité que vous avez proposée n'a pas été retenue :",
                    title=c.name,
                    path=path_for("accounts.edit_profile"),
                    body=f"Motif : {c.refusal_reason}",
                    reason="Choisissez une autre collectivité ou proposez-en une dans "
                    "votre profil.",
                )
            )
    return entries


def init_app() -> None:
    """Describe the collectivité notifications."""
    register_target(TARGET, describe)
