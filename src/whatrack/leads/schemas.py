from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

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
