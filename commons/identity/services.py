"""Identity services: accounts created or found from OpenID Connect claims, links and unlinks.

Flush only; the caller commits. The collectivité of a ProConnect agent is found from the SIREN
(the first nine digits of the ``siret`` claim); an unknown SIREN becomes a proposal that an
administrator reviews, and the SIRET stays on the link.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from .. import db, errors
from ..accounts import services as accounts
from ..accounts.models import Role, User
from ..audit import services as audit
from ..collectivites import services as collectivites
from ..collectivites.models import Collectivite
from ..text import single_line
from .models import ExternalIdentity

#: Claims kept on the link (ProConnect's professional claims, and the generic names).
KEPT_CLAIMS = (
    "email",
    "given_name",
    "usual_name",
    "family_name",
    "name",
    "uid",
    "siret",
    "organizational_unit",
    "belonging_population",
    "phone",
    "acr",
)
PROVIDER_NAMES = {"proconnect": "ProConnect", "oidc": "fournisseur d'identité"}

audit.register_action("identity.link", "Identité externe liée")
audit.register_action("identity.unlink", "Identité externe déliée")
audit.register_action("identity.signup", "Compte créé par un fournisseur d'identité")


class IdentityError(errors.Refused):
    """A refused identity operation, with a French message."""


def kept_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The claims worth keeping, as short strings."""
    return {k: str(claims[k])[:300] for k in KEPT_CLAIMS if claims.get(k) not in (None, "")}


def email_of(claims: dict[str, Any]) -> str:
    """The e-mail address of the claims; :class:`IdentityError` when missing or said unverified
    (ProConnect gives only verified professional addresses and no ``email_verified``)."""
    email = str(claims.get("email") or "").strip()
    if claims.get("email_verified") is False:
        raise IdentityError(
            "Votre fournisseur d'identité indique que votre adresse n'est pas vérifiée : "
            "vérifiez-la chez lui, puis recommencez."
        )
    if "@" not in email or len(email) > 254:
        raise IdentityError(
            "Le fournisseur d'identité n'a pas transmis d'adresse électronique valide."
        )
    return email


def display_name_of(claims: dict[str, Any]) -> str:
    """``given_name usual_name`` (or the generic ``family_name``/``name``), else the address."""
    last = claims.get("usual_name") or claims.get("family_name") or ""
    name = single_line(f"{claims.get('given_name') or ''} {last}")
    if not name:
        name = single_line(str(claims.get("name") or "")) or email_of(claims).split("@")[0]
    return name[:80]


def siren_of(claims: dict[str, Any]) -> str | None:
    """The SIREN (nine first digits) of the ``siret`` claim, if it looks like a SIRET."""
    siret = re.sub(r"\s", "", str(claims.get("siret") or ""))
    return siret[:9] if re.fullmatch(r"\d{14}", siret) else None


def collectivite_for(claims: dict[str, Any]) -> Collectivite | None:
    """The directory's collectivité whose SIREN is the claims' (validated or proposed)."""
    siren = siren_of(claims)
    if siren is None:
        return None
    return db.session.scalar(select(Collectivite).where(Collectivite.siren == siren))


def find_link(provider: str, subject: str) -> ExternalIdentity | None:
    """The link of ``subject`` at ``provider``."""
    return db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider, ExternalIdentity.subject == subject
        )
    )


def links_of(user: User) -> list[ExternalIdentity]:
    """The external identities linked to ``user``."""
    return list(
        db.session.scalars(
            select(ExternalIdentity)
            .where(ExternalIdentity.user_id == user.id)
            .order_by(ExternalIdentity.id)
        )
    )


def has_password(user: User) -> bool:
    """Whether the account can sign in with a password (a ProConnect-only one cannot)."""
    return bool(user.password_hash)


def link(user: User, provider: str, claims: dict[str, Any]) -> ExternalIdentity:
    """Link ``user`` to the identity of ``claims`` (the caller checked the person owns both)."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise IdentityError("Le fournisseur d'identité n'a pas transmis d'identifiant.")
    existing = find_link(provider, subject)
    if existing is not None:
        if existing.user_id == user.id:
            return existing
        raise IdentityError("Cette identité est déjà liée à un autre compte.")
    if db.session.scalar(
        select(func.count(ExternalIdentity.id)).where(
            ExternalIdentity.user_id == user.id, ExternalIdentity.provider == provider
        )
    ):
        raise IdentityError("Votre compte est déjà lié à une autre identité de ce fournisseur.")
    kept = kept_claims(claims)
    identity = ExternalIdentity(
        user_id=user.id,
        provider=provider,
        subject=subject[:255],
        email=str(claims.get("email") or "")[:254],
        siret=re.sub(r"\s", "", kept.get("siret", ""))[:14] or None,
        claims=kept,
        last_login_at=db.utcnow(),
    )
    db.session.add(identity)
    db.session.flush()
    audit.record(
        user,
        "identity.link",
        target_type="user",
        target_id=user.id,
        target_label=user.display_name,
        detail={"provider": provider},
    )
    return identity


def unlink(user: User, identity: ExternalIdentity) -> None:
    """Remove a link; refused when it is the account's only way to sign in."""
    if identity.user_id != user.id:
        raise IdentityError("Cette identité n'est pas liée à votre compte.")
    if not has_password(user) and len(links_of(user)) <= 1:
        raise IdentityError(
            "Votre compte n'a pas de mot de passe : définissez-en un (« Mot de passe oublié ») "
            "avant de délier votre dernière identité externe."
        )
    provider = identity.provider
    db.session.delete(identity)
    db.session.flush()
    audit.record(
        user,
        "identity.unlink",
        target_type="user",
        target_id=user.id,
        target_label=user.display_name,
        detail={"provider": provider},
    )


def account_of(identity: ExternalIdentity) -> User | None:
    """The account an external identity is linked to."""
    return db.session.get(User, identity.user_id)


def record_sign_in(identity: ExternalIdentity, claims: dict[str, Any]) -> None:
    """Refresh the kept claims and sign-in times after a sign-in through the provider."""
    identity.claims = kept_claims(claims)
    identity.siret = identity.claims.get("siret", identity.siret or "")[:14] or None
    identity.last_login_at = db.utcnow()
    db.session.get(User, identity.user_id).last_login_at = db.utcnow()  # type: ignore[union-attr]
    db.session.flush()


def create_account(
    provider: str,
    claims: dict[str, Any],
    *,
    display_name: str,
    job_title: str,
    new_collectivite: dict[str, str] | None = None,
) -> User:
    """First sign-in: an account without password, its e-mail vouched for by the provider,
    in the collectivité of the SIRET, or in a proposed one (unvalidated, SIREN kept)."""
    email = email_of(claims)
    if accounts.find_by_email(email) is not None:
        raise IdentityError("Un compte existe déjà avec cette adresse : liez-le plutôt.")
    display_name = single_line(display_name)[:80] or display_name_of(claims)
    user = User(
        email=email,
        email_key=email.lower(),
        display_name=display_name,
        handle=accounts.unique_handle(display_name),
        job_title=single_line(job_title)[:120],
        role=Role.AGENT.value,
        password_hash="",
        email_confirmed_at=db.utcnow(),
        last_login_at=db.utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    collectivite = collectivite_for(claims)
    if collectivite is None and new_collectivite:
        collectivite = _propose(claims, new_collectivite, user)
    user.collectivite_id = collectivite.id if collectivite else None
    link(user, provider, claims)
    audit.record(
        user,
        "identity.signup",
        target_type="user",
        target_id=user.id,
        target_label=display_name,
        detail={"provider": provider, "siret": str(claims.get("siret") or "")},
    )
    return user


def _propose(claims: dict[str, Any], fields: dict[str, str], user: User) -> Collectivite:
    siren = siren_of(claims)
    try:
        return collectivites.create(
            name=fields.get("name", ""),
            kind=fields.get("kind", ""),
            departement_code=fields.get("departement") or None,
            siren=siren if siren and collectivites.siren_is_valid(siren) else None,
            validated=False,
            proposed_by_id=user.id,
        )
    except collectivites.CollectiviteError as exc:
        raise IdentityError(str(exc)) from exc
