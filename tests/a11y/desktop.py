"""A throw-away Linux desktop for a real screen reader: Xvfb, a D-Bus session, the AT-SPI bus,
Orca (speech through speech-dispatcher) and Chromium with its accessibility tree switched on.

Everything lives in one temporary folder (HOME, XDG_RUNTIME_DIR, Orca settings, Chromium
profile) and every process started here is stopped by ``Desktop.close`` (by its own id).

What Orca says is captured from Orca itself: ``orca-customizations.py`` (loaded by Orca at
start) adds a file handler to Orca's ``speech`` logger, which receives every utterance Orca
hands to the speech server (the same text a person hears). Audio is not needed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

#: Loaded by Orca at start: speech to a file, no « say all » on page load, no key echo.
ORCA_CUSTOMIZATIONS = """\
import logging
import os

import orca.debug
import orca.settings

_path = os.environ.get("COMMONS_SR_SPEECH_LOG")
if _path:
    _handler = logging.FileHandler(_path, encoding="utf-8")
    _handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger("speech").addHandler(_handler)
if orca.debug.debugFile:  # the debug log line by line (it is read while Orca runs)
    orca.debug.debugFile.reconfigure(line_buffering=True)
orca.settings.sayAllOnLoad = False
orca.settings.enableKeyEcho = False
orca.settings.enableEchoByCharacter = False
orca.settings.enableEchoByWord = False
"""

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--test-type",  # no « unsupported command-line flag » infobar
    "--force-renderer-accessibility",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate,TranslateUI",
    "--password-store=basic",
    "--window-position=0,0",
    "--window-size=1280,1000",
]

SPEECH = re.compile(r"^SPEECH OUTPUT: '(.*)'(?: ?\{.*\}| voice=\w+)?$")


def _wait(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"{what}: rien après {timeout:.0f} s")


def french_locale() -> str:
    """fr_FR.UTF-8 when the machine has it (Orca then speaks French), else C.UTF-8."""
    done = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    names = {name.lower().replace("-", "") for name in done.stdout.split()}
    return "fr_FR.UTF-8" if "fr_fr.utf8" in names else "C.UTF-8"


def versions() -> dict[str, str]:
    """Versions of the pieces of the test environment (for the transcripts)."""

    def run(*command: str) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        text = (done.stdout or done.stderr).strip()
        return text.splitlines()[0] if text else "?"

    def deb(package: str) -> str:
        return run("dpkg-query", "-W", "-f=${Version}", package)

    return {
        "Orca": run("orca", "--version"),
        "Chromium": run("chromium", "--version").split(" built")[0].removeprefix("Chromium "),
        "at-spi2-core": deb("at-spi2-core"),
        "speech-dispatcher": deb("speech-dispatcher"),
        "espeak-ng": deb("espeak-ng"),
        "Xvfb": deb("xvfb"),
        "système": run("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
    }


@dataclass
class Desktop:
    """The running desktop; ``env`` is what a client of the AT-SPI bus needs (DISPLAY, D-Bus)."""

    root: Path
    env: dict[str, str]
    cdp_port: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    speech_log: Path = Path()
    _offset: int = 0

    # -- speech ---------------------------------------------------------------------------
    def mark(self) -> None:
        """Forget what was said so far (the next ``said`` starts here)."""
        self._offset = self.speech_log.stat().st_size if self.speech_log.exists() else 0

    def _since_mark(self) -> list[str]:
        with self.speech_log.open("rb") as handle:
            handle.seek(self._offset)
            text = handle.read().decode("utf-8", errors="replace")
        lines = []
        for line in text.splitlines():
            match = SPEECH.match(line.strip())
            if match and match.group(1).strip():
                lines.append(match.group(1).strip())
        return lines

    def said(self, settle: float = 1.2, timeout: float = 8.0, until: str = "") -> list[str]:
        """Utterances since the last ``mark``, once Orca has been silent for ``settle`` s (and,
        with ``until``, once it has said that)."""
        deadline = time.monotonic() + timeout
        last_size, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            size = self.speech_log.stat().st_size if self.speech_log.exists() else 0
            if size != last_size:
                last_size, quiet_since = size, time.monotonic()
            elif (
                size > self._offset
                and time.monotonic() - quiet_since >= settle
                and (not until or any(until in u for u in self._since_mark()))
            ):
                break
            time.sleep(0.1)
        lines = self._since_mark()
        self._offset = self.speech_log.stat().st_size
        return lines

    # -- keyboard (real X key events, seen by Orca and by Chromium) -----------------------
    def keys(self, *keys: str, pause: float = 0.35) -> None:
        """Press keys (xdotool names: Tab, shift+Tab, Return, h, Insert+a…) one after another."""
        self._focus_browser()
        for key in keys:
            subprocess.run(["xdotool", "key", "--delay", "60", key], env=self.env, check=True)
            time.sleep(pause)

    def type(self, text: str) -> None:
        """Type text with real key events (ASCII only: the virtual keyboard map is US)."""
        self._focus_browser()
        subprocess.run(["xdotool", "type", "--delay", "40", text], env=self.env, check=True)

    def _focus_browser(self) -> None:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--class", "chromium"],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        windows = found.stdout.split()
        if windows:
            subprocess.run(
                ["xdotool", "windowfocus", "--sync", windows[-1]], env=self.env, check=False
            )

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, what: list[str], log: str, **extra: str) -> subprocess.Popen[bytes]:
        handle = (self.root / log).open("wb")
        process = subprocess.Popen(
            what, env=self.env | extra, stdout=handle, stderr=subprocess.STDOUT, cwd=self.root
        )
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        pid_file = self.root / "run" / "speech-dispatcher" / "pid" / "speech-dispatcher.pid"
        if pid_file.is_file():  # spawned by Orca's speech client, in our runtime folder
            with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
                os.kill(int(pid_file.read_text().strip()), 15)


def _silent_speech_dispatcher(home: Path) -> None:
    """speech-dispatcher (spawned by Orca) speaks to ALSA's null device: no sound card needed,
    and utterances end at once instead of failing on a missing PulseAudio."""
    config = home / ".config" / "speech-dispatcher"
    if not config.exists():
        shutil.copytree("/etc/speech-dispatcher", config)
    with (config / "speechd.conf").open("a", encoding="utf-8") as handle:
        handle.write('\nAudioOutputMethod "alsa"\nAudioALSADevice "default"\n')
    (home / ".asoundrc").write_text("pcm.!default { type null }\n")


def open_desktop(url: str, cdp_port: int, keep: Path | None = None) -> Desktop:
    """Start Xvfb, D-Bus, the AT-SPI bus, Orca and Chromium on ``url``; return the desktop."""
    for tool in ("Xvfb", "dbus-daemon", "orca", "chromium", "xdotool"):
        if not shutil.which(tool):
            raise SystemExit(
                f"{tool} introuvable : apt-get install orca xvfb at-spi2-core speech-dispatcher "
                "espeak-ng dbus-x11 xdotool python3-pyatspi chromium"
            )
    root = keep or Path(tempfile.mkdtemp(prefix="commons-sr-"))
    (root / "home" / ".local/share/orca").mkdir(parents=True, exist_ok=True)
    (root / "run").mkdir(mode=0o700, exist_ok=True)
    (root / "home/.local/share/orca/orca-customizations.py").write_text(ORCA_CUSTOMIZATIONS)
    profile = root / "chromium" / "Default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "Preferences").write_text(json.dumps({"translate": {"enabled": False}}))
    _silent_speech_dispatcher(root / "home")
    locale = french_locale()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root / "home"),
        "XDG_RUNTIME_DIR": str(root / "run"),
        "LANG": locale,
        "LANGUAGE": "fr" if locale.startswith("fr") else "",
        "LC_ALL": locale,
        "NO_AT_BRIDGE": "0",
        "COMMONS_SR_SPEECH_LOG": str(root / "speech.log"),
    }
    desktop = Desktop(root=root, env=env, cdp_port=cdp_port, speech_log=root / "speech.log")
    try:
        read, write = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        desktop.processes.append(xvfb)
        os.close(write)
        with os.fdopen(read) as pipe:
            env["DISPLAY"] = ":" + pipe.readline().strip()
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        desktop.processes.append(bus)
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        desktop.start(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"], "atspi.log")
        time.sleep(1.0)
        desktop.start(
            ["orca", "--replace", "-d", "braille", "--debug-file", "orca-debug.log"], "orca.log"
        )
        _wait(
            lambda: desktop.speech_log.exists() and desktop.speech_log.stat().st_size,
            30,
            "Orca ne parle pas",
        )
        desktop.start(
            [
                "chromium",
                *CHROMIUM_FLAGS,
                f"--user-data-dir={root / 'chromium'}",
                f"--remote-debugging-port={cdp_port}",
                "--lang=fr-FR",
                url,
            ],
            "chromium.log",
        )

        def cdp_ready() -> bool:
            try:
                version = f"http://127.0.0.1:{cdp_port}/json/version"
                with urllib.request.urlopen(version, timeout=2) as response:  # noqa: S310
                    return bool(json.load(response))
            except OSError:
                return False

        _wait(cdp_ready, 30, "Chromium ne répond pas")
        time.sleep(2.0)
    except BaseException:
        desktop.close()
        raise
    return desktop
