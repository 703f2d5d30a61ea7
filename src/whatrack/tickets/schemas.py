from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from whatrack.models import ClosedBy, TicketOutcome, TicketStatus
from whatrack.schemas import CamelModel, InputModel


class TicketRead(CamelModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    number: int
    status: TicketStatus
    source: str | None
    campaign: str | None
    medium: str | None
    ad_id: str | None
    ctwa_clid: str | None
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
