"""With CSRF protection on: a forged moderation decision or report is refused and changes
nothing; the real forms carry their token and work."""

from __future__ import annotations

from sqlalchemy import func, select

from commons import db
from commons.audit.models import AuditEntry
from commons.forum.models import Post
from commons.moderation.models import Report
from tests.conftest import PASSWORD
from tests.moderation_world import World, world_fixture  # noqa: F401
from tests.test_csrf import _token, app_config  # noqa: F401 (CSRF on, as in production)


def _login(client, user) -> None:  # type: ignore[no-untyped-def]
    token = _token(client, "/connexion")
    client.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token})


def test_forged_hide_and_report_are_refused(client, world: World) -> None:  # type: ignore[no-untyped-def]
    post = world.a.post
    _login(client, world.a.facilitator)
    forged = client.post(f"/animation/contenu/post/{post.id}/masquer", data={"reason": "x"})
    assert forged.status_code == 400 and not db.session.get(Post, post.id).hidden
    token = _token(client, f"/animation/contenu/post/{post.id}")
    client.post(
        f"/animation/contenu/post/{post.id}/masquer", data={"reason": "x", "csrf_token": token}
    )
    assert db.session.get(Post, post.id).hidden
    client.post("/deconnexion", data={"csrf_token": _token(client, "/")})
    _login(client, world.a.reporter)
    url = f"/animation/signaler/thread/{world.a.thread.id}"
    assert client.post(url, data={"reason": "doublon"}).status_code == 400
    assert db.session.scalar(select(func.count(Report.id))) == 0
    client.post(url, data={"reason": "doublon", "csrf_token": _token(client, url)})
    assert db.session.scalar(select(func.count(Report.id))) == 1
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "moderation.report")
        )
        == 1
    )
