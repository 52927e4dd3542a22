"""Moderation services: reports, and the actions on content (dismiss, hide, restore, edit
with a reason, lock, move). Each action is in the audit log and closes the open reports on
the item; the author gets a statement of reasons. Flush only."""

from __future__ import annotations

from sqlalchemy import select

from .. import audit, db
from ..accounts.models import User
from ..forum import services as forum
from ..forum.models import Category, Post, Thread, ThreadSpace
from ..groups.models import Group
from ..text import single_line
from ..wiki import services as wiki
from ..wiki.models import Rex
from ..wiki.rendering import refresh_referrers
from . import policy
from .decisions import ModerationError, check_reason, notify, require, state_reasons
from .models import Report, ReportStatus
from .targets import Target

#: An edit that met a newer change at the same place: shown to the facilitator, nothing saved.
CONFLICTS = (forum.PostConflict, wiki.EditConflict)
Conflict = forum.PostConflict | wiki.EditConflict


def _close_reports(actor: User, target: Target, outcome: str, status: str) -> int:
    """Close the open reports on ``target``; each reporter is told it was handled."""
    open_reports = db.session.scalars(
        select(Report).where(
            Report.target_type == target.kind,
            Report.target_id == target.id,
            Report.status == ReportStatus.OPEN.value,
        )
    ).all()
    now = db.utcnow()
    for report in open_reports:
        report.status, report.outcome = status, outcome
        report.handled_by_id, report.handled_at = actor.id, now
        if report.reporter_id is not None and report.reporter_id != actor.id:
            notify(report.reporter_id, actor, "handled", report.id)
    db.session.flush()
    return len(open_reports)


def _done(actor: User, target: Target, action: str, reason: str, **detail: object) -> None:
    """Audit entry, closed reports and statement of reasons for an action on ``target``."""
    closed = _close_reports(actor, target, action, ReportStatus.RESOLVED.value)
    if action not in ("moderation.lock", "moderation.unlock"):  # the forum records those
        audit.record(
            actor,
            action,
            target_type=target.kind,
            target_id=target.id,
            target_label=target.label,
            group_id=target.group_id,
            reason=reason,
            detail={"reports_closed": closed, **detail},
        )
    state_reasons(
        actor,
        target.author_id,
        action,
        target_type=target.kind,
        target_id=target.id,
        label=target.label,
        path=target.path,
        group_id=target.group_id,
        reason=reason,
    )


# -- actions on content ----------------------------------------------------------------------


def dismiss(actor: User, target: Target, reason: str = "") -> int:
    """Close the open reports on an item without acting on it; return how many."""
    require(policy.can_dismiss(actor, target))
    reason = check_reason(reason, required=False)
    closed = _close_reports(actor, target, "moderation.dismiss", ReportStatus.DISMISSED.value)
    if not closed:
        raise ModerationError("Aucun signalement ouvert sur ce contenu.")
    audit.record(
        actor,
        "moderation.dismiss",
        target_type=target.kind,
        target_id=target.id,
        target_label=target.label,
        group_id=target.group_id,
        reason=reason,
        detail={"reports_closed": closed},
    )
    return closed


def hide(actor: User, target: Target, reason: str) -> None:
    """Hide an item ("masqué par l'animation"); facilitators still read it. Reason required."""
    require(policy.can_moderate(actor, target))
    reason = check_reason(reason)
    if target.hidden:
        raise ModerationError("Ce contenu est déjà masqué.")
    target.obj.hidden = True
    db.session.flush()
    if isinstance(target.obj, Rex):  # pages linking to it stop (or start again) linking
        refresh_referrers(target.obj)
    _done(actor, target, "moderation.hide", reason)


def restore(actor: User, target: Target, reason: str = "") -> None:
    """Show a hidden item again."""
    require(policy.can_moderate(actor, target))
    reason = check_reason(reason, required=False)
    if not target.hidden:
        raise ModerationError("Ce contenu n'est pas masqué.")
    target.obj.hidden = False
    db.session.flush()
    if isinstance(target.obj, Rex):  # pages linking to it stop (or start again) linking
        refresh_referrers(target.obj)
    _done(actor, target, "moderation.restore", reason)


def edit(actor: User, target: Target, body: str, reason: str, base: int | None = None) -> None:
    """Edit a post (through the forum, history kept) or a REX (a new revision whose comment
    is the reason), from the version ``base`` the facilitator saw (``None``: the current one,
    for scripts): a member's newer change is merged, or raises one of :data:`CONFLICTS`; it
    is never overwritten unseen."""
    require(policy.can_edit(actor, target))
    reason = check_reason(reason)
    if isinstance(target.obj, Post):
        assert target.thread is not None
        before = target.obj.source
        try:
            forum.edit_post(actor, target.obj, target.thread, body, base=base)
        except CONFLICTS:
            raise
        except forum.ForumError as exc:
            raise ModerationError(str(exc)) from None
        changed = target.obj.source != before
    else:
        assert isinstance(target.obj, Rex)
        try:
            result = wiki.save(
                actor,
                target.obj,
                base=target.obj.head if base is None else base,
                body=body,
                comment=f"Modération : {single_line(reason)}",
            )
        except CONFLICTS:
            raise
        except wiki.RexError as exc:
            raise ModerationError(str(exc)) from None
        changed = result.revision is not None
    if not changed:
        raise ModerationError("Le texte est identique : rien n'a été modifié.")
    _done(actor, target, "moderation.edit", reason)


def edit_unless_conflict(
    actor: User, target: Target, body: str, reason: str, base: int | None = None
) -> Conflict | None:
    """:func:`edit` in a savepoint; a conflict with a newer change undoes it and is returned
    (to be shown to the facilitator with both texts) instead of raised."""
    try:
        with db.session.begin_nested():
            edit(actor, target, body, reason, base)
    except CONFLICTS as exc:
        return exc
    return None


def current_text(target: Target) -> tuple[str, str]:
    """The text a facilitator starts editing from, and its version (the edit's base)."""
    if isinstance(target.obj, Post):
        return target.obj.source, str(forum.version(target.obj))
    assert isinstance(target.obj, Rex)
    return wiki.revision(target.obj, target.obj.head).source, str(target.obj.head)


def set_lock(actor: User, target: Target, locked: bool, reason: str = "") -> None:
    """Lock or unlock a thread (the forum records it in the audit log)."""
    require(policy.can_lock(actor, target))
    reason = check_reason(reason, required=locked)
    thread = target.obj
    assert isinstance(thread, Thread)
    if thread.locked == locked:
        raise ModerationError(
            "Cette discussion est déjà verrouillée."
            if locked
            else "Cette discussion n'est pas verrouillée."
        )
    forum.set_flags(actor, thread, locked=locked, reason=reason)
    _done(actor, target, "moderation.lock" if locked else "moderation.unlock", reason)


def move_thread(
    actor: User, target: Target, *, group_id: int | None, category_id: int | None, reason: str = ""
) -> None:
    """Move a thread to an Agora category or into a group the actor facilitates. A group's
    discussion never leaves its group: that would show private words to others."""
    require(policy.can_move_thread(actor, target, group_id))
    reason = check_reason(reason, required=False)
    thread = target.obj
    assert isinstance(thread, Thread)
    if thread.space == ThreadSpace.GROUP.value and group_id != thread.group_id:
        raise ModerationError(
            "Une discussion de groupe ne peut pas quitter son groupe : ses participant·es "
            "ont écrit pour ce groupe seulement."
        )
    if group_id is not None and db.session.get(Group, group_id) is None:
        raise ModerationError("Groupe inconnu.")
    if category_id is not None and db.session.get(Category, category_id) is None:
        raise ModerationError("Catégorie inconnue.")
    before = {"group_id": thread.group_id, "category_id": thread.category_id}
    if group_id is not None:
        thread.space, thread.group_id, thread.category_id = ThreadSpace.GROUP.value, group_id, None
    else:
        thread.category_id = category_id
    if before == {"group_id": thread.group_id, "category_id": thread.category_id}:
        raise ModerationError("La discussion est déjà à cet endroit.")
    db.session.flush()
    _done(actor, target, "moderation.move", reason, before=before, after_group=group_id)
