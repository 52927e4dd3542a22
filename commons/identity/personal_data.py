"""« Télécharger mes données » (RGPD, articles 15 et 20): a ZIP with one JSON file per kind.

It reads the features (like ``export`` does) and never writes. What others wrote about the
person in private moderation notes is listed as existing, without its content.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, or_, select

from .. import dates, db
from ..accounts.models import User, UserSession
from ..audit.models import AuditEntry
from ..forum.models import Post, PostEdit, Thread, Topic, TopicVote
from ..groups.models import Group, Invitation, JoinRequest, Membership
from ..moderation.models import MemberNote, Report, Statement
from ..notifications.models import Notification, Preference, Watch
from ..publication.models import ConsentReceipt, PublishedCredit
from ..sessions.models import ActionItem, CalendarFeed, MinutesRevision, SessionAnswer
from ..wiki.models import Revision
from .models import ExternalIdentity, RecoveryCode, TotpDevice

#: Columns never given out, even to their owner (secrets that prove identity).
SECRET_COLUMNS = {"password_hash", "secret", "code_hash", "session_version", "token_hash"}
NOTE_REASON = (
    "Note privée d'un·e animateur·rice, tenue pour l'animation du groupe : son existence vous est "
    "indiquée, son contenu n'est pas communiqué (il engage son auteur·rice). Vous pouvez en "
    "demander la rectification ou l'effacement à l'administration de l'instance."
)

README = """Vos données sur {site}
========================

Archive produite le {now} pour {name} ({email}), en application des articles 15 (droit d'accès)
et 20 (droit à la portabilité) du RGPD. Chaque fichier JSON contient une liste d'objets ; les
dates sont en UTC (ISO 8601).

{files}

Les secrets qui servent à vous identifier (empreinte du mot de passe, clé de l'application
d'authentification, codes de secours) ne figurent pas dans l'archive.

Les notes privées écrites à votre sujet par un·e animateur·rice sont seulement signalées
(« notes_moderation_me_concernant.json ») : date, groupe, motif de la non-communication.
"""

DESCRIPTIONS = {
    "compte": "votre compte (nom, adresse, métier, collectivité, rôle, dates)",
    "identites_externes": "vos identités ProConnect ou OpenID Connect liées (SIRET, données)",
    "deux_etapes": "l'état de votre connexion en deux étapes (sans la clé)",
    "adhesions": "vos adhésions aux groupes, demandes et invitations",
    "connexions": "vos sessions ouvertes (navigateur, système, adresse IP, dernière activité)",
    "seances": "vos réponses aux séances, vos flux d'agenda (sans leur adresse secrète), les "
    "versions de comptes rendus que vous avez écrites et les actions qui vous sont confiées",
    "revisions_rex": "les révisions de REX que vous avez écrites",
    "fils": "les fils de discussion que vous avez ouverts",
    "messages": "vos messages de forum et leurs modifications",
    "sujets_et_votes": "les sujets d'ordre du jour proposés et vos votes",
    "consentements": "vos consentements de publication et crédits dans les communs",
    "notifications": "vos notifications, abonnements et préférences de courriel",
    "signalements": "les signalements que vous avez faits",
    "decisions_moderation": "les décisions de modération qui vous ont été notifiées",
    "journal_audit": "les entrées du journal d'audit dont vous êtes l'auteur·rice ou l'objet",
    "notes_moderation_me_concernant": "les notes privées à votre sujet (existence seulement)",
}


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row(obj: Any) -> dict[str, Any]:
    """Every column of a row, secrets left out."""
    return {
        attr.key: _value(getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in SECRET_COLUMNS
    }


def _rows(stmt: Any) -> list[dict[str, Any]]:
    return [row(obj) for obj in db.session.scalars(stmt)]


def _memberships(user: User) -> dict[str, Any]:
    memberships = _rows(select(Membership).where(Membership.user_id == user.id))
    ids = [m["group_id"] for m in memberships]
    names = dict(db.session.execute(select(Group.id, Group.name).where(Group.id.in_(ids))).all())
    for membership in memberships:
        membership["group_name"] = names.get(membership["group_id"], "")
    return {
        "adhesions": memberships,
        "demandes": _rows(select(JoinRequest).where(JoinRequest.user_id == user.id)),
        "invitations": _rows(select(Invitation).where(Invitation.user_id == user.id)),
    }


def collect(user: User) -> dict[str, Any]:
    """Everything the instance holds about ``user``, by kind."""
    uid = user.id
    device = db.session.get(TotpDevice, uid)
    notes = db.session.scalars(select(MemberNote).where(MemberNote.subject_id == uid)).all()
    return {
        "compte": row(user) | {"has_password": bool(user.password_hash)},
        "identites_externes": _rows(
            select(ExternalIdentity).where(ExternalIdentity.user_id == uid)
        ),
        "deux_etapes": {
            "active": bool(device and device.confirmed_at),
            "activee_le": _value(device.confirmed_at) if device else None,
            "codes_de_secours_restants": len(
                db.session.scalars(
                    select(RecoveryCode.id).where(
                        RecoveryCode.user_id == uid, RecoveryCode.used_at.is_(None)
                    )
                ).all()
            ),
        },
        "adhesions": _memberships(user),
        "connexions": _rows(select(UserSession).where(UserSession.user_id == uid)),
        "seances": {
            "reponses": _rows(select(SessionAnswer).where(SessionAnswer.user_id == uid)),
            "flux_agenda": _rows(select(CalendarFeed).where(CalendarFeed.user_id == uid)),
            "comptes_rendus": _rows(
                select(MinutesRevision).where(MinutesRevision.author_id == uid)
            ),
            "actions": _rows(select(ActionItem).where(ActionItem.owner_id == uid)),
        },
        "revisions_rex": _rows(select(Revision).where(Revision.author_id == uid)),
        "fils": _rows(select(Thread).where(Thread.author_id == uid)),
        "messages": {
            "messages": _rows(select(Post).where(Post.author_id == uid)),
            "modifications": _rows(
                select(PostEdit)
                .join(Post, Post.id == PostEdit.post_id)
                .where(Post.author_id == uid, PostEdit.editor_id == uid)
            ),
        },
        "sujets_et_votes": {
            "sujets": _rows(select(Topic).where(Topic.author_id == uid)),
            "votes": _rows(select(TopicVote).where(TopicVote.user_id == uid)),
        },
        "consentements": {
            "consentements": _rows(select(ConsentReceipt).where(ConsentReceipt.user_id == uid)),
            "credits": _rows(select(PublishedCredit).where(PublishedCredit.user_id == uid)),
        },
        "notifications": {
            "notifications": _rows(select(Notification).where(Notification.user_id == uid)),
            "abonnements": _rows(select(Watch).where(Watch.user_id == uid)),
            "preferences": _rows(select(Preference).where(Preference.user_id == uid)),
        },
        "signalements": _rows(select(Report).where(Report.reporter_id == uid)),
        "decisions_moderation": _rows(select(Statement).where(Statement.user_id == uid)),
        "journal_audit": _rows(
            select(AuditEntry)
            .where(
                or_(
                    AuditEntry.actor_id == uid,
                    (AuditEntry.target_type == "user") & (AuditEntry.target_id == uid),
                )
            )
            .order_by(AuditEntry.id)
        ),
        "notes_moderation_me_concernant": [
            {
                "id": note.id,
                "created_at": _value(note.created_at),
                "group_id": note.group_id,
                "contenu": "non communiqué",
                "motif": NOTE_REASON,
            }
            for note in notes
        ],
    }


def archive(user: User, site_name: str) -> bytes:
    """The ZIP: ``README.txt`` and one ``<kind>.json`` per kind."""
    data = collect(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        files = "\n".join(f"- {kind}.json : {DESCRIPTIONS[kind]}" for kind in data)
        zf.writestr(
            "README.txt",
            README.format(
                site=site_name,
                now=dates.short_when(db.utcnow()),
                name=user.display_name,
                email=user.email,
                files=files,
            ),
        )
        for kind, content in data.items():
            zf.writestr(f"{kind}.json", json.dumps(content, ensure_ascii=False, indent=2))
    return buffer.getvalue()
