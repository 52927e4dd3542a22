"""Password hashing with argon2id (OWASP parameters: t=2, m=19 MiB, p=1)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

MIN_LENGTH = 10
MAX_LENGTH = 256


@cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher() -> PasswordHasher:
    """The hasher configured by ``ARGON2_*`` settings."""
    cfg = current_app.config
    return _hasher(
        int(cfg["ARGON2_TIME_COST"]), int(cfg["ARGON2_MEMORY_KIB"]), int(cfg["ARGON2_PARALLELISM"])
    )


def hash_password(password: str) -> str:
    """Hash a password."""
    return hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Check a password against a stored hash; never raises on a bad hash."""
    try:
        return hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash uses weaker parameters than the current ones."""
    try:
        return hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def dummy_hash() -> str:
    """A hash to verify against when the account does not exist (equal timing)."""
    return hash_password("commons-dummy-password")


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """A French message explaining why a password is refused, or ``None``."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe ne doit pas dépasser {MAX_LENGTH} caractères."
    lowered = password.lower()
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        return "Le mot de passe ne doit pas contenir votre adresse électronique."
    if len(set(password)) < 4:
        return "Le mot de passe est trop simple : variez les caractères."
    return None
