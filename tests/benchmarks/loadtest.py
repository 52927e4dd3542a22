"""HTTP load tools for the benchmarks: gunicorn servers, ``wrk`` runs, peak RSS per worker.

``wrk`` (Debian's package) drives the load; a Lua ``done`` hook prints the latency percentiles
and error counts as JSON, so no number is scraped from human-readable output.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

WRK_SCRIPT = r"""
local headers_text = os.getenv("WRK_HEADERS") or ""
for line in string.gmatch(headers_text, "[^\n]+") do
  local k, v = string.match(line, "^([^:]+):%s*(.*)$")
  if k then wrk.headers[k] = v end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local out = string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d,' ..
    ' "p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect": %d, "read": %d, "write": %d,' ..
    ' "status": %d, "timeout": %d}',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout)
  io.stderr:write("WRKJSON " .. out .. "\n")
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running gunicorn: its base URL, master pid and the pids of its workers."""

    url: str
    process: subprocess.Popen[bytes]
    peak_rss_kib: dict[int, int] = field(default_factory=dict)
    #: Largest current RSS of one worker since :meth:`reset_window`.
    window_rss_kib: int = 0

    def reset_window(self) -> None:
        self.window_rss_kib = 0

    def worker_pids(self) -> list[int]:
        try:
            out = subprocess.run(
                ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
            ).stdout
        except FileNotFoundError:  # pragma: no cover - procps is on Debian
            return []
        return [int(p) for p in out.split()]

    def sample_rss(self) -> None:
        """Record each worker's peak resident memory (``VmHWM``, kernel-tracked high water)."""
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    kib = int(line.split()[1])
                    self.peak_rss_kib[pid] = max(self.peak_rss_kib.get(pid, 0), kib)
                elif line.startswith("VmRSS:"):
                    self.window_rss_kib = max(self.window_rss_kib, int(line.split()[1]))


@contextmanager
def gunicorn(
    app_spec: str,
    env: Mapping[str, str],
    *,
    workers: int = 2,
    port: int | None = None,
    chdir: Path = ROOT,
    health: str = "/healthz",
) -> Iterator[Server]:
    """Start ``gunicorn --workers N`` on ``app_spec`` (the README's deployment settings)."""
    port = port or free_port()
    fd, log_name = tempfile.mkstemp(prefix="gunicorn-", suffix=".log")
    log = os.fdopen(fd, "wb")
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(chdir),
        "--log-level",
        "warning",
        app_spec,
    ]
    process = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(server.url + health, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {Path(log_name).read_text()[-2000:]}")
            time.sleep(0.2)
        yield server
    finally:
        server.sample_rss()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(
            "wrk est introuvable : `apt-get install wrk` (ou `make bench`, qui l'installe)."
        )
    return path


def wrk(
    url: str,
    *,
    connections: int = 8,
    duration: float = 10.0,
    threads: int = 2,
    headers: Mapping[str, str] | None = None,
    server: Server | None = None,
) -> dict[str, float]:
    """Run ``wrk`` against ``url``; returns requests/s, p50/p95/p99 (ms) and errors."""
    fd, script_name = tempfile.mkstemp(suffix=".lua")
    os.close(fd)
    Path(script_name).write_text(WRK_SCRIPT)
    env = {**os.environ, "WRK_HEADERS": "\n".join(f"{k}: {v}" for k, v in (headers or {}).items())}
    cmd = [
        require_wrk(),
        "-t",
        str(min(threads, connections)),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        script_name,
        url,
    ]
    process = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    while process.poll() is None:  # sample worker memory while the load runs
        if server is not None:
            server.sample_rss()
        time.sleep(0.5)
    _out, err = process.communicate()
    os.unlink(script_name)
    line = next((x for x in err.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed on {url}: {err[-1000:]}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "requests": raw["requests"],
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": errors,
        "non_2xx_3xx": raw["status"],
    }
