"""Domain enums (new names only). Stored as strings."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"


class InstanceStatus(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    LOGGED_OUT = "logged_out"
    QR = "qr"
    UNKNOWN = "unknown"


class TicketStatus(StrEnum):
    OPEN = "OPEN"
    FOLLOW_UP = "FOLLOW_UP"
    RESOLVED = "RESOLVED"


class TicketOutcome(StrEnum):
    SALE = "sale"
    LOST_PRICE = "lost_price"
    LOST_TIMING = "lost_timing"
    NO_RESPONSE = "no_response"
    OTHER = "other"


class ClosedBy(StrEnum):
    MANUAL = "manual"
    INACTIVITY = "inactivity"
    FOLLOW_UP = "follow_up"


class SenderType(StrEnum):
    LEAD = "LEAD"
    USER = "USER"
    AI = "AI"
    SYSTEM = "SYSTEM"


class MessageType(StrEnum):
    TEXT = "TEXT"
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    AUDIO = "AUDIO"
    DOCUMENT = "DOCUMENT"
    STICKER = "STICKER"
    LOCATION = "LOCATION"
    CONTACT = "CONTACT"


class MessageStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    FAILED = "FAILED"
    # WuzAPI did not answer in time: it may have gone out. A receipt for its id settles it; a
    # retry sends again with the SAME WhatsApp id.
    UNKNOWN = "UNKNOWN"


# Receipts only move a message forward along this order (never READ -> DELIVERED).
STATUS_RANK: dict[MessageStatus, int] = {
    MessageStatus.FAILED: 0,
    MessageStatus.PENDING: 1,
    MessageStatus.UNKNOWN: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.READ: 5,
}


class ScheduledStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class Priority(StrEnum):
    """A conversation's priority, lowest first; stored as its rank (PRIORITY_RANK) so it sorts."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_RANK: dict[Priority, int] = {p: i for i, p in enumerate(Priority)}
PRIORITY_OF_RANK: dict[int, Priority] = {i: p for p, i in PRIORITY_RANK.items()}


class AgentVisibility(StrEnum):
    """Which conversations an organization's agents see (admins see all)."""

    ALL = "all"
    ASSIGNED_AND_UNASSIGNED = "assigned_and_unassigned"


# Every value a ticket's `source` takes (attribution/referral.py: whatsapp, meta_ads, outbound;
# inbox/history.py: history; the requirements' and the legacy import's: google_ads, organic, direct).
# The inbox list filters by these only: anything else is refused (`conversation_source_unknown`).
TICKET_SOURCES: tuple[str, ...] = ("whatsapp", "meta_ads", "google_ads", "organic", "direct", "outbound", "history")
