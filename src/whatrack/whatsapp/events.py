"""Typed events parsed from WuzAPI webhooks (see parsing.py). Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from whatrack.whatsapp.referral import Referral


class MessageKind(StrEnum):
    """What a WhatsApp message carries, as the parser reads it (inbox/ maps it to the domain's
    MessageType, whose values are the same)."""

    TEXT = "TEXT"
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    AUDIO = "AUDIO"
    DOCUMENT = "DOCUMENT"
    STICKER = "STICKER"
    LOCATION = "LOCATION"
    CONTACT = "CONTACT"


@dataclass(frozen=True, slots=True)
class Media:
    """Attached file. `data` is None when WuzAPI did not inline it (see metadata["download"])."""

    data: bytes | None
    mime_type: str | None
    file_name: str | None
    size: int | None
    url: str | None = None  # public S3 URL when WuzAPI's S3 delivery is on


@dataclass(frozen=True, slots=True)
class Contact:
    """The lead: the other party of the 1:1 chat, whoever sent the message."""

    jid: str  # the JID to reply to (Info.Chat as received, device suffix stripped)
    phone: str | None  # E.164, never derived from a LID
    lid: str | None  # "210987654321098@lid" when known
    push_name: str | None = None  # the lead's WhatsApp name (lead-sent messages only)


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    external_id: str
    contact: Contact
    from_me: bool
    timestamp: datetime
    kind: MessageKind
    text: str | None
    media: Media | None
    quoted_id: str | None
    referral: Referral | None = None  # the ad the lead came from (first message after a click)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reaction:
    external_id: str
    target_id: str
    emoji: str  # "" = reaction removed
    contact: Contact
    from_me: bool
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class Edit:
    target_id: str
    text: str
    contact: Contact
    from_me: bool
    timestamp: datetime
    external_id: str | None = None  # id of the edit message itself


@dataclass(frozen=True, slots=True)
class Revoke:
    target_id: str
    contact: Contact
    from_me: bool
    timestamp: datetime
    external_id: str | None = None  # id of the revoke message itself


@dataclass(frozen=True, slots=True)
class Receipt:
    message_ids: tuple[str, ...]
    status: Literal["DELIVERED", "READ"]
    contact: Contact
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class Typing:
    contact: Contact
    composing: bool  # False = paused
    media: str  # "" = text, "audio" = recording a voice note


@dataclass(frozen=True, slots=True)
class InstanceStatus:
    status: Literal["connected", "disconnected", "logged_out", "qr"]
    qr_code: str | None  # PNG data URL ("data:image/png;base64,...") for status "qr"
    jid: str | None
    reason: str | None = None  # the WuzAPI type when it is not the obvious one (e.g. "QRTimeout")


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


@dataclass(frozen=True, slots=True)
class HistoryStatus:
    """What WhatsApp says about one of our past messages (WebMessageInfo.status)."""

    external_id: str
    status: Literal["delivered", "read"]


@dataclass(frozen=True, slots=True)
class HistorySync:
    """One WhatsApp history chunk (after pairing): the 1:1 messages it holds, read exactly as
    live `Message` events (same identity rules); groups, status broadcasts and unreadable
    entries are counted in `skipped`."""

    sync_type: int  # 0 INITIAL_BOOTSTRAP, 2 FULL, 3 RECENT, 6 ON_DEMAND, ... (whatsmeow's enum)
    chunk_order: int | None
    progress: int | None
    messages: tuple[IncomingMessage, ...]
    statuses: tuple[HistoryStatus, ...] = ()
    skipped: int = 0


WebhookEvent = IncomingMessage | Reaction | Edit | Revoke | Receipt | Typing | InstanceStatus | HistorySync | Ignored


@dataclass(frozen=True, slots=True)
class Envelope:
    type: str  # WuzAPI's `type` as received ("Message", "ReadReceipt", ...)
    user_id: str | None  # WuzAPI user (instance) id
    instance_name: str | None
    event: WebhookEvent
