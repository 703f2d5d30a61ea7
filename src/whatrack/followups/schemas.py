from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from whatrack.models import ScheduledStatus, TicketStatus
from whatrack.schemas import CamelModel, InputModel

# Limits are checked by the service (a specific error code each), not by the schema.


class StepMedia(CamelModel):
    """A file sent with a step (the step's text is its caption), from POST /follow-up-sequences/media."""

    ref: str = Field(max_length=500, description="The stored file, as the upload answered it")
    name: str | None = Field(default=None, max_length=255)
    mime: str = Field(max_length=128)
    size: int = 0


class StepMediaIn(InputModel):
    ref: str = Field(max_length=500)
    name: str | None = Field(default=None, max_length=255)
    mime: str = Field(min_length=1, max_length=128)


class StepIn(InputModel):
    delay_minutes: int = Field(description="After the previous step (the first: after the start); 1..525600")
    content: str = Field(max_length=4096, description="Variables: {nome}, {primeiro_nome}, {atendente}")
    media: StepMediaIn | None = Field(default=None, description="Optional file (ref from the media upload)")


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
    media: StepMedia | None = None


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
    media_mime: str | None = Field(default=None, description="A file sent with it (content is its caption)")
    media_name: str | None = None
    media_size: int | None = None


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
