"""Changing one's e-mail address: asked from the account with the current password, confirmed
by a link sent to the new address, told to the old one.

- The request checks the password (failures count as failed sign-ins) and is throttled like
  every mail-sending request. It answers the same page, and sends one message to the new
  address, whether or not that address already has an account (no account oracle): a
  confirmation link, or a notice that the address already has an account. The old address is
  told of the request, with what to do if it was not its owner (changing the password cancels
  the link).
- The link is signed and expires (``EMAIL_CHANGE_MAX_AGE``); it is bound to the account's
  current address and password, so it works once and dies when either changes.
- Following it changes the address (sessions are kept), writes an audit entry and tells the old
  address. If another account took the address meanwhile, a clear refusal.

Accounts without a password (ProConnect only) get their address from their identity provider:
they define a password first (« Mot de passe oublié », sent to their current address).

Services flush only; views commit and hand the messages to
:func:`commons.mail.deliver_after_response`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from .. import audit, db, errors, mail
from . import enrolment, services
from .models import User
from .passwords import verify_password

SALT = "change-email"
WRONG_PASSWORD = "Le mot de passe actuel est incorrect."
TAKEN = (
    "Cette adresse est désormais utilisée par un autre compte : votre adresse n'a pas changé. "
    "Si elle est bien à vous, connectez-vous à cet autre compte ou demandez de l'aide à "
    "l'administration."
)
DEAD_LINK = (
    "Ce lien de changement d'adresse a déjà servi ou n'est plus valide (votre adresse ou votre "
    "mot de passe a changé depuis) : faites une nouvelle demande depuis votre compte."
)

audit.register_action("account.email_changed", "Adresse électronique du compte changée")


class AddressTooMany(errors.TooMany):
    """Too many mail-sending requests: the form keeps what was typed."""


@dataclass
class AddressRequest:
    """The messages a request sends: to the new address (a link, or a notice that it already
    has an account) and to the old one (a notice of the request)."""

    to_new: EmailMessage
    to_old: EmailMessage


def is_throttle(message: str) -> bool:
    """Whether a refusal is a throttle (too many failures or mail requests)."""
    return message.startswith("Trop de ")


def normalise(email: str) -> str:
    """An address as stored: surrounding spaces removed (its key is its lower case)."""
    return (email or "").strip()


def _fingerprint(user: User) -> str:
    """Changes when the account's address or password changes: a link dies with either."""
    seed = f"{user.id}:{user.email_key}:{user.password_hash}".encode()
    return hashlib.sha256(seed).hexdigest()[:24]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def change_token(user: User, new_email: str) -> str:
    """A signed token that moves ``user`` to ``new_email`` (valid until the address or the
    password changes, and for ``EMAIL_CHANGE_MAX_AGE`` seconds)."""
    return _serializer().dumps([user.id, normalise(new_email), _fingerprint(user)])


def request_change(user: User, new_email: str, password: str, client: str) -> AddressRequest:
    """Ask to move ``user`` to ``new_email`` (flush only). :class:`services.AccountError` for a
    wrong password (:data:`WRONG_PASSWORD`: the caller counts it with
    :func:`services.password_failed` after the savepoint is undone), a password-less account or
    the same address; :class:`AddressTooMany` when throttled. The answer does not depend on
    whether the new address has an account."""
    new_email = normalise(new_email)
    if not user.password_hash:
        raise services.AccountError(
            "Votre compte n'a pas de mot de passe : votre adresse vient de ProConnect. "
            "Définissez d'abord un mot de passe, puis revenez ici."
        )
    throttled = services.password_throttled(user, client)
    if throttled:
        raise AddressTooMany(throttled)
    if not verify_password(user.password_hash, password):
        raise services.AccountError(WRONG_PASSWORD)  # counted by the caller, once undone
    if new_email.lower() == user.email_key:
        raise services.AccountError("C'est déjà l'adresse de votre compte.")
    if not enrolment.mail_allowed(new_email, client):
        raise AddressTooMany(enrolment.THROTTLED)
    owner = services.find_by_email(new_email)
    link = mail.absolute_url("accounts.confirm_email_change", token=change_token(user, new_email))
    to_new = _render(new_email, user, "Confirmez votre nouvelle adresse", "email_change", link=link)
    if owner is not None:  # the same work, another message: the page says nothing
        reset = mail.absolute_url("accounts.reset_request")
        to_new = _render(new_email, owner, "Vous avez déjà un compte", "email_taken", link=reset)
    to_old = _render(
        user.email,
        user,
        "Demande de changement de votre adresse électronique",
        "email_change_asked",
        new_email=new_email,
        link=mail.absolute_url("accounts.change_password"),
    )
    return AddressRequest(to_new=to_new, to_old=to_old)


def user_from_token(token: str) -> tuple[User, str]:
    """The account and new address a change link is for; :class:`services.AccountError` for an
    expired, forged, used or outdated link."""
    max_age = int(current_app.config["EMAIL_CHANGE_MAX_AGE"])
    try:
        user_id, new_email, fingerprint = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise services.AccountError(
            "Ce lien de changement d'adresse a expiré : faites une nouvelle demande depuis "
            "votre compte."
        ) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise services.AccountError("Ce lien de changement d'adresse n'est pas valide.") from exc
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not isinstance(new_email, str) or fingerprint != _fingerprint(user):
        raise services.AccountError(DEAD_LINK)
    return user, new_email


def confirm_change(token: str) -> tuple[User, EmailMessage]:
    """Follow a change link: the account takes its new address (confirmed; sessions kept), an
    audit entry is written; returns the account and the notice for the old address."""
    user, new_email = user_from_token(token)
    owner = services.find_by_email(new_email)
    if owner is not None and owner.id != user.id:
        raise services.AccountError(TAKEN)
    old = user.email
    try:
        with db.session.begin_nested():
            user.email, user.email_key = new_email, new_email.lower()
            user.email_confirmed_at = db.utcnow()
            db.session.flush()
    except IntegrityError as exc:  # taken between the check and the write
        raise services.AccountError(TAKEN) from exc
    domains = {
        "ancien_domaine": old.rpartition("@")[2].lower(),
        "domaine": new_email.rpartition("@")[2].lower(),
    }
    audit.record(
        user,
        "account.email_changed",
        target_type="user",
        target_id=user.id,
        target_label=user.display_name,
        detail=domains,
    )
    notice = _render(
        old, user, "Votre adresse électronique a changé", "email_changed", new_email=new_email
    )
    return user, notice


def _render(to: str, user: User, subject: str, template: str, **context: str) -> EmailMessage:
    return mail.render_message(to, subject, f"accounts/mail/{template}", user=user, **context)
