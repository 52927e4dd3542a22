"""Anonymous requests that send mail: registration, password reset, confirmation resend.

None of them tells whether an address has an account: the password is checked before the
address is looked up, the same page is answered, and the same work is done either way (the
password is hashed, a handle is chosen, a message is rendered; only its delivery differs, and it
happens after the response). They are throttled per address and per client address, in the
database so the limit holds across workers. Services flush only; the views commit, then hand the
returned message to :func:`commons.mail.deliver_after_response`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app

from .. import db, mail
from ..security import count_events, record_event
from ..text import single_line
from . import services
from .models import User
from .passwords import dummy_hash, hash_password, password_problem

BUCKET_ADDRESS = "mail-address"
BUCKET_CLIENT = "mail-client"
THROTTLED = (
    "Trop de demandes de courriel en peu de temps pour cette adresse ou depuis votre connexion. "
    "Patientez une heure avant de réessayer : vos informations sont conservées ci-dessous."
)


def mail_allowed(email: str, client: str) -> bool:
    """Whether one more mail-sending request for ``email`` from ``client`` is allowed; counts it
    when it is (flush only). Same answer whether or not the address has an account."""
    cfg = current_app.config
    window = timedelta(seconds=int(cfg["MAIL_ACTIONS_WINDOW_SECONDS"]))
    key = email.strip().lower()[:320]
    if count_events(BUCKET_ADDRESS, key, window) >= int(cfg["MAIL_ACTIONS_PER_ADDRESS"]):
        return False
    if count_events(BUCKET_CLIENT, client, window) >= int(cfg["MAIL_ACTIONS_PER_CLIENT"]):
        return False
    record_event(BUCKET_ADDRESS, key)
    record_event(BUCKET_CLIENT, client)
    return True


def check_password(password: str, *, email: str, name: str) -> None:
    """:class:`AccountError` when the password is refused, before any look-up of the address."""
    problem = password_problem(password, email=email.strip(), name=name)
    if problem:
        raise services.AccountError(problem)


@dataclass
class Registration:
    """Outcome of a registration: the new user (``None`` when the address was taken) and the
    message to deliver after the response (a confirmation, or a notice to the owner)."""

    user: User | None
    message: EmailMessage


def register(
    *, email: str, display_name: str, job_title: str, password: str, collectivite_id: int | None
) -> Registration:
    """Register an agent, unconfirmed (flush only). A taken address is not an error: its owner
    gets a notice instead of a confirmation, after the same work and with the same page."""
    email = email.strip()
    check_password(password, email=email, name=display_name)
    password_hash = hash_password(password)  # hashed whether or not the address is taken
    display_name = single_line(display_name)
    handle = services.unique_handle(display_name)
    existing = services.find_by_email(email)
    if existing is not None:
        link = mail.absolute_url("accounts.reset_request")
        notice = _render(existing, "Vous avez déjà un compte", "already_registered", link=link)
        return Registration(user=None, message=notice)
    user = User(
        email=email,
        email_key=email.lower(),
        display_name=display_name,
        handle=handle,
        job_title=single_line(job_title),
        collectivite_id=collectivite_id,
        password_hash=password_hash,
    )
    db.session.add(user)
    db.session.flush()
    return Registration(user=user, message=confirmation_message(user))


def request_reset(email: str) -> EmailMessage | None:
    """The reset message to deliver, or ``None`` for an unknown address (rendered all the same,
    for a stand-in account, so the work does not depend on the address)."""
    user = services.find_by_email(email)
    target = user or _stand_in(email)
    link = mail.absolute_url("accounts.reset_password", token=services.reset_token(target))
    message = _render(target, "Réinitialisation de votre mot de passe", "reset", link=link)
    return message if user is not None else None


def request_confirmation(email: str) -> EmailMessage | None:
    """A new confirmation link for an unconfirmed account, or ``None`` (unknown or already
    confirmed address: same work, nothing delivered)."""
    user = services.find_by_email(email)
    wanted = user is not None and user.email_confirmed_at is None
    message = confirmation_message(user if wanted and user else _stand_in(email))
    return message if wanted else None


def confirmation_message(user: User) -> EmailMessage:
    """The confirmation mail of ``user`` (rendered, not sent)."""
    link = mail.absolute_url("accounts.confirm", token=services.confirmation_token(user))
    return _render(user, "Confirmez votre adresse électronique", "confirm", link=link)


def _stand_in(email: str) -> User:
    """A transient account (never added to the session) to render the same mail for."""
    return User(id=0, email=email.strip(), display_name="", password_hash=dummy_hash())


def _render(user: User, subject: str, template: str, **context: object) -> EmailMessage:
    return mail.render_message(
        user.email, subject, f"accounts/mail/{template}", user=user, **context
    )
