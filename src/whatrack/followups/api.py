"""Follow-up routes: sequences (admins), a ticket's follow-up, scheduled messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from whatrack.db import utcnow
from whatrack.deps import CurrentActor, Db
from whatrack.errors import (
    SESSION,
    WRITE,
    AdminRequired,
    ConversationNotFound,
    EmptyFile,
    FollowUpDelayInvalid,
    FollowUpMediaInvalid,
    FollowUpSequenceArchived,
    FollowUpSequenceInUse,
    FollowUpSequenceNoSteps,
    FollowUpSequenceNotFound,
    FollowUpSequenceTooManySteps,
    FollowUpStepEmpty,
    InvalidField,
    MissingField,
    NothingToUpdate,
    ScheduledMessageNotFound,
    ScheduledMessageNotPending,
    SendAtInPast,
    SendAtTooFar,
    TicketAlreadyResolved,
    TicketInFollowUp,
    TicketNotFound,
    TicketNotInFollowUp,
    UnsupportedMediaType,
    ValidationFailed,
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
    StepMedia,
)

router = APIRouter(tags=["follow-ups"])
SEQUENCES = "/api/v1/follow-up-sequences"
SCHEDULED = "/api/v1/scheduled-messages"
STEP_ERRORS = (
    FollowUpSequenceNoSteps,
    FollowUpSequenceTooManySteps,
    FollowUpDelayInvalid,
    FollowUpStepEmpty,
    FollowUpMediaInvalid,
)
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.get(SEQUENCES, responses=responses(*SESSION))
async def list_sequences(db: Db, actor: CurrentActor, archived: bool = False) -> SequenceList:
    """The organization's sequences by name (`archived=true`: the archived ones too)."""
    rows = await service.list_sequences(db, actor, archived=archived)
    return SequenceList(items=[await service.read_sequence(db, s) for s in rows])


@router.post(SEQUENCES, status_code=201, responses=responses(*WRITE, AdminRequired, *STEP_ERRORS))
async def create_sequence(body: SequenceCreate, request: Request, db: Db, actor: CurrentActor) -> SequenceRead:
    """A sequence: ordered steps, each a delay after the previous one and a message (optionally
    a file, `media` as POST /follow-up-sequences/media answered it)."""
    seq = await service.create_sequence(db, actor, body, request.app.state.media)
    return await service.read_sequence(db, seq)


@router.post(
    SEQUENCES + "/media",
    status_code=201,
    openapi_extra=FILE_BODY,
    responses=responses(*WRITE, AdminRequired, MissingField, EmptyFile, UnsupportedMediaType),
)
async def upload_step_media(request: Request, db: Db, actor: CurrentActor) -> StepMedia:
    """A file for a follow-up step (multipart `file`, the normal upload's limits): put the answer
    in the step's `media`."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaType("Send multipart/form-data with a file")
    file = await _upload(await request.form())
    return await service.upload_step_media(db, actor, file, request.app.state.media)


@router.get(SEQUENCES + "/{sequence_id}", responses=responses(*SESSION, FollowUpSequenceNotFound))
async def get_sequence(sequence_id: uuid.UUID, db: Db, actor: CurrentActor) -> SequenceRead:
    return await service.read_sequence(db, await service.get_sequence(db, actor, sequence_id))


@router.patch(
    SEQUENCES + "/{sequence_id}",
    responses=responses(*WRITE, AdminRequired, FollowUpSequenceNotFound, NothingToUpdate, *STEP_ERRORS),
)
async def update_sequence(
    sequence_id: uuid.UUID, body: SequenceUpdate, request: Request, db: Db, actor: CurrentActor
) -> SequenceRead:
    """Rename, change the steps or the final wait, archive (`archived: true`) or restore."""
    seq = await service.update_sequence(db, actor, sequence_id, body, request.app.state.media)
    return await service.read_sequence(db, seq)


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


SCHEDULE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ScheduleIn.model_json_schema(by_alias=True)},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["conversationId", "sendAt", "file"],
                    "properties": {
                        "conversationId": {"type": "string", "format": "uuid"},
                        "sendAt": {"type": "string", "format": "date-time"},
                        "caption": {"type": "string", "maxLength": 65536},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            },
        },
    }
}


def _form_text(form: Any, name: str, *, required: bool) -> str | None:
    value = form.get(name)
    if isinstance(value, UploadFile):
        raise InvalidField(f"Form field {name} must be text", {"field": name})
    if not value:
        if required:
            raise MissingField(f"Missing form field {name}", {"field": name})
        return None
    return str(value)


async def _scheduled_file(request: Request) -> tuple[ScheduleIn, service.Attachment]:
    """The multipart form: the same fields and errors as the normal media send's, plus sendAt."""
    form = await request.form()
    conversation = _form_text(form, "conversationId", required=True)
    send_at = _form_text(form, "sendAt", required=True)
    caption = _form_text(form, "caption", required=False) or ""
    if not isinstance(form.get("file"), UploadFile):
        raise MissingField("Missing file part", {"field": "file"})
    try:
        conversation_id = uuid.UUID(str(conversation))
    except ValueError:
        raise InvalidField("Form field conversationId is not a UUID", {"field": "conversationId"}) from None
    try:
        when = datetime.fromisoformat(str(send_at))
    except ValueError:
        raise InvalidField("Form field sendAt is not an ISO 8601 date-time", {"field": "sendAt"}) from None
    if len(caption) > 65536:
        raise InvalidField("Form field caption is longer than 65536 characters", {"field": "caption"})
    body = ScheduleIn.model_construct(conversation_id=conversation_id, content=caption, send_at=when)
    return body, await _upload(form)


async def _upload(form: Any) -> service.Attachment:
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise MissingField("Missing file part", {"field": "file"})
    data = await file.read()
    if not data:
        raise EmptyFile("The file is empty")
    return service.Attachment(data, file.content_type or "application/octet-stream", file.filename)


@router.post(
    SCHEDULED,
    status_code=201,
    openapi_extra=SCHEDULE_BODY,
    responses=responses(
        *WRITE,
        ConversationNotFound,
        SendAtInPast,
        SendAtTooFar,
        MissingField,
        InvalidField,
        EmptyFile,
        UnsupportedMediaType,
    ),
)
async def schedule_message(request: Request, db: Db, actor: CurrentActor) -> ScheduledRead:
    """Send `content` at `sendAt` ("enviar depois"); a lead's reply does not cancel it. Multipart
    with `file` (and an optional `caption`): the file is sent then, as a normal media send."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        body, file = await _scheduled_file(request)
        row = await service.schedule(db, actor, body, utcnow(), file=file, media=request.app.state.media)
        return service.read_scheduled(row)
    if not content_type.startswith("application/json"):
        raise UnsupportedMediaType("Send JSON or multipart/form-data")
    try:
        body = ScheduleIn.model_validate_json(await request.body())
    except ValidationError as exc:  # as the app's handler for a declared body: 422 validation_error
        details = [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        raise ValidationFailed("Invalid request", details) from exc
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
