"""Follow-up sequences (admins), starting/stopping one on a ticket, scheduled messages.

Services flush, never commit. Sending is followups/jobs.py (a flow: it calls inbox.send).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.db import utcnow
from whatrack.db_util import for_update, get_scoped
from whatrack.errors import (
    AdminRequired,
    ConversationNotFound,
    FollowUpDelayInvalid,
    FollowUpMediaInvalid,
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
    TicketNotInFollowUp,
)
from whatrack.followups.schemas import (
    FollowUpRead,
    ScheduledRead,
    ScheduleIn,
    ScheduleUpdate,
    SequenceCreate,
    SequenceRead,
    SequenceUpdate,
    StepIn,
    StepMedia,
    StepMediaIn,
    StepRead,
)
from whatrack.messages import media as media_store
from whatrack.messages import service as messages
from whatrack.models import (
    Conversation,
    FollowUpSequence,
    Lead,
    ScheduledMessage,
    ScheduledStatus,
    Ticket,
    TicketStatus,
    User,
)
from whatrack.realtime.events import emit_conversation_updated
from whatrack.storage import MediaStore, StorageError
from whatrack.tickets import service as tickets

MAX_STEPS = 20
MAX_DELAY_MINUTES = 365 * 24 * 60  # a step waits at most a year
MAX_AHEAD = timedelta(days=366)  # a scheduled message is due within a year


# --- sequences ------------------------------------------------------------------------------
_MEDIA_KEY = re.compile(r"^[0-9a-f-]{36}/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,8}$")  # messages.media.key_for


async def upload_step_media(db: AsyncSession, actor: Actor, file: Attachment, media: MediaStore) -> StepMedia:
    """A file for a step: stored now (content-addressed, per organization, as a sent message's);
    a sequence's step then names it by `ref`."""
    _admin(actor)
    ref = await media_store.store(media, actor.organization_id, file.data, file.mime, file.file_name)
    return StepMedia(ref=ref, name=file.file_name, mime=file.mime, size=len(file.data))


async def _step_media(
    i: int, given: StepMediaIn, organization_id: uuid.UUID, media: MediaStore | None
) -> dict[str, Any]:
    """A step's file must be one uploaded to this organization (its key starts with the
    organization's id) and still in the store."""
    bad = FollowUpMediaInvalid(f"Step {i + 1}: upload the file first", {"step": i})
    if not _MEDIA_KEY.match(given.ref) or not given.ref.startswith(f"{organization_id}/") or media is None:
        raise bad
    try:
        info = await media.stat(given.ref)
    except StorageError:
        info = None
    if info is None:
        raise bad
    return {"ref": given.ref, "name": given.name, "mime": given.mime, "size": info.size}


async def _steps(steps: Sequence[StepIn], organization_id: uuid.UUID, media: MediaStore | None) -> list[dict[str, Any]]:
    if not steps:
        raise FollowUpSequenceNoSteps()
    if len(steps) > MAX_STEPS:
        raise FollowUpSequenceTooManySteps(f"At most {MAX_STEPS} steps", {"maxSteps": MAX_STEPS})
    out = []
    for i, step in enumerate(steps):
        if not 0 < step.delay_minutes <= MAX_DELAY_MINUTES:
            raise FollowUpDelayInvalid(
                f"Step {i + 1}: the delay must be 1..{MAX_DELAY_MINUTES} minutes",
                {"step": i, "maxMinutes": MAX_DELAY_MINUTES},
            )
        if not step.content.strip():
            raise FollowUpStepEmpty(f"Step {i + 1} has no message", {"step": i})
        entry: dict[str, Any] = {"delayMinutes": step.delay_minutes, "content": step.content}
        if step.media is not None:
            entry["media"] = await _step_media(i, step.media, organization_id, media)
        out.append(entry)
    return out


def _final_wait(minutes: int) -> int:
    if not 0 < minutes <= MAX_DELAY_MINUTES:
        raise FollowUpDelayInvalid(
            f"The final wait must be 1..{MAX_DELAY_MINUTES} minutes", {"step": "final", "maxMinutes": MAX_DELAY_MINUTES}
        )
    return minutes


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise AdminRequired("Only organization admins manage follow-up sequences")


async def in_use(db: AsyncSession, sequence_id: uuid.UUID) -> bool:
    """Used on a ticket: its scheduled steps (sent or not) or a ticket point at it."""
    used = await db.scalar(
        select(
            or_(
                exists().where(ScheduledMessage.sequence_id == sequence_id),
                exists().where(Ticket.follow_up_sequence_id == sequence_id),
            )
        )
    )
    return bool(used)


async def read_sequence(db: AsyncSession, seq: FollowUpSequence) -> SequenceRead:
    return SequenceRead(
        id=seq.id,
        name=seq.name,
        steps=[
            StepRead(
                delay_minutes=s["delayMinutes"],
                content=s["content"],
                media=StepMedia.model_validate(s["media"]) if s.get("media") else None,
            )
            for s in seq.steps
        ],
        final_wait_minutes=seq.final_wait_minutes,
        archived=seq.archived,
        in_use=await in_use(db, seq.id),
        created_at=seq.created_at,
        updated_at=seq.updated_at,
    )


async def list_sequences(db: AsyncSession, actor: Actor, *, archived: bool) -> list[FollowUpSequence]:
    stmt = select(FollowUpSequence).where(FollowUpSequence.organization_id == actor.organization_id)
    if not archived:
        stmt = stmt.where(FollowUpSequence.archived.is_(False))
    return list((await db.scalars(stmt.order_by(FollowUpSequence.name, FollowUpSequence.id))).all())


async def get_sequence(
    db: AsyncSession, actor: Actor, sequence_id: uuid.UUID, *, lock: bool = False
) -> FollowUpSequence:
    return await get_scoped(
        db, FollowUpSequence, actor.organization_id, sequence_id, FollowUpSequenceNotFound, lock=lock
    )


async def create_sequence(
    db: AsyncSession, actor: Actor, body: SequenceCreate, media: MediaStore | None = None
) -> FollowUpSequence:
    _admin(actor)
    now = utcnow()
    seq = FollowUpSequence(
        organization_id=actor.organization_id,
        name=body.name,
        steps=await _steps(body.steps, actor.organization_id, media),
        final_wait_minutes=_final_wait(body.final_wait_minutes),
        archived=False,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    db.add(seq)
    await db.flush()
    return seq


async def update_sequence(
    db: AsyncSession, actor: Actor, sequence_id: uuid.UUID, body: SequenceUpdate, media: MediaStore | None = None
) -> FollowUpSequence:
    """Name, steps, final wait, archived. Follow-ups already started keep the steps they were
    planned with (their rows hold the text and the due time)."""
    _admin(actor)
    seq = await get_sequence(db, actor, sequence_id, lock=True)
    if body.model_fields_set == set() or all(getattr(body, f) is None for f in body.model_fields_set):
        raise NothingToUpdate("Send name, steps, finalWaitMinutes or archived")
    steps = await _steps(body.steps, actor.organization_id, media) if body.steps is not None else None
    final_wait = _final_wait(body.final_wait_minutes) if body.final_wait_minutes is not None else None
    if body.name is not None:
        seq.name = body.name
    if steps is not None:
        seq.steps = steps
    if final_wait is not None:
        seq.final_wait_minutes = final_wait
    if body.archived is not None:
        seq.archived = body.archived
    seq.updated_at = utcnow()
    await db.flush()
    return seq


async def delete_sequence(db: AsyncSession, actor: Actor, sequence_id: uuid.UUID) -> None:
    _admin(actor)
    seq = await get_sequence(db, actor, sequence_id, lock=True)
    if await in_use(db, seq.id):
        raise FollowUpSequenceInUse()
    await db.delete(seq)
    await db.flush()


# --- a follow-up on a ticket ----------------------------------------------------------------
def planned(seq: FollowUpSequence, start: datetime) -> list[datetime]:
    """Each step's due time: its delay after the previous one (the first: after the start)."""
    out, at = [], start
    for step in seq.steps:
        at = at + timedelta(minutes=int(step["delayMinutes"]))
        out.append(at)
    return out


def read_scheduled(row: ScheduledMessage) -> ScheduledRead:
    return ScheduledRead(
        id=row.id,
        conversation_id=row.conversation_id,
        ticket_id=row.ticket_id,
        sequence_id=row.sequence_id,
        step=row.step,
        content=row.content,
        send_at=row.scheduled_for,
        status=row.status,
        attempts=row.attempts,
        message_id=row.message_id,
        error=row.error,
        sent_at=row.sent_at,
        created_by=row.created_by,
        created_at=row.created_at,
        media_mime=row.media_mime,
        media_name=row.media_name,
        media_size=row.media_size,
    )


async def follow_up_of(db: AsyncSession, ticket: Ticket) -> FollowUpRead:
    rows = (
        await db.scalars(
            select(ScheduledMessage)
            .where(ScheduledMessage.ticket_id == ticket.id, ScheduledMessage.step.is_not(None))
            .order_by(ScheduledMessage.created_at, ScheduledMessage.step)
        )
    ).all()
    return FollowUpRead(
        ticket_id=ticket.id,
        status=ticket.status,
        follow_up_enabled=ticket.follow_up_enabled,
        current_follow_up_step=ticket.current_follow_up_step,
        sequence_id=ticket.follow_up_sequence_id,
        ends_at=ticket.follow_up_ends_at,
        scheduled=[read_scheduled(r) for r in rows],
    )


async def _lock_conversation(db: AsyncSession, conversation_id: uuid.UUID) -> Conversation:
    conv: Conversation | None = await db.scalar(
        for_update(select(Conversation).where(Conversation.id == conversation_id), db)
    )
    if conv is None:  # pragma: no cover - FK guarantees it
        raise ConversationNotFound("Conversation not found")
    return conv


async def start(
    db: AsyncSession, actor: Actor, ticket_id: uuid.UUID, sequence_id: uuid.UUID, now: datetime
) -> FollowUpRead:
    """The ticket goes FOLLOW_UP with one PENDING row per step (the whole plan, due times known).
    Nothing is written when anything is refused."""
    ticket = await tickets.get_ticket(db, actor, ticket_id)
    seq = await get_sequence(db, actor, sequence_id)
    if seq.archived:
        raise FollowUpSequenceArchived()
    conv = await _lock_conversation(db, ticket.conversation_id)
    await db.refresh(ticket)
    if ticket.status == TicketStatus.RESOLVED:
        raise TicketAlreadyResolved(f"Ticket #{ticket.number} is closed", {"ticketNumber": ticket.number})
    if ticket.status == TicketStatus.FOLLOW_UP:
        raise TicketInFollowUp(f"Ticket #{ticket.number} is already in a follow-up", {"ticketNumber": ticket.number})
    for i, (step, due) in enumerate(zip(seq.steps, planned(seq, now), strict=True)):
        file: dict[str, Any] = step.get("media") or {}
        db.add(
            ScheduledMessage(
                media_path=file.get("ref"),
                media_mime=file.get("mime"),
                media_name=file.get("name"),
                media_size=file.get("size"),
                organization_id=ticket.organization_id,
                ticket_id=ticket.id,
                conversation_id=conv.id,
                sequence_id=seq.id,
                created_by=actor.user_id,
                content=step["content"],
                step=i,
                scheduled_for=due,
                status=ScheduledStatus.PENDING,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )
    ticket.status = TicketStatus.FOLLOW_UP
    ticket.follow_up_enabled = True
    ticket.current_follow_up_step = 0
    ticket.follow_up_sequence_id = seq.id
    ticket.follow_up_ends_at = None
    conversations.on_ticket(conv, ticket)
    await db.flush()
    await messages.add_system(
        db,
        conv,
        ticket.id,
        "follow_up_started",
        {"sequence": seq.name, "steps": len(seq.steps), "by": actor.name},
        at=now,
    )
    emit_conversation_updated(db, conv.organization_id, await conversations.read_model(db, conv.id))
    return await follow_up_of(db, ticket)


async def stop(db: AsyncSession, actor: Actor, ticket_id: uuid.UUID) -> FollowUpRead:
    ticket = await tickets.get_ticket(db, actor, ticket_id)
    conv = await _lock_conversation(db, ticket.conversation_id)
    await db.refresh(ticket)
    if ticket.status != TicketStatus.FOLLOW_UP:
        raise TicketNotInFollowUp(f"Ticket #{ticket.number} has no follow-up running", {"ticketNumber": ticket.number})
    await tickets.cancel_follow_ups(db, conv, ticket, reason="stopped", by=actor.name, at=utcnow())
    await db.flush()
    emit_conversation_updated(db, conv.organization_id, await conversations.read_model(db, conv.id))
    return await follow_up_of(db, ticket)


async def get_follow_up(db: AsyncSession, actor: Actor, ticket_id: uuid.UUID) -> FollowUpRead:
    return await follow_up_of(db, await tickets.get_ticket(db, actor, ticket_id))


# --- scheduled messages ("enviar depois") ---------------------------------------------------
def _check_send_at(send_at: datetime, now: datetime) -> datetime:
    if send_at.tzinfo is None:  # a naive time is taken as UTC (the web app sends an offset)
        send_at = send_at.replace(tzinfo=now.tzinfo)
    if send_at <= now:
        raise SendAtInPast()
    if send_at > now + MAX_AHEAD:
        raise SendAtTooFar()
    return send_at


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send with a scheduled message (the upload's bytes, as the normal media send's)."""

    data: bytes
    mime: str
    file_name: str | None


async def schedule(
    db: AsyncSession,
    actor: Actor,
    body: ScheduleIn,
    now: datetime,
    *,
    file: Attachment | None = None,
    media: MediaStore | None = None,
) -> ScheduledMessage:
    """A message to send at `sendAt` (not cancelled by the lead's reply). When it is due it goes
    into the conversation's open ticket, or opens one as a normal send does. With `file`, the
    bytes go to the media store (as a sent message's) only once everything else was accepted,
    and `content` is its caption (may be empty)."""
    send_at = _check_send_at(body.send_at, now)
    conv = await conversations.get_conversation(db, actor, body.conversation_id, lock=True)
    if conv.current_ticket_id is None:  # pragma: no cover - a conversation starts with a ticket
        raise ConversationNotFound("Conversation has no ticket")
    row = ScheduledMessage(
        organization_id=actor.organization_id,
        ticket_id=conv.current_ticket_id,
        conversation_id=conv.id,
        sequence_id=None,
        created_by=actor.user_id,
        content=body.content.strip(),
        step=None,
        scheduled_for=send_at,
        status=ScheduledStatus.PENDING,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    if file is not None:
        assert media is not None
        row.media_path = await media_store.store(media, actor.organization_id, file.data, file.mime, file.file_name)
        row.media_mime, row.media_name, row.media_size = file.mime, file.file_name, len(file.data)
    db.add(row)
    await db.flush()
    return row


async def get_scheduled(
    db: AsyncSession, actor: Actor, scheduled_id: uuid.UUID, *, lock: bool = False
) -> ScheduledMessage:
    """A scheduled message of a conversation the caller may see (else not found)."""
    row = await get_scoped(
        db, ScheduledMessage, actor.organization_id, scheduled_id, ScheduledMessageNotFound, lock=lock
    )
    try:
        await conversations.get_conversation(db, actor, row.conversation_id)
    except ConversationNotFound as exc:
        raise ScheduledMessageNotFound() from exc
    return row


async def list_scheduled(
    db: AsyncSession, actor: Actor, conversation_id: uuid.UUID, *, pending_only: bool
) -> list[ScheduledMessage]:
    conv = await conversations.get_conversation(db, actor, conversation_id)
    stmt = select(ScheduledMessage).where(ScheduledMessage.conversation_id == conv.id)
    if pending_only:
        stmt = stmt.where(ScheduledMessage.status == ScheduledStatus.PENDING)
    return list((await db.scalars(stmt.order_by(ScheduledMessage.scheduled_for, ScheduledMessage.id))).all())


def _pending(row: ScheduledMessage) -> None:
    if row.status != ScheduledStatus.PENDING or row.message_id is not None:
        state = row.status.value if row.message_id is None else "SENDING"
        raise ScheduledMessageNotPending(f"It is {state}", {"status": state})


async def update_scheduled(
    db: AsyncSession, actor: Actor, scheduled_id: uuid.UUID, body: ScheduleUpdate, now: datetime
) -> ScheduledMessage:
    row = await get_scheduled(db, actor, scheduled_id, lock=True)
    if body.content is None and body.send_at is None:
        raise NothingToUpdate("Send content or sendAt")
    send_at = _check_send_at(body.send_at, now) if body.send_at is not None else None
    _pending(row)
    if body.content is not None:
        row.content = body.content.strip()
    if send_at is not None:
        row.scheduled_for = send_at
    row.updated_at = now
    await db.flush()
    return row


async def cancel_scheduled(db: AsyncSession, actor: Actor, scheduled_id: uuid.UUID, now: datetime) -> ScheduledMessage:
    row = await get_scheduled(db, actor, scheduled_id, lock=True)
    _pending(row)
    row.status = ScheduledStatus.CANCELLED
    row.updated_at = now
    await db.flush()
    return row


# --- at send time ---------------------------------------------------------------------------
def render(content: str, lead: Lead, agent_name: str | None) -> str:
    """{nome}, {primeiro_nome}, {atendente} filled at send time (unknown ones left as typed)."""
    name = (lead.name or lead.push_name or "").strip()
    values = {"nome": name, "primeiro_nome": name.split()[0] if name else "", "atendente": agent_name or ""}
    out = content
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


async def senders(db: AsyncSession, conv: Conversation, row: ScheduledMessage) -> tuple[User | None, str | None]:
    """Who a scheduled message is sent as (whoever scheduled it or started the follow-up), and
    the {atendente} it names: the conversation's assignee, else that person."""
    author = await db.get(User, row.created_by) if row.created_by else None
    assignee = await db.get(User, conv.assignee_id) if conv.assignee_id else None
    named = assignee or author
    return author, named.name if named else None
