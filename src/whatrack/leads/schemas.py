from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from whatrack.models import TicketOutcome, TicketStatus
from whatrack.schemas import CamelModel, InputModel
from whatrack.tickets.schemas import TicketRead


class LeadRead(CamelModel):
    id: uuid.UUID
    name: str | None
    push_name: str | None
    phone: str | None
    notes: str | None
    first_source: str | None
    first_campaign: str | None
    first_medium: str | None
    created_at: datetime
    conversation_id: uuid.UUID | None
    tickets: list[TicketRead]


class LeadUpdate(InputModel):
    name: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=20000)


class LeadTicketBrief(CamelModel):
    """The lead's last ticket as the leads list shows it."""

    id: uuid.UUID
    number: int
    status: TicketStatus
    source: str | None
    campaign: str | None
    medium: str | None
    ad_id: str | None
    ad_headline: str | None = None
    outcome: TicketOutcome | None
    value_cents: int | None


class LeadListItem(CamelModel):
    id: uuid.UUID
    name: str | None
    push_name: str | None
    phone: str | None
    created_at: datetime
    first_source: str | None
    first_campaign: str | None
    first_medium: str | None
    conversation_id: uuid.UUID
    instance_id: uuid.UUID
    tickets_count: int
    last_ticket: LeadTicketBrief | None
    last_contact_at: datetime = Field(description="When the lead's conversation last had a message")


class LeadPage(CamelModel):
    items: list[LeadListItem]
    next_cursor: str | None
