"""ORM models: one package so entities can reference each other without import cycles."""

from whatrack.models.ad import AdCampaign, TicketTouch
from whatrack.models.api_token import ApiToken
from whatrack.models.conversation import Conversation
from whatrack.models.enums import (
    ClosedBy,
    InstanceStatus,
    MessageStatus,
    MessageType,
    Priority,
    Role,
    ScheduledStatus,
    SenderType,
    TicketOutcome,
    TicketStatus,
)
from whatrack.models.extras import ConversationMetrics, ScheduledMessage, TicketAnalysis
from whatrack.models.follow_up import FollowUpSequence
from whatrack.models.instance import Instance
from whatrack.models.lead import Lead
from whatrack.models.legacy import LegacyId
from whatrack.models.login_throttle import LoginThrottle
from whatrack.models.message import Message, PendingReceipt
from whatrack.models.metrics import TicketMetrics, TicketResponder
from whatrack.models.organization import Organization
from whatrack.models.outbox import OutboxEvent
from whatrack.models.quick_reply import QuickReply
from whatrack.models.ticket import Ticket
from whatrack.models.user import AuthSession, Membership, User

__all__ = [
    "AdCampaign",
    "ApiToken",
    "AuthSession",
    "ClosedBy",
    "Conversation",
    "ConversationMetrics",
    "FollowUpSequence",
    "Instance",
    "InstanceStatus",
    "Lead",
    "LegacyId",
    "LoginThrottle",
    "Membership",
    "Message",
    "MessageStatus",
    "MessageType",
    "Organization",
    "OutboxEvent",
    "PendingReceipt",
    "Priority",
    "QuickReply",
    "Role",
    "ScheduledMessage",
    "ScheduledStatus",
    "SenderType",
    "Ticket",
    "TicketAnalysis",
    "TicketMetrics",
    "TicketOutcome",
    "TicketResponder",
    "TicketStatus",
    "TicketTouch",
    "User",
]
