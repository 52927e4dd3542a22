"""Every feature's models, imported for Alembic and tests. No model code here."""

from .accounts.models import User
from .collectivites.models import Collectivite
from .db import Base
from .groups.models import Group, Invitation, JoinRequest, Membership
from .security import RateEvent

__all__ = [
    "Base",
    "Collectivite",
    "Group",
    "Invitation",
    "JoinRequest",
    "Membership",
    "RateEvent",
    "User",
]
