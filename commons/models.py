"""Every feature's models, imported for Alembic and tests. No model code here."""

from .accounts.models import User
from .audit.models import AuditEntry
from .collectivites.models import Collectivite
from .db import Base
from .files.models import Attachment
from .forum.models import Category, Post, PostEdit, Thread, Topic, TopicVote
from .groups.models import Group, Invitation, JoinRequest, Membership
from .identity.models import AccountDeletion, ExternalIdentity, RecoveryCode, TotpDevice
from .integrity.models import SubmissionToken
from .mail.models import OutgoingMail
from .moderation.models import MemberNote, Report, Statement
from .notifications.models import Notification, Preference, ThreadRead, Watch
from .pagecache import ContentGeneration
from .publication.models import ConsentReceipt, Proposal, PublishedCredit
from .search.models import IndexQueue
from .security import RateEvent
from .sessions.models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    GroupSession,
    Minutes,
    MinutesRevision,
    SessionAnswer,
    SessionSeries,
    SynthesisSource,
)
from .wiki.models import Derivation, Event, Revision, Rex, SlugRedirect

__all__ = [
    "AccountDeletion",
    "ActionItem",
    "AgendaItem",
    "CalendarFeed",
    "GroupSession",
    "Minutes",
    "MinutesRevision",
    "SessionAnswer",
    "SessionSeries",
    "SynthesisSource",
    "Attachment",
    "AuditEntry",
    "OutgoingMail",
    "MemberNote",
    "Report",
    "Statement",
    "Category",
    "Notification",
    "ConsentReceipt",
    "Proposal",
    "PublishedCredit",
    "Post",
    "PostEdit",
    "Preference",
    "Thread",
    "ThreadRead",
    "Topic",
    "TopicVote",
    "Watch",
    "Base",
    "Collectivite",
    "ContentGeneration",
    "Derivation",
    "Event",
    "ExternalIdentity",
    "RecoveryCode",
    "TotpDevice",
    "Group",
    "IndexQueue",
    "Invitation",
    "JoinRequest",
    "Membership",
    "RateEvent",
    "Revision",
    "Rex",
    "SlugRedirect",
    "SubmissionToken",
    "User",
]
