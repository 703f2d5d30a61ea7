"""Follow-up routes: sequences (admins), a ticket's follow-up, scheduled messages."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Response

from whatrack.db import utcnow
from whatrack.deps import CurrentActor, Db
from whatrack.errors import (
    SESSION,
    WRITE,
    AdminRequired,
    ConversationNotFound,
    FollowUpDelayInvalid,
    FollowUpSequenceArchived,
    FollowUpSequenceInUse,
    FollowUpSequenceNoSteps,
    FollowUpSequenceNotFound,
    FollowUpSequenceTooManySteps,
    FollowUpStepEmpty,
    NothingToUpdate,
    ScheduledMessageNotFound,
    ScheduledMessageNotPending,
    SendAtInPast,
    SendAtTooFar,
    TicketAlreadyResolved,
    TicketInFollowUp,
    TicketNotFound,
    TicketNotInFollowUp,
    responses,
)
from whatrack.followups import service
from whatrack.followups.schemas import (
    FollowUpRead,
    ScheduledList,
    ScheduledRead,
    ScheduleIn,
    ScheduleUpdate,
    SequenceCreate,
    SequenceList,
    SequenceRead,
    SequenceUpdate,
    StartFollowUpIn,
)

router = APIRouter(tags=["follow-ups"])
SEQUENCES = "/api/v1/follow-up-sequences"
SCHEDULED = "/api/v1/scheduled-messages"
STEP_ERRORS = (FollowUpSequenceNoSteps, FollowUpSequenceTooManySteps, FollowUpDelayInvalid, FollowUpStepEmpty)


@router.get(SEQUENCES, responses=responses(*SESSION))
async def list_sequences(db: Db, actor: CurrentActor, archived: bool = False) -> SequenceList:
    """The organization's sequences by name (`archived=true`: the archived ones too)."""
    rows = await service.list_sequences(db, actor, archived=archived)
    return SequenceList(items=[await service.read_sequence(db, s) for s in rows])


@router.post(SEQUENCES, status_code=201, responses=responses(*WRITE, AdminRequired, *STEP_ERRORS))
async def create_sequence(body: SequenceCreate, db: Db, actor: CurrentActor) -> SequenceRead:
    """A sequence: ordered steps, each a delay after the previous one and a message."""
    return await service.read_sequence(db, await service.create_sequence(db, actor, body))


@router.get(SEQUENCES + "/{sequence_id}", responses=responses(*SESSION, FollowUpSequenceNotFound))
async def get_sequence(sequence_id: uuid.UUID, db: Db, actor: CurrentActor) -> SequenceRead:
    return await service.read_sequence(db, await service.get_sequence(db, actor, sequence_id))


@router.patch(
    SEQUENCES + "/{sequence_id}",
    responses=responses(*WRITE, AdminRequired, FollowUpSequenceNotFound, NothingToUpdate, *STEP_ERRORS),
)
async def update_sequence(sequence_id: uuid.UUID, body: SequenceUpdate, db: Db, actor: CurrentActor) -> SequenceRead:
    """Rename, change the steps or the final wait, archive (`archived: true`) or restore."""
    return await service.read_sequence(db, await service.update_sequence(db, actor, sequence_id, body))


@router.delete(
    SEQUENCES + "/{sequence_id}",
    status_code=204,
    responses=responses(*WRITE, AdminRequired, FollowUpSequenceNotFound, FollowUpSequenceInUse),
)
async def delete_sequence(sequence_id: uuid.UUID, db: Db, actor: CurrentActor) -> Response:
    """Only a sequence never used: one that was is archived instead (409)."""
    await service.delete_sequence(db, actor, sequence_id)
    return Response(status_code=204)


@router.get("/api/v1/tickets/{ticket_id}/follow-up", responses=responses(*SESSION, TicketNotFound))
async def get_follow_up(ticket_id: uuid.UUID, db: Db, actor: CurrentActor) -> FollowUpRead:
    """The ticket's follow-up: its state and every step row (due, sent, cancelled, failed)."""
    return await service.get_follow_up(db, actor, ticket_id)


@router.post(
    "/api/v1/tickets/{ticket_id}/follow-up",
    responses=responses(
        *WRITE,
        TicketNotFound,
        FollowUpSequenceNotFound,
        FollowUpSequenceArchived,
        TicketAlreadyResolved,
        TicketInFollowUp,
    ),
)
async def start_follow_up(ticket_id: uuid.UUID, body: StartFollowUpIn, db: Db, actor: CurrentActor) -> FollowUpRead:
    """Start a sequence on an open ticket: FOLLOW_UP, one scheduled row per step."""
    return await service.start(db, actor, ticket_id, body.sequence_id, utcnow())


@router.delete(
    "/api/v1/tickets/{ticket_id}/follow-up", responses=responses(*WRITE, TicketNotFound, TicketNotInFollowUp)
)
async def stop_follow_up(ticket_id: uuid.UUID, db: Db, actor: CurrentActor) -> FollowUpRead:
    """Stop the running follow-up: pending steps cancelled, the ticket OPEN again."""
    return await service.stop(db, actor, ticket_id)


@router.get(SCHEDULED, responses=responses(*SESSION, ConversationNotFound))
async def list_scheduled(
    db: Db,
    actor: CurrentActor,
    conversation_id: uuid.UUID = Query(alias="conversationId"),
    status: Literal["pending", "all"] = "pending",
) -> ScheduledList:
    """A conversation's scheduled messages (follow-up steps too), by due time."""
    rows = await service.list_scheduled(db, actor, conversation_id, pending_only=status == "pending")
    return ScheduledList(items=[service.read_scheduled(r) for r in rows])


@router.post(SCHEDULED, status_code=201, responses=responses(*WRITE, ConversationNotFound, SendAtInPast, SendAtTooFar))
async def schedule_message(body: ScheduleIn, db: Db, actor: CurrentActor) -> ScheduledRead:
    """Send `content` at `sendAt` ("enviar depois"); a lead's reply does not cancel it."""
    return service.read_scheduled(await service.schedule(db, actor, body, utcnow()))


@router.patch(
    SCHEDULED + "/{scheduled_message_id}",
    responses=responses(
        *WRITE, ScheduledMessageNotFound, ScheduledMessageNotPending, NothingToUpdate, SendAtInPast, SendAtTooFar
    ),
)
async def update_scheduled(
    scheduled_message_id: uuid.UUID, body: ScheduleUpdate, db: Db, actor: CurrentActor
) -> ScheduledRead:
    """Change the text or the time while it is PENDING."""
    return service.read_scheduled(await service.update_scheduled(db, actor, scheduled_message_id, body, utcnow()))


@router.delete(
    SCHEDULED + "/{scheduled_message_id}",
    responses=responses(*WRITE, ScheduledMessageNotFound, ScheduledMessageNotPending),
)
async def cancel_scheduled(scheduled_message_id: uuid.UUID, db: Db, actor: CurrentActor) -> ScheduledRead:
    """Cancel it while it is PENDING (kept, CANCELLED)."""
    return service.read_scheduled(await service.cancel_scheduled(db, actor, scheduled_message_id, utcnow()))
