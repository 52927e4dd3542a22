"""Commons: a knowledge commons shared between French local authorities."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import config as settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, instance folder, then ``init_app`` of each part."""
    instance = os.environ.get("COMMONS_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance or None, instance_relative_config=True)
    app.config.from_object(settings.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.from_environment())
    app.config.update(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settings.finalise(app.config, Path(app.instance_path))

    from . import (
        a11y,
        accounts,
        audit,
        caching,
        collectivites,
        dates,
        db,
        export,
        files,
        forum,
        groups,
        identity,
        licensing,
        lifecycle,
        mail,
        moderation,
        navigation,
        notifications,
        pagecache,
        params,
        publication,
        search,
        security,
        sessions,
        site,
        wiki,
    )

    parts = (
        params,  # first: the id converter must exist before any route is added
        db,
        lifecycle,  # after db: its after_request (the commit) runs after the features'
        dates,
        audit,
        search,
        security,
        mail,
        navigation,
        site,
        a11y,
        caching,
        pagecache,
        wiki,
        files,
        forum,
        accounts,
        identity,
        collectivites,
        groups,
        licensing,
        notifications,
        moderation,
        publication,
        sessions,
        export,
    )
    for part in parts:
        part.init_app(app)
    from . import cli

    cli.init_app(app)
    return app
