"""End-to-end harness: a real Commons server on demo content, driven by a real Chromium.

One server per session, on a fresh temporary instance folder (SQLite database, file mail
backend), loaded with the demo content. One browser per session; each test gets its own
browser context (cookies, storage), so two contexts can play two people at once.

Chromium is the system one (``/usr/bin/chromium``, or ``COMMONS_E2E_CHROMIUM``): browsers are
never downloaded. Helpers are exposed as fixtures (``login``, ``new_page``, ``mailbox``) because
the parent ``tests/conftest.py`` is also imported as a ``conftest`` module.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-commons-2026"
CHROMIUM = os.environ.get("COMMONS_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Default Playwright timeouts (ms): generous for a loaded CI machine, short enough to fail fast.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000
SERVER_START_TIMEOUT_S = 30.0

expect.set_options(timeout=ACTION_TIMEOUT_MS)


def poll(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05) -> object:
    """Call ``predicate`` until it returns something truthy; return it or raise on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met after {timeout:.0f} s")
        time.sleep(interval)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _commons_command() -> list[str]:
    """The ``commons`` console script of the running interpreter (fallback: through Python)."""
    script = Path(sys.executable).parent / "commons"
    if script.exists():
        return [str(script)]
    found = shutil.which("commons")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from commons.cli import main; sys.exit(main())"]


@dataclass
class Server:
    """The running test server."""

    base_url: str
    instance: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    #: The environment the server runs with (for CLI commands against the same instance).
    env: dict[str, str]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``commons ARGS`` against the server's instance (like cron would)."""
        return subprocess.run(
            _commons_command() + list(args),
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    @property
    def mail_dir(self) -> Path:
        return self.instance / "mail"

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local test server)
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


#: The OpenID Connect provider of the ProConnect journey (``oidc-provider-mock`` on loopback);
#: ``COMMONS_E2E_OIDC_PORT`` moves it, for two browser runs side by side on one machine.
OIDC_PORT = int(os.environ.get("COMMONS_E2E_OIDC_PORT", "5153"))


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Any]:
    from tests.oidc_provider import running_provider

    with running_provider(OIDC_PORT) as provider:
        yield provider


@pytest.fixture(scope="session")
def server(oidc_provider: Any) -> Iterator[Server]:
    """Migrate, load the demo content and run ``commons run`` on a free port (ProConnect on,
    against the local provider)."""
    instance = Path(tempfile.mkdtemp(prefix="commons-e2e-"))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COMMONS_", "FLASK_"))  # no stray settings from the developer shell
    }
    env.update(
        {
            "COMMONS_INSTANCE_PATH": str(instance),
            "COMMONS_SECRET_KEY": secrets.token_hex(32),
            "COMMONS_TESTING": "1",
            "COMMONS_MAIL_BACKEND": "file",
            "COMMONS_BASE_URL": base_url,
            "COMMONS_TWO_FACTOR_REQUIRED_ROLES": "",  # demo admins have no authenticator
            "COMMONS_PROCONNECT_DISCOVERY_URL": oidc_provider.discovery,
            "COMMONS_PROCONNECT_CLIENT_ID": "commons-e2e",
            "COMMONS_PROCONNECT_CLIENT_SECRET": "secret-e2e",
            "COMMONS_PROCONNECT_SCOPES": "openid email profile given_name usual_name siret",
            "PYTHONUNBUFFERED": "1",
            # The server runs the code of this checkout, not the one the venv was installed from.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
    )
    command = _commons_command()
    for args in (["db", "upgrade"], ["content", "load", "--demo"]):
        done = subprocess.run(
            command + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            pytest.fail(f"`commons {' '.join(args)}` a échoué :\n{done.stdout}\n{done.stderr}")

    log_path = instance / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command + ["run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    srv = Server(base_url=base_url, instance=instance, process=process, log_path=log_path, env=env)
    try:
        try:
            poll(
                lambda: process.poll() is not None or _healthy(base_url + "/healthz"),
                timeout=SERVER_START_TIMEOUT_S,
                interval=0.1,
            )
        except TimeoutError:
            pytest.fail(f"Le serveur n'a pas démarré :\n{srv.log()}")
        if process.poll() is not None:
            pytest.fail(f"Le serveur s'est arrêté au démarrage :\n{srv.log()}")
        yield srv
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(instance, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian `chromium` "
            "ou indiquez son chemin dans COMMONS_E2E_CHROMIUM (aucun navigateur n'est téléchargé)."
        )
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[Callable[[], Page]]:
    """Factory: a page in a brand-new browser context (another person, another device)."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(
            base_url=server.base_url, locale="fr-FR", timezone_id="Europe/Paris"
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """A page in a fresh browser context, French locale."""
    return new_page()


def login(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real form and wait until the header shows the logout button."""
    page.goto("/connexion")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


@pytest.fixture(name="login")
def login_fixture() -> Callable[..., None]:
    """``login(page, email, password=DEMO_PASSWORD)``."""
    return login


class Mailbox:
    """Reads the .eml files written by the file mail backend of the test server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[EmailMessage]:
        from commons.mail import read_outbox

        if not self.folder.exists():
            return []
        return read_outbox(self.folder)

    def newest(self, to: str, *, after: int = 0, timeout: float = 10.0) -> EmailMessage:
        """The newest message sent to ``to`` among those past the first ``after`` ones (waits)."""

        def find() -> EmailMessage | None:
            found = [m for m in self.messages()[after:] if to.lower() in str(m["To"]).lower()]
            return found[-1] if found else None

        try:
            return poll(find, timeout=timeout)  # type: ignore[return-value]
        except TimeoutError:
            sent = [(str(m["To"]), str(m["Subject"])) for m in self.messages()]
            raise AssertionError(f"Aucun courriel pour {to} ; envoyés : {sent}") from None

    def count(self) -> int:
        return len(self.messages())


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    assert part is not None, message
    return str(part.get_content())


def extract_link(message: EmailMessage, path_pattern: str) -> str:
    """The first absolute URL in the mail whose path matches ``path_pattern`` (a regex)."""
    body = text_of(message)
    match = re.search(r"https?://[^\s/<>\"]+" + path_pattern + r"[^\s<>\"]*", body)
    assert match, f"Aucun lien {path_pattern!r} dans :\n{body}"
    return match.group(0)


@pytest.fixture
def mailbox(server: Server) -> Mailbox:
    return Mailbox(server.mail_dir)


@pytest.fixture
def newest_link(mailbox: Mailbox) -> Callable[..., str]:
    """``newest_link(to, path_pattern, after=0)``: the link in the newest mail sent to ``to``."""

    def get(to: str, path_pattern: str, *, after: int = 0) -> str:
        return extract_link(mailbox.newest(to, after=after), path_pattern)

    return get


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """On failure, attach what the server logged during the test (tracebacks of 500s…)."""
    report = yield
    srv: Server | None = getattr(item, "_commons_server", None)
    start = getattr(item, "_commons_log_start", None)
    if report.failed and srv is not None and start is not None:
        with srv.log_path.open("rb") as log:
            log.seek(start)
            text = log.read().decode("utf-8", errors="replace")
        report.sections.append(("Journal du serveur pendant le test", text[-20_000:]))
    return report


@pytest.fixture(autouse=True)
def _server_log_marker(request: pytest.FixtureRequest) -> None:
    """Remember where the server log stood when a test using the server started."""
    if "server" in request.fixturenames:
        srv: Server = request.getfixturevalue("server")
        request.node._commons_server = srv
        request.node._commons_log_start = srv.log_path.stat().st_size
