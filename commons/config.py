"""Settings: documented defaults, then ``instance/config.py``, then ``COMMONS_*`` variables.

Every setting below is documented in the README ("Configuration"). Environment variables use the
``COMMONS_`` prefix: ``COMMONS_DATABASE_URL`` sets ``DATABASE_URL``. Values that look like
integers or booleans are converted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: The placeholder key: refused outside debug and testing.
DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class Defaults:
    """Documented defaults. Paths that are ``None`` are derived from the instance folder."""

    SECRET_KEY = DEFAULT_SECRET_KEY
    #: SQLAlchemy URL; ``None`` means ``sqlite:///<instance>/commons.db``.
    DATABASE_URL: str | None = None
    #: Echo SQL statements (debugging).
    DATABASE_ECHO = False
    #: SQLite busy timeout, in milliseconds.
    SQLITE_BUSY_TIMEOUT_MS = 15000
    #: ``whoosh`` (embedded) or ``postgres``.
    SEARCH_BACKEND = "whoosh"
    #: Whoosh index folder; ``None`` means ``<instance>/search``.
    SEARCH_INDEX_DIR: str | None = None
    #: Mail: ``console`` (log), ``file`` (one .eml per message in MAIL_FILE_DIR) or ``smtp``.
    #: ``None`` means ``smtp`` when ``MAIL_SMTP_HOST`` is set, else ``file``.
    MAIL_BACKEND: str | None = None
    MAIL_FILE_DIR: str | None = None
    MAIL_SENDER = "Commons <ne-pas-repondre@commons.localhost>"
    MAIL_SMTP_HOST = ""
    MAIL_SMTP_PORT = 25
    MAIL_SMTP_USER = ""
    MAIL_SMTP_PASSWORD = ""
    MAIL_SMTP_STARTTLS = False
    #: Seconds an SMTP connection may take; a slow server delays only the outbox worker.
    MAIL_SMTP_TIMEOUT = 10
    #: Outbox: attempts before a message is given up, and the first retry delay (doubled
    #: after each failure, at most six hours).
    MAIL_MAX_ATTEMPTS = 10
    MAIL_RETRY_SECONDS = 60
    #: The worker that served a request delivers its messages once the response is sent;
    #: ``False``: only ``commons mail send --watch`` delivers (a dedicated process).
    MAIL_DELIVER_AFTER_REQUEST = True
    #: Public base URL used in emails and citations (no trailing slash).
    BASE_URL = "http://127.0.0.1:5000"
    #: Name shown in the interface and in citations.
    SITE_NAME = "Commons"
    #: Accessibility statement (``/accessibilite``): who runs the instance, the address (e-mail
    #: or URL of a contact form) and the postal address where to report an accessibility barrier.
    ACCESSIBILITY_ORGANISATION = ""
    ACCESSIBILITY_CONTACT = ""
    ACCESSIBILITY_POSTAL_ADDRESS = ""
    #: Cookie security: ``None`` means ``True`` when ``BASE_URL`` is https (secure by default
    #: in production), ``False`` otherwise; set a boolean to force either.
    SESSION_COOKIE_SECURE: bool | None = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE: bool | None = None
    #: Strict-Transport-Security max-age in seconds; ``None`` means one year when ``BASE_URL``
    #: is https and none otherwise (``0`` turns it off).
    HSTS_SECONDS: int | None = None
    REMEMBER_COOKIE_DURATION_DAYS = 30
    #: CSRF on every form (Flask-WTF).
    WTF_CSRF_ENABLED = True
    #: A form stays valid 24 h: above the 20 h under which RGAA 13.1 / WCAG 2.2.1 ask for a way
    #: to extend a time limit (a slow writer must not lose an answer).
    WTF_CSRF_TIME_LIMIT = 3600 * 24
    #: Page cache for anonymous visitors (see ``commons/pagecache/``): memory per process in
    #: MiB (``0`` disables it) and the longest time a page is served without being rendered again.
    PAGE_CACHE_MB = 32
    PAGE_CACHE_SECONDS = 300
    #: Upload/request size limit in bytes.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    #: Login throttling: failures allowed per account and per address in the window.
    LOGIN_MAX_FAILURES_ACCOUNT = 5
    LOGIN_MAX_FAILURES_ADDRESS = 20
    LOGIN_WINDOW_SECONDS = 900
    #: Anonymous requests that send mail (registration, password reset, confirmation link):
    #: allowed per address and per client address within the window (in the database).
    MAIL_ACTIONS_PER_ADDRESS = 3
    MAIL_ACTIONS_PER_CLIENT = 20
    MAIL_ACTIONS_WINDOW_SECONDS = 3600
    #: Markdown previews per person per minute, searches per client address per minute.
    PREVIEWS_PER_MINUTE = 20
    SEARCHES_PER_MINUTE = 120
    #: A signed-in session unused for this many days is closed (see « Mes sessions »).
    SESSION_IDLE_DAYS = 14
    #: Password reset token validity, in seconds.
    PASSWORD_RESET_MAX_AGE = 3600
    #: Validity of the link that confirms a new e-mail address, in seconds.
    EMAIL_CHANGE_MAX_AGE = 86400
    #: Argon2id parameters (OWASP: m=19 MiB, t=2, p=1).
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_KIB = 19456
    ARGON2_PARALLELISM = 1
    #: Small peer groups: default and hard maximum member count.
    GROUP_DEFAULT_CAP = 12
    GROUP_MAX_CAP = 30
    #: Forum flood limit: messages per person per minute (shared by all workers, in the DB).
    FORUM_POSTS_PER_MINUTE = 6
    #: Show demo accounts on the login page (make run sets it with demo content).
    SHOW_DEMO_ACCOUNTS = False
    #: Import of another instance's export (admin page and ``commons import``): upload size,
    #: total uncompressed size, number of files, and compression ratio above which an entry
    #: is refused as a zip bomb.
    IMPORT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024
    IMPORT_MAX_TOTAL_BYTES = 1024 * 1024 * 1024
    IMPORT_MAX_ENTRIES = 100_000
    IMPORT_MAX_RATIO = 100
    #: ProConnect (OpenID Connect): off while the discovery URL or the client id is empty.
    #: Integration: https://fca.integ01.dev-agentconnect.fr/api/v2/.well-known/openid-configuration
    #: Production: https://auth.agentconnect.gouv.fr/api/v2/.well-known/openid-configuration
    PROCONNECT_DISCOVERY_URL = ""
    PROCONNECT_CLIENT_ID = ""
    PROCONNECT_CLIENT_SECRET = ""
    PROCONNECT_SCOPES = (
        "openid email given_name usual_name uid siret "
        "organizational_unit belonging_population phone"
    )
    #: Space-separated ``acr_values`` asked for (empty: none), e.g. ``eidas1``.
    PROCONNECT_ACR_VALUES = ""
    #: A generic OpenID Connect provider (regional or departmental), same settings, its label.
    OIDC_LABEL = "Se connecter avec mon fournisseur d'identité"
    OIDC_DISCOVERY_URL = ""
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""
    OIDC_SCOPES = "openid email profile"
    OIDC_ACR_VALUES = ""
    #: Clock skew tolerated on ID token times (seconds).
    OIDC_LEEWAY_SECONDS = 60
    #: ``acr`` values that count as a second factor already checked by the provider.
    OIDC_STRONG_ACR = (
        "eidas2 eidas3 https://proconnect.gouv.fr/assurance/self-asserted-2fa "
        "https://proconnect.gouv.fr/assurance/consistency-checked-2fa"
    )
    #: Network roles that must use two-factor sign-in (space-separated; empty: nobody).
    TWO_FACTOR_REQUIRED_ROLES = "admin facilitator"
    #: Wrong second-factor codes allowed per account in ``LOGIN_WINDOW_SECONDS``.
    TWO_FACTOR_MAX_FAILURES = 5
    #: Retention (days), applied by ``commons privacy purge`` and stated on the legal page:
    #: never-confirmed accounts, throttle events, messages kept by the ``file`` mail backend.
    RETENTION_UNCONFIRMED_DAYS = 30
    RETENTION_RATE_EVENTS_DAYS = 7
    RETENTION_MAIL_DAYS = 90
    #: Days between « Supprimer mon compte » and the erasure (a sign-in meanwhile cancels it).
    ACCOUNT_DELETION_GRACE_DAYS = 14


def _coerce(value: str) -> Any:
    low = value.strip().lower()
    if low in {"true", "yes", "on"}:
        return True
    if low in {"false", "no", "off"}:
        return False
    try:
        return int(value)
    except ValueError:
        return value


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the ``COMMONS_*`` variables as settings, prefix removed and values coerced."""
    environ = dict(os.environ if environ is None else environ)
    return {
        key.removeprefix("COMMONS_"): _coerce(value)
        for key, value in environ.items()
        if key.startswith("COMMONS_") and key != "COMMONS_INSTANCE_PATH"
    }


def finalise(config: dict[str, Any], instance_path: Path) -> None:
    """Derive paths from the instance folder and refuse an unsafe production configuration."""
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'commons.db'}"
    if not config.get("SEARCH_INDEX_DIR"):
        config["SEARCH_INDEX_DIR"] = str(instance_path / "search")
    if not config.get("MAIL_BACKEND"):
        config["MAIL_BACKEND"] = "smtp" if config.get("MAIL_SMTP_HOST") else "file"
    if not config.get("MAIL_FILE_DIR"):
        config["MAIL_FILE_DIR"] = str(instance_path / "mail")
    from datetime import timedelta

    config["REMEMBER_COOKIE_DURATION"] = timedelta(
        days=int(config["REMEMBER_COOKIE_DURATION_DAYS"])
    )
    https = str(config.get("BASE_URL", "")).lower().startswith("https://")
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if config.get(key) is None:
            config[key] = https
    if config.get("HSTS_SECONDS") is None:
        config["HSTS_SECONDS"] = 365 * 86400 if https else 0
    secret = config.get("SECRET_KEY")
    relaxed = config.get("DEBUG") or config.get("TESTING")
    if not relaxed and (not secret or secret == DEFAULT_SECRET_KEY):
        raise RuntimeError(
            "COMMONS_SECRET_KEY manquante ou laissée à sa valeur par défaut : "
            "définissez une clé secrète aléatoire avant de démarrer en production."
        )
