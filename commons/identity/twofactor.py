"""Two-factor sign-in: TOTP (RFC 6238, pyotp) and single-use recovery codes (stored hashed).

Every change is audited and mailed to the person (:func:`send_change_notice`, after commit).
Wrong codes are throttled per account with the database-backed login throttle.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, func, select

from .. import db, errors, mail
from ..accounts.models import User
from ..audit import services as audit
from ..security import clear_events, count_events, record_event
from .models import RecoveryCode, TotpDevice

BUCKET = "twofactor-account"
RECOVERY_CODES = 10
CHANGES = {
    "twofactor.enable": "Connexion en deux étapes activée",
    "twofactor.disable": "Connexion en deux étapes désactivée",
    "twofactor.codes": "Nouveaux codes de secours",
    "twofactor.recovery": "Code de secours utilisé",
}
for _key, _label in CHANGES.items():
    audit.register_action(_key, _label)


class TwoFactorError(errors.Refused):
    """A refused code or change, with a French message."""


def device_of(user: User) -> TotpDevice | None:
    """The TOTP device of ``user`` (confirmed or being set up)."""
    return db.session.get(TotpDevice, user.id)


def is_enabled(user: User) -> bool:
    """Whether ``user`` signs in with a second factor."""
    device = device_of(user)
    return device is not None and device.confirmed_at is not None


def codes_left(user: User) -> int:
    """Unused recovery codes of ``user``."""
    return int(
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def begin_setup(user: User) -> TotpDevice:
    """A new secret waiting for its first code (an unconfirmed one is reused)."""
    device = device_of(user)
    if device is not None and device.confirmed_at is not None:
        raise TwoFactorError("La connexion en deux étapes est déjà activée.")
    if device is None:
        device = TotpDevice(user_id=user.id, secret=pyotp.random_base32())
        db.session.add(device)
        db.session.flush()
    return device


def provisioning_uri(user: User, device: TotpDevice) -> str:
    """The ``otpauth://`` URI an authenticator application reads."""
    issuer = str(current_app.config["SITE_NAME"])
    return pyotp.TOTP(device.secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG, drawn here (no external service)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="Code QR à scanner")
    return Markup(svg)  # noqa: S704 - segno's own SVG, the URI is escaped by it


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _new_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    db.session.flush()
    return codes


def _audit(user: User, action: str) -> None:
    audit.record(
        user, action, target_type="user", target_id=user.id, target_label=user.display_name
    )


def _totp_step(device: TotpDevice, code: str) -> int | None:
    """The time step ``code`` is valid for (one step of drift allowed), if any."""
    code = code.replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp, now = pyotp.TOTP(device.secret), int(time.time())
    for drift in (0, -1, 1):
        step = now // totp.interval + drift
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_setup(user: User, code: str) -> list[str]:
    """Turn the second factor on once a first code is right; returns the recovery codes."""
    device = device_of(user)
    if device is None or device.confirmed_at is not None:
        raise TwoFactorError("Recommencez l'activation depuis la page Sécurité.")
    step = _totp_step(device, code)
    if step is None:
        raise TwoFactorError("Ce code n'est pas le bon : vérifiez l'heure de votre téléphone.")
    device.confirmed_at, device.last_step = db.utcnow(), step
    codes = _new_codes(user)
    _audit(user, "twofactor.enable")
    return codes


def regenerate_codes(user: User) -> list[str]:
    """New recovery codes (the old ones stop working)."""
    if not is_enabled(user):
        raise TwoFactorError("La connexion en deux étapes n'est pas activée.")
    codes = _new_codes(user)
    _audit(user, "twofactor.codes")
    return codes


def disable(user: User) -> None:
    """Turn the second factor off (the caller checked a code and the role allows it)."""
    device = device_of(user)
    if device is None:
        raise TwoFactorError("La connexion en deux étapes n'est pas activée.")
    db.session.delete(device)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    _audit(user, "twofactor.disable")


def _throttled(user: User) -> bool:
    cfg = current_app.config
    window = timedelta(seconds=int(cfg["LOGIN_WINDOW_SECONDS"]))
    return count_events(BUCKET, str(user.id), window) >= int(cfg["TWO_FACTOR_MAX_FAILURES"])


def verify(user: User, code: str) -> str:
    """Check a TOTP or recovery code: ``"totp"`` or ``"recovery"``; failures are recorded and
    throttled (:class:`TwoFactorError`). A code is never accepted twice."""
    if _throttled(user):
        raise TwoFactorError(
            "Trop de codes erronés. Par sécurité, réessayez dans quelques minutes."
        )
    device = device_of(user)
    if device is not None and device.confirmed_at is not None:
        step = _totp_step(device, code)
        if step is not None and step > device.last_step:
            device.last_step = step
            clear_events(BUCKET, str(user.id))
            db.session.flush()
            return "totp"
    if len(code.replace("-", "").strip()) == 10:
        used = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash(code),
                RecoveryCode.used_at.is_(None),
            )
        )
        if used is not None:
            used.used_at = db.utcnow()
            clear_events(BUCKET, str(user.id))
            _audit(user, "twofactor.recovery")
            return "recovery"
    record_event(BUCKET, str(user.id))
    raise TwoFactorError("Code incorrect.")


def send_change_notice(user: User, action: str) -> None:
    """Tell the person their second factor changed (after commit)."""
    mail.send_template(
        user.email,
        CHANGES[action],
        "identity/mail/twofactor_change",
        user=user,
        change=CHANGES[action],
        link=mail.absolute_url("identity.security"),
    )


def try_code(user: User, code: str) -> str | TwoFactorError:
    """:func:`verify`, with a wrong code returned instead of raised, so that its failure stays
    recorded for the throttle when the request commits."""
    try:
        return verify(user, code)
    except TwoFactorError as exc:
        return exc


def account(user_id: int) -> User | None:
    """The account half-way through signing in."""
    return db.session.get(User, user_id)
