"""Play the main journeys of Commons with a real screen reader (Orca) and record what it says.

    make a11y-sr       # every journey, transcripts in docs/accessibilite/lecteur-ecran/
    python -m tests.a11y.screenreader --only connexion-erreur --out /tmp/sr

A Commons server runs on demo content in a temporary instance folder (or ``--url`` points to a
running one), a throw-away desktop (``desktop.py``) runs Orca and Chromium, the journeys
(``journeys.py``) press real keys and check the words Orca speaks; on each page the AT-SPI tree
is read (``atspi_tree.py``): every link, button and field must carry a name. Exit status 1 when
an expectation fails or a control has no name. Needs the Debian packages orca, xvfb,
at-spi2-core, speech-dispatcher, espeak-ng, dbus-x11, xdotool, python3-pyatspi and chromium, and
the fr_FR.UTF-8 locale for French speech (see docs/accessibilite/README.md). Not run in CI.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from tests.a11y import atspi_tree
from tests.a11y.desktop import Desktop, french_locale, open_desktop, versions
from tests.a11y.journeys import JOURNEYS, TITLES

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "accessibilite" / "lecteur-ecran"
DEMO_PASSWORD = "demo-commons-2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(instance: Path, port: int) -> subprocess.Popen[bytes]:
    """``commons db upgrade``, ``content load --demo`` and ``commons run`` on ``port``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMONS_", "FLASK_"))}
    env |= {
        "COMMONS_INSTANCE_PATH": str(instance),
        "COMMONS_SECRET_KEY": secrets.token_hex(32),
        "COMMONS_TESTING": "1",
        "COMMONS_MAIL_BACKEND": "file",
        "COMMONS_BASE_URL": f"http://127.0.0.1:{port}",
        "COMMONS_TWO_FACTOR_REQUIRED_ROLES": "",
        "PYTHONPATH": str(ROOT),
    }
    commons = [sys.executable, "-c", "import sys; from commons.cli import main; sys.exit(main())"]
    for args in (["db", "upgrade"], ["content", "load", "--demo"]):
        subprocess.run(commons + args, cwd=ROOT, env=env, check=True, capture_output=True)
    log = (instance / "server.log").open("wb")
    server = subprocess.Popen(
        commons + ["run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("le serveur Commons n'a pas démarré")


class Run:
    """One journey: actions, what Orca said, expectations, AT-SPI checks."""

    def __init__(self, desktop: Desktop, page: Page, base_url: str) -> None:
        self.desktop, self.page, self.base_url = desktop, page, base_url
        self.lines: list[str] = []
        self.failures: list[str] = []
        self.step = 0

    def _record(self, action: str, said: list[str], expect: tuple[str, ...]) -> None:
        self.step += 1
        self.lines.append(f"{self.step}. {action}")
        for utterance in said or ["(silence)"]:
            self.lines.append(f"   Orca : « {utterance} »")
        spoken = " ".join(said).lower()
        for piece in expect:
            ok = piece.lower() in spoken
            self.lines.append(f"   attendu « {piece} » : {'oui' if ok else 'NON'}")
            if not ok:
                self.failures.append(f"étape {self.step} ({action}) : « {piece} » non entendu")

    def goto(self, path: str, expect: tuple[str, ...] = ()) -> None:
        self.desktop.mark()
        with self.page.expect_navigation():  # as a person does: Ctrl+L, the address, Entrée
            self.desktop.keys("ctrl+l")
            self.desktop.type(self.base_url + path)
            self.desktop.keys("Return")
        self.page.wait_for_load_state()
        said = self.desktop.said(settle=1.0, timeout=20, until="La page possède")
        typed = self.base_url + path
        said = [u for u in said if typed not in u and "sélection" not in u]  # the address bar
        self._record(f"Ctrl+L, saisir l'adresse {path}, Entrée", said, expect)

    def keys(self, *keys: str, expect: tuple[str, ...] = ()) -> None:
        self.desktop.mark()
        self.desktop.keys(*keys)
        self._record("Touche " + " ".join(keys), self.desktop.said(), expect)

    def type(self, text: str, expect: tuple[str, ...] = ()) -> None:
        self.desktop.mark()
        self.desktop.type(text)
        said = self.desktop.said(settle=1.2 if expect else 0.8, timeout=8 if expect else 3)
        self._record(f"Saisir « {text} »", said, expect)

    def focus(self, selector: str, expect: tuple[str, ...] = ()) -> None:
        self.desktop.mark()
        self.page.locator(selector).first.focus()
        self._record(
            f"Focus placé sur {selector} (raccourci du script)", self.desktop.said(), expect
        )

    def check_title(self, prefix: str) -> None:
        title = self.page.title()
        ok = title.startswith(prefix)
        self.lines.append(f"   titre de la page : « {title} » ({'oui' if ok else 'NON'})")
        if not ok:
            self.failures.append(f"titre « {title} » sans « {prefix} »")

    def login(self, email: str) -> None:
        """Log in through the form (preparation, not part of the transcript)."""
        self.page.goto(self.base_url + "/connexion")
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Se connecter", exact=True).click()
        self.page.get_by_role("button", name="Se déconnecter").wait_for()
        self.desktop.said(settle=1.0, timeout=4)
        self.lines.append(f"(préparation : connexion de {email} par le formulaire)")

    def tree(self) -> None:
        """AT-SPI objects of the page: every control must have a name."""
        title = self.page.title()
        for attempt in range(4):  # Orca may still be walking the new page: try again
            try:
                nodes = atspi_tree.read(self.desktop.env, title)
                break
            except LookupError as error:
                if attempt == 3:
                    self.failures.append(str(error))
                    return
                time.sleep(2)
        unnamed = atspi_tree.problems(nodes)
        self.lines.append(
            f"   arbre AT-SPI de « {title} » : {len(nodes)} objets interactifs, "
            f"{len(unnamed)} sans nom"
        )
        self.lines.extend(f"     - {node.line()}" for node in nodes)
        self.failures.extend(f"sans nom dans « {title} » : {n.line()}" for n in unnamed)


def header(name: str, doc: str, info: dict[str, str]) -> list[str]:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"Parcours au lecteur d'écran : {name}",
        doc.strip(),
        "",
        f"Date : {stamp}",
        "Environnement : " + ", ".join(f"{k} {v}" for k, v in info.items()),
        "Méthode : tests/a11y/screenreader.py (make a11y-sr) — Orca lit Chromium par AT-SPI ;",
        "touches réelles (xdotool) ; texte relevé dans le journal « speech » d'Orca (ce qu'Orca",
        "envoie à la synthèse vocale) ; l'arbre AT-SPI est relu sur chaque page visitée.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="un Commons déjà lancé (sinon un serveur de démo)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="*", choices=sorted(JOURNEYS))
    parser.add_argument("--port", type=int, default=0, help="port du serveur de démo")
    parser.add_argument("--cdp-port", type=int, default=0, help="port de débogage de Chromium")
    args = parser.parse_args(argv)
    if french_locale() != "fr_FR.UTF-8":  # the expected words are Orca's French ones
        print(
            "La locale fr_FR.UTF-8 manque (Orca parlerait anglais) : activez-la dans "
            "/etc/locale.gen puis lancez locale-gen.",
            file=sys.stderr,
        )
        return 2
    info = versions()
    work = Path(tempfile.mkdtemp(prefix="commons-sr-"))
    server = None
    if args.url:
        base_url = args.url.rstrip("/")
    else:
        (work / "instance").mkdir()
        port = args.port or _free_port()
        server = start_server(work / "instance", port)
        base_url = f"http://127.0.0.1:{port}"
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[str]] = {}
    try:
        for name in args.only or list(JOURNEYS):
            results[name] = play(name, base_url, args.out, info, work, args.cdp_port)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    failed = {name: f for name, f in results.items() if f}
    for name, failures in results.items():
        print(f"{name} : {'ÉCHEC' if failures else 'ok'}")
        for failure in failures:
            print(f"  - {failure}")
    if failed:  # Orca's debug log, Chromium's and the server's logs, for the post-mortem
        print(f"Journaux : {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def play(
    name: str, base_url: str, out: Path, info: dict[str, str], work: Path, cdp_port: int
) -> list[str]:
    """One journey in a fresh desktop (new Orca, new browser profile): its failures."""
    journey = JOURNEYS[name]
    desktop = open_desktop("about:blank", cdp_port or _free_port(), keep=work / name)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.connect_over_cdp(f"http://127.0.0.1:{desktop.cdp_port}")
            page: Any = browser.contexts[0].pages[0]
            page.set_default_timeout(15_000)
            desktop.said(settle=1.0, timeout=4)
            run = Run(desktop, page, base_url)
            try:
                journey(run)
            except Exception as error:  # noqa: BLE001 - reported as a failure of the journey
                run.failures.append(f"interrompu : {type(error).__name__}: {error}")
            browser.close()
    finally:
        desktop.close()
    lines = header(name, TITLES.get(name, journey.__doc__ or ""), info) + run.lines
    lines += [
        "",
        "Résultat : "
        + ("ÉCHEC" if run.failures else "toutes les attentes entendues, aucun contrôle sans nom"),
    ]
    lines += [f"  - {failure}" for failure in run.failures]
    (out / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run.failures


if __name__ == "__main__":
    sys.exit(main())
