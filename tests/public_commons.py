"""Shared setup for the public commons tests (``/communs/``, feeds, API, sitemap): REX in
every space, and a canary string that must never reach an anonymous reader."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from commons import db
from commons.wiki import services
from commons.wiki.models import Rex

CANARY = "CANARI-PRIVE-7f3a"
BODY = "## Contexte\n\nUn budget participatif.\n\n## Bilan\n\nÇa a marché.\n"


def make_rex(author: Any, title: str, space: str = "public", group: Any = None, **kw: Any) -> Rex:
    """A REX created through the wiki service by ``author`` (committed)."""
    kw.setdefault("body", BODY)
    rex = services.create_rex(
        author,
        title=title,
        space=space,
        group_id=group.id if group is not None else None,
        **kw,
    )
    db.session.commit()
    return rex


def private_world(make_user: Any, make_group: Any) -> dict[str, Any]:
    """One public REX, and the canary in a group REX, a network REX, a hidden public REX and
    in the e-mail of their author."""
    author = make_user(name="Camille Publique", email="camille.canari-prive-7f3a@exemple.fr")
    insider = make_user(email=f"{CANARY.lower()}@exemple.fr", name=f"Agent {CANARY}")
    group = make_group(members=(insider,), name=f"Groupe {CANARY}", listed=False)
    public = make_rex(author, "Cantine bio à Bègles", summary="Un REX public.", themes=["culture"])
    make_rex(
        insider,
        f"Groupe {CANARY}",
        space="group",
        group=group,
        summary=f"Résumé {CANARY}",
        body=f"Texte {CANARY}",
        themes=["culture"],
    )
    make_rex(
        insider,
        f"Réseau {CANARY}",
        space="network",
        summary=f"Résumé {CANARY}",
        body=f"Texte {CANARY}",
        themes=["culture"],
    )
    hidden = make_rex(
        insider,
        f"Masqué {CANARY}",
        summary=f"Résumé {CANARY}",
        body=f"Texte {CANARY}",
        themes=["culture"],
    )
    hidden.hidden = True
    db.session.commit()
    return {"author": author, "insider": insider, "group": group, "public": public}


class QueryCounter:
    """Counts the SQL statements run while it is active (``with QueryCounter(app) as q``)."""

    def __init__(self, app: Any) -> None:
        self.engine = app.extensions["commons.engine"]
        self.statements: list[str] = []

    def _listen(self, *args: Any) -> None:
        self.statements.append(args[2])

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._listen)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._listen)

    @property
    def count(self) -> int:
        return len(self.statements)
