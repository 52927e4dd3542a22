"""The file predicate and its SQL twin agree for every (reader × REX state) pair: a small
permission matrix for attachments (space, group, hidden)."""

from __future__ import annotations

import io
from typing import Any

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from commons import db
from commons.files import policy
from commons.files import services as files
from commons.files.models import Attachment
from commons.wiki import services as wiki
from commons.wiki.models import Rex


def test_predicate_and_sql_filter_agree(app, make_user, make_group) -> None:  # type: ignore[no-untyped-def]
    member, other, facilitator = make_user(), make_user(), make_user(role="facilitator")
    group = make_group(facilitator=facilitator, members=(member,))
    readers: dict[str, Any] = {"visiteur": AnonymousUserMixin(), "agent": other,
                               "membre": member, "animation": facilitator}  # fmt: skip
    states = [
        (space, group.id if space == "group" else None, hidden)
        for space in ("public", "network", "group")
        for hidden in (False, True)
    ]
    for n, (space, group_id, _hidden) in enumerate(states):
        rex = wiki.create_rex(member, title=f"REX {n}", body="Texte.\n", space=space,
                              group_id=group_id)  # fmt: skip
        files.attach(member, rex, io.BytesIO(b"notes\n"), "notes.txt")
    for rex, (_space, _gid, hidden) in zip(
        db.session.scalars(select(Rex).order_by(Rex.id)), states, strict=True
    ):
        rex.hidden = hidden
    db.session.commit()
    expected = {
        "visiteur": {0},
        "agent": {0, 2},
        "membre": {0, 2, 4},
        "animation": {0, 2, 4},
    }
    for name, reader in readers.items():
        listed = set(
            db.session.scalars(select(Attachment.rex_id).where(policy.visible_files(reader)))
        )
        for n, rex in enumerate(db.session.scalars(select(Rex).order_by(Rex.id))):
            allowed = policy.can_view_file(reader, rex)
            if not rex.hidden:
                assert allowed == (rex.id in listed), (name, n)
                assert allowed == (n in expected[name]), (name, n)
            else:  # lists never show hidden REX's files; only their moderators open them
                assert rex.id not in listed, (name, n)
                assert allowed == (name == "animation"), (name, n)
