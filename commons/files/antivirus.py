"""Optional antivirus check through ClamAV's daemon (``clamd``), off by default.

Set ``FILES_CLAMD`` to the daemon's Unix socket (``/run/clamav/clamd.ctl``) or to ``host:port``
(``127.0.0.1:3310``): every upload is then streamed to it with the ``INSTREAM`` command of its
documented protocol before it is stored. A file it reports is refused; when the daemon is
configured but unreachable, uploads are refused too (fail closed) rather than stored unchecked.
"""

from __future__ import annotations

import socket
import struct
from pathlib import Path

from .intake import FileRefused

CHUNK = 64 * 1024
TIMEOUT = 30.0


def _connect(address: str) -> socket.socket:
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect(address)
        return sock
    host, _, port = address.rpartition(":")
    return socket.create_connection((host or "127.0.0.1", int(port)), timeout=TIMEOUT)


def scan(path: Path, address: str) -> None:
    """Send the file to clamd; :class:`FileRefused` if it finds something or cannot answer."""
    if not address:
        return
    try:
        with _connect(address) as sock, path.open("rb") as fh:
            sock.sendall(b"zINSTREAM\0")
            while chunk := fh.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0") and (data := sock.recv(4096)):
                reply += data
    except (OSError, ValueError) as exc:
        raise FileRefused(
            "L'analyse antivirus est indisponible : réessayez plus tard ou prévenez l'équipe."
        ) from exc
    answer = reply.rstrip(b"\0").decode("utf-8", "replace")
    if answer.endswith("FOUND"):
        raise FileRefused("L'antivirus a détecté un contenu malveillant : fichier refusé.")
    if not answer.endswith("OK"):
        raise FileRefused(
            "L'analyse antivirus n'a pas abouti : réessayez plus tard ou prévenez l'équipe."
        )
