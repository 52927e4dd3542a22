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
        audit,
        caching,
        db,
        export,
        files,
        mail,
        pagecache,
        pages,
        params,
        search,
        security,
    )
    from .accounts import views as accounts
    from .collectivites import views as collectivites
    from .forum import agenda_views as agenda
    from .forum import views as forum
    from .groups import views as groups
    from .identity import views as identity
    from .licensing import views as licensing
    from .moderation import views as moderation
    from .notifications import views as notifications
    from .publication import record_views as publication
    from .sessions import views as sessions
    from .wiki import views as wiki

    parts = (
        params,  # first: the id converter must exist before any route is added
        db,
        audit,
        search,
        security,
        mail,
        pages,
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
        agenda,
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
