"""Account services: registration, authentication with throttling, passwords, profiles.

Services flush and never commit; views and CLI commands commit. Mail is sent by the caller after
the commit, with the ``send_*`` functions at the end of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from .. import dates, db, errors, mail
from ..security import clear_events, count_events, oldest_event_age, record_event
from ..text import single_line, slugify
from . import sessions
from .models import Role, User
from .passwords import (
    dummy_hash,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)

LOGIN_BUCKET_ACCOUNT = "login-account"
LOGIN_BUCKET_ADDRESS = "login-address"
GENERIC_LOGIN_ERROR = "Adresse électronique ou mot de passe incorrect."


class AccountError(errors.Refused):
    """A refused account operation, with a French message for the user."""


def find_by_email(email: str) -> User | None:
    """The user with this email, case-insensitively."""
    email = email.strip()
    return db.session.scalar(select(User).where(User.email_key == email.lower()))


def unique_handle(display_name: str) -> str:
    """A free handle derived from a display name: ``Élise Martin`` -> ``elise-martin``."""
    base = slugify(display_name, max_length=30) or "agent"
    handle, n = base, 1
    while db.session.scalar(select(User.id).where(User.handle == handle)) is not None:
        n += 1
        handle = f"{base}-{n}"
    return handle


def create_user(
    *,
    email: str,
    display_name: str,
    job_title: str,
    password: str,
    collectivite_id: int | None = None,
    role: str = Role.AGENT.value,
    confirmed: bool = False,
) -> User:
    """Create an account (flush); :class:`AccountError` for a taken email or a weak password."""
    email = email.strip()
    if find_by_email(email) is not None:
        raise AccountError("Un compte existe déjà avec cette adresse électronique.")
    problem = password_problem(password, email=email, name=display_name)
    if problem:
        raise AccountError(problem)
    if role not in {r.value for r in Role}:
        raise AccountError(f"Rôle inconnu : {role}.")
    display_name = single_line(display_name)
    user = User(
        email=email,
        email_key=email.lower(),
        display_name=display_name,
        handle=unique_handle(display_name),
        job_title=single_line(job_title),
        collectivite_id=collectivite_id,
        role=role,
        password_hash=hash_password(password),
        email_confirmed_at=db.utcnow() if confirmed else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class Authentication:
    """Outcome of a login attempt."""

    user: User | None = None
    error: str | None = None
    unconfirmed: User | None = None


def _throttle_message(address: str, email: str) -> str | None:
    cfg = current_app.config
    window = timedelta(seconds=int(cfg["LOGIN_WINDOW_SECONDS"]))
    checks = [
        (LOGIN_BUCKET_ACCOUNT, email.lower(), int(cfg["LOGIN_MAX_FAILURES_ACCOUNT"])),
        (LOGIN_BUCKET_ADDRESS, address, int(cfg["LOGIN_MAX_FAILURES_ADDRESS"])),
    ]
    for bucket, key, limit in checks:
        if count_events(bucket, key, window) >= limit:
            age = oldest_event_age(bucket, key, window) or timedelta()
            minutes = max(1, int((window - age).total_seconds() // 60) + 1)
            return (
                "Trop de tentatives de connexion infructueuses. Par sécurité, réessayez dans "
                f"{minutes} minute{'s' if minutes > 1 else ''} ou réinitialisez votre mot de passe."
            )
    return None


def password_throttled(user: User, address: str) -> str | None:
    """Why a password check for ``user`` from ``address`` is refused for now (too many
    failures, counted with the sign-in ones), or ``None``."""
    return _throttle_message(address, user.email)


def password_failed(user: User, address: str) -> None:
    """Count a wrong password for ``user`` from ``address`` as a failed sign-in."""
    record_event(LOGIN_BUCKET_ACCOUNT, user.email.lower())
    record_event(LOGIN_BUCKET_ADDRESS, address)


def authenticate(email: str, password: str, address: str) -> Authentication:
    """Check credentials with per-account and per-address throttling (records failures)."""
    email = email.strip()
    refused = _throttle_message(address, email)
    if refused:
        return Authentication(error=refused)
    user = find_by_email(email)
    valid = verify_password(user.password_hash if user else dummy_hash(), password)
    if user is None or not valid:
        record_event(LOGIN_BUCKET_ACCOUNT, email.lower())
        record_event(LOGIN_BUCKET_ADDRESS, address)
        return Authentication(error=GENERIC_LOGIN_ERROR)
    if user.email_confirmed_at is None:
        return Authentication(
            error="Votre adresse électronique n'est pas encore confirmée : nous venons de vous "
            "renvoyer le lien de confirmation.",
            unconfirmed=user,
        )
    if user.is_suspended:
        until = (
            f"jusqu'au {dates.short_when(user.suspended_until)}"
            if user.suspended_until
            else "pour une durée indéterminée"
        )
        reason = f" Motif : {user.suspension_reason}" if user.suspension_reason else ""
        return Authentication(error=f"Votre compte est suspendu {until}.{reason}")
    clear_events(LOGIN_BUCKET_ACCOUNT, email.lower())
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = db.utcnow()
    db.session.flush()
    return Authentication(user=user)


def load_user(identifier: str) -> User | None:
    """Flask-Login loader: the cookie names a server-side session (see :mod:`.sessions`)."""
    return sessions.load(identifier)


def revoke_sessions(user: User) -> None:
    """Log the user out everywhere: every session and "remember me" cookie dies."""
    sessions.end_all(user)


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; revokes other sessions."""
    if not verify_password(user.password_hash, current):
        raise AccountError("Le mot de passe actuel est incorrect.")
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    """Set a new password (checked for strength) and revoke existing sessions."""
    problem = password_problem(new, email=user.email, name=user.display_name)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    revoke_sessions(user)


def update_profile(
    user: User, *, display_name: str, job_title: str, collectivite_id: int | None, bio: str
) -> None:
    """Edit one's professional identity."""
    user.display_name = single_line(display_name)
    user.job_title = single_line(job_title)
    user.collectivite_id = collectivite_id
    user.bio = bio.strip()
    db.session.flush()


# Tokens ----------------------------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def confirmation_token(user: User) -> str:
    """A signed token confirming ``user``'s current email."""
    return _serializer("confirm-email").dumps([user.id, user.email.lower()])


def confirm_email(token: str) -> User:
    """Confirm an email from a token (valid 7 days)."""
    try:
        user_id, email = _serializer("confirm-email").loads(token, max_age=7 * 86400)
    except SignatureExpired as exc:
        raise AccountError(
            "Ce lien de confirmation a expiré : connectez-vous pour en recevoir un nouveau."
        ) from exc
    except BadSignature as exc:
        raise AccountError("Ce lien de confirmation n'est pas valide.") from exc
    user = db.session.get(User, user_id)
    if user is None or user.email.lower() != email:
        raise AccountError("Ce lien de confirmation n'est pas valide.")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = db.utcnow()
        db.session.flush()
    return user


def reset_token(user: User) -> str:
    """A signed, single-use password reset token (bound to the current password hash)."""
    return _serializer("reset-password").dumps([user.id, user.password_hash[-16:]])


def user_from_reset_token(token: str) -> User:
    """The user a reset token is for; refuses expired, forged or already-used tokens."""
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"])
    try:
        user_id, fingerprint = _serializer("reset-password").loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AccountError(
            "Ce lien de réinitialisation a expiré : demandez-en un nouveau."
        ) from exc
    except BadSignature as exc:
        raise AccountError("Ce lien de réinitialisation n'est pas valide.") from exc
    user = db.session.get(User, user_id)
    if user is None or user.password_hash[-16:] != fingerprint:
        raise AccountError("Ce lien de réinitialisation a déjà servi ou n'est plus valide.")
    return user


# Mail (call after commit) ---------------------------------------------------------------------


def _send(user: User, subject: str, template: str, **context: Any) -> None:
    mail.send_template(user.email, subject, f"accounts/mail/{template}", user=user, **context)


def send_confirmation(user: User) -> None:
    """Email the confirmation link."""
    link = mail.absolute_url("accounts.confirm", token=confirmation_token(user))
    _send(user, "Confirmez votre adresse électronique", "confirm", link=link)


def send_already_registered(user: User) -> None:
    """Tell an account owner that someone tried to register with their address."""
    link = mail.absolute_url("accounts.reset_request")
    _send(user, "Vous avez déjà un compte", "already_registered", link=link)


def send_password_reset(user: User) -> None:
    """Email the password reset link."""
    link = mail.absolute_url("accounts.reset_password", token=reset_token(user))
    _send(user, "Réinitialisation de votre mot de passe", "reset", link=link)
