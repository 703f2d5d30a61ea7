from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from whatrack.models import MessageStatus, MessageType, Priority, SenderType, TicketStatus
from whatrack.schemas import CamelModel, InputModel


class LeadBrief(CamelModel):
    id: uuid.UUID
    name: str | None
    push_name: str | None
    phone: str | None


class AssigneeRead(CamelModel):
    id: uuid.UUID
    name: str


class ConversationRead(CamelModel):
    id: uuid.UUID
    instance_id: uuid.UUID
    lead: LeadBrief
    ticket_status: TicketStatus
    current_ticket_id: uuid.UUID | None
    unread_count: int
    last_message_at: datetime
    last_message_preview: str | None = Field(description="The last message's text, one line, without a label")
    last_message_type: MessageType | None = Field(
        description="Kind of the last message (the client names it: photo, audio, ...)"
    )
    last_message_reaction: str | None = Field(
        description="Set when the last thing was the lead reacting with this emoji to the last_message_* message"
    )
    last_message_sender_type: SenderType | None
    last_message_status: MessageStatus | None
    waiting_since: datetime | None
    ticket_source: str | None = Field(
        description="The current ticket's origin (whatsapp, meta_ads, google_ads, outbound, ...); "
        "null when unknown or when an event was built without it: keep the value already shown",
    )
    assignee: AssigneeRead | None
    priority: Priority
    snoozed_until: datetime | None = Field(
        description="Hidden from the default list until then (null: not snoozed; a past time: awake again)"
    )
    created_at: datetime


class ConversationPage(CamelModel):
    items: list[ConversationRead]
    next_cursor: str | None


class AssignIn(InputModel):
    user_id: uuid.UUID | None


class SnoozeIn(InputModel):
    until: datetime = Field(description="Until when (at most a year ahead; a time without offset is UTC)")


class ConversationPatch(InputModel):
    priority: Priority


class TypingIn(InputModel):
    is_typing: bool


class ListFilters(BaseModel):
    """The list's filters, read as the route's query parameters (snake_case names) in one
    validation: thirteen separate parameters cost 0.4 ms per request."""

    model_config = ConfigDict(frozen=True)

    instance_id: uuid.UUID | None = None
    ticket_status: TicketStatus | None = None
    unread: bool = False
    assigned: Literal["me", "unassigned"] | None = None
    q: str | None = Field(default=None, max_length=200)
    priority: Priority | None = None
    snoozed: bool = False
    order: Literal["recent", "waiting", "priority"] = "recent"
    source: str | None = Field(
        default=None, max_length=64, description="The current ticket's origin (whatsapp, meta_ads, ...)"
    )
    campaign: str | None = Field(default=None, max_length=200, description="The current ticket's campaign")
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=50, ge=1, le=100)
