from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from whatrack.models import ClosedBy, TicketOutcome, TicketStatus
from whatrack.schemas import CamelModel, InputModel


class TouchRead(CamelModel):
    """An ad click on a ticket that was already open."""

    source: str
    campaign: str | None
    medium: str | None
    ad_id: str | None
    ad_headline: str | None
    ad_source_url: str | None
    at: datetime


class TicketRead(CamelModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    instance_id: uuid.UUID | None = Field(
        default=None, description="The WhatsApp number it came through (null: stored before it was recorded)"
    )
    number: int
    status: TicketStatus
    source: str | None
    campaign: str | None
    medium: str | None
    ad_id: str | None
    ctwa_clid: str | None
    ad_headline: str | None = None
    ad_body: str | None = None
    ad_source_url: str | None = None
    ad_thumbnail_url: str | None = None
    touches: list[TouchRead] = Field(default_factory=list, description="Ad clicks while the ticket was open")
    outcome: TicketOutcome | None
    outcome_reason: str | None
    value_cents: int | None = None
    closed_by: ClosedBy | None
    assignee_id: uuid.UUID | None
    assignee_name: str | None
    created_at: datetime
    resolved_at: datetime | None


class CloseTicketIn(InputModel):
    outcome: TicketOutcome
    reason: str | None = Field(default=None, max_length=2000)
    # what the sale was worth, in cents (kept only when the outcome is a sale)
    value_cents: int | None = Field(default=None, ge=0, le=10**13)


class AdRead(CamelModel):
    """An ad tickets came from, and the campaign an admin named it (null: none)."""

    ad_id: str
    headline: str | None
    tickets: int
    campaign: str | None


class AdCampaignIn(InputModel):
    campaign: str | None = Field(max_length=200, description="The campaign name; null forgets it")
