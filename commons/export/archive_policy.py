"""Who may use the archive: everyone downloads the public export; administrators import."""

from __future__ import annotations

from ..accounts.policy import is_member_user
from ..actor import Actor


def can_download_archive(actor: Actor) -> bool:
    """The export archive holds only public REX: anyone, signed in or not, may download it."""
    return True


def can_import_archive(actor: Actor) -> bool:
    """Importing another instance's commons publishes REX under this instance's name: only
    administrators may do it (the CLI ``commons import`` is for operators)."""
    return is_member_user(actor) and bool(actor.is_admin)
