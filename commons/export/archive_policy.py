"""Who may use the archive: everyone downloads the public export; administrators import."""

from __future__ import annotations

from typing import Any

from ..accounts.policy import is_member_user


def can_download_archive(actor: Any) -> bool:
    """The export archive holds only public REX: anyone, signed in or not, may download it."""
    return True


def can_import_archive(actor: Any) -> bool:
    """Importing another instance's commons publishes REX under this instance's name: only
    administrators may do it (the CLI ``commons import`` is for operators)."""
    return is_member_user(actor) and bool(actor.is_admin)
