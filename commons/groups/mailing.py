"""Membership emails, sent by views after the commit (services never send mail).

Each message goes to the people the event concerns and names nothing of the group's private
space: the group name, the request message (written by the requester for the facilitators) and
links that still ask for permission when opened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import db, mail
from ..accounts.models import User
from .models import Group, GroupRole, Invitation, JoinRequest, Membership


def _send(to: User, subject: str, template: str, **context: Any) -> None:
    mail.send_template(to.email, subject, f"groups/mail/{template}", user=to, **context)


def facilitators_of(group: Group) -> list[User]:
    """The group's facilitators (active accounts only)."""
    users = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group.id, Membership.role == GroupRole.FACILITATOR.value)
    )
    return [u for u in users if u.is_active]


def request_received(join: JoinRequest, group: Group, requester: User) -> None:
    """Tell the group's facilitators that someone asks to join."""
    link = mail.absolute_url("groups.private", slug=group.slug)
    for facilitator in facilitators_of(group):
        _send(
            facilitator,
            f"Nouvelle demande d'adhésion : {group.name}",
            "request_received",
            group=group,
            join=join,
            requester=requester,
            link=link,
        )


def request_decided(join: JoinRequest, group: Group, requester: User) -> None:
    """Tell the agent whether their request was accepted or declined."""
    accepted = join.status == "approved"
    subject = f"{'Bienvenue dans' if accepted else 'Votre demande pour'} le groupe {group.name}"
    link = mail.absolute_url("groups.private" if accepted else "groups.show", slug=group.slug)
    _send(
        requester, subject, "request_decided", group=group, join=join, accepted=accepted, link=link
    )


def invited(invitation: Invitation, group: Group, invitee: User, inviter: User) -> None:
    """Tell an agent they are invited."""
    _send(
        invitee,
        f"Invitation au groupe {group.name}",
        "invited",
        group=group,
        invitation=invitation,
        inviter=inviter,
        link=mail.absolute_url("groups.show", slug=group.slug),
    )
