from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from whatrack.models import ScheduledStatus, TicketStatus
from whatrack.schemas import CamelModel, InputModel

# Limits are checked by the service (a specific error code each), not by the schema.


class StepIn(InputModel):
    delay_minutes: int = Field(description="After the previous step (the first: after the start); 1..525600")
    content: str = Field(max_length=4096, description="Variables: {nome}, {primeiro_nome}, {atendente}")


class SequenceCreate(InputModel):
    name: str = Field(min_length=1, max_length=120)
    steps: list[StepIn]
    final_wait_minutes: int = Field(
        default=1440, description="After the last step: the lead's silence this long resolves the ticket"
    )


class SequenceUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    steps: list[StepIn] | None = None
    final_wait_minutes: int | None = None
    archived: bool | None = None


class StepRead(CamelModel):
    delay_minutes: int
    content: str


class SequenceRead(CamelModel):
    id: uuid.UUID
    name: str
    steps: list[StepRead]
    final_wait_minutes: int
    archived: bool
    in_use: bool
    created_at: datetime
    updated_at: datetime


class SequenceList(CamelModel):
    items: list[SequenceRead]


class StartFollowUpIn(InputModel):
    sequence_id: uuid.UUID


class ScheduledRead(CamelModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    ticket_id: uuid.UUID
    sequence_id: uuid.UUID | None
    step: int | None  # a follow-up step (0-based); None: scheduled by an agent
    content: str
    send_at: datetime
    status: ScheduledStatus
    attempts: int
    message_id: uuid.UUID | None
    error: str | None
    sent_at: datetime | None
    created_by: uuid.UUID | None
    created_at: datetime


class ScheduledList(CamelModel):
    items: list[ScheduledRead]


class FollowUpRead(CamelModel):
    ticket_id: uuid.UUID
    status: TicketStatus
    follow_up_enabled: bool
    current_follow_up_step: int | None
    sequence_id: uuid.UUID | None
    ends_at: datetime | None
    scheduled: list[ScheduledRead]


class ScheduleIn(InputModel):
    conversation_id: uuid.UUID
    content: str = Field(min_length=1, max_length=65536)
    send_at: datetime


class ScheduleUpdate(InputModel):
    content: str | None = Field(default=None, min_length=1, max_length=65536)
    send_at: datetime | None = None
