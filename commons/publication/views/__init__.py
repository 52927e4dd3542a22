"""Publication pages: the proposal and its consents in :mod:`.proposal`, the public record,
name removal and one's publications in :mod:`.record`, group syntheses in :mod:`.synthesis`.

Every page of a proposal first loads it with :func:`load_proposal`: 404 unless the reader is a
member of the group (nothing leaks to outsiders, not even the title).
"""

from __future__ import annotations

from flask import Blueprint, Flask

from ... import lifecycle
from ...groups.dashboard import register_panel
from ...groups.views import add_private_section
from ...notifications.services import register_target
from ...wiki.views import add_rex_section
from .. import notify, policy, sections
from ..models import Proposal, install_guards

bp = Blueprint("publication", __name__, url_prefix="/publication", template_folder="../templates")


def load_proposal(proposal_id: int) -> Proposal:
    """The proposal if the current user may see it, else 404."""
    return lifecycle.load(Proposal, proposal_id, can=policy.can_view_proposal)


def init_app(app: Flask) -> None:
    """Register the blueprint and the sections shown by other rooms."""
    from . import proposal, record, synthesis  # noqa: F401 - their routes join the blueprint

    install_guards()
    app.register_blueprint(bp)
    add_rex_section(app, sections.rex_section)
    add_private_section(app, sections.group_section)
    register_target(notify.TARGET, notify.describe)
    register_panel(sections.dashboard_panel)
