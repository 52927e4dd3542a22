"""Attachments: files that come with a REX (see ``models.py`` and ``views.py``).

Settings (defaults below, ``COMMONS_FILES_*`` in the environment, documented in the README).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

DEFAULTS = {
    #: ``local`` (the instance folder) or ``module:factory`` returning a ``Storage``.
    "FILES_STORAGE": "local",
    "FILES_DIR": None,  # <instance>/files
    "FILES_TMP_DIR": None,  # <FILES_DIR>/tmp
    "FILES_MAX_BYTES": 20 * 1024 * 1024,
    "FILES_MAX_PER_REX": 50,
    "FILES_MAX_PER_REX_BYTES": 100 * 1024 * 1024,
    "FILES_MAX_PER_PERSON_BYTES": 500 * 1024 * 1024,
    "FILES_MAX_PIXELS": 40_000_000,
    "FILES_MAX_SIDE": 4000,
    #: ClamAV daemon: Unix socket path or ``host:port``; empty: no antivirus.
    "FILES_CLAMD": "",
}


def init_app(app: Flask) -> None:
    """Settings, the store, the routes and hooks."""
    from . import cli, storage, views

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    if not app.config["FILES_DIR"]:
        app.config["FILES_DIR"] = str(Path(app.instance_path) / "files")
    if not app.config["FILES_TMP_DIR"]:
        app.config["FILES_TMP_DIR"] = str(Path(app.config["FILES_DIR"]) / "tmp")
    app.extensions[storage.EXTENSION] = storage.build(app)
    views.init_app(app)
    app.cli.add_command(cli.files_group)
