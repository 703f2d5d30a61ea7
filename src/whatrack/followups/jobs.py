"""The jobs of follow-ups and scheduled messages: send what is due, exactly once; resolve the
tickets whose follow-up ended without an answer.

Sending goes through the normal send path (inbox.send.dispatch): for each due row, in ONE
short transaction, the conversation and then the row are locked (`FOR UPDATE SKIP LOCKED` on
PostgreSQL: a row another worker holds is skipped, and the lock order is the receive path's,
conversation first), the due conditions are checked again, and a Message PENDING is committed
with the client id `scheduled-<row id>`, the row holding its id and a lease (`not_before`).
Then WuzAPI is called outside any transaction, and a second transaction settles the row:
SENT (a follow-up's step advances), WhatsApp down (retried with backoff, the same Message),
or FAILED with the reason. A row whose lease ran out while its Message is still PENDING was
interrupted mid-send (a crash): the outcome is unknown, so it is never sent again — the row
is FAILED "interrupted" and the Message left to the stale-PENDING rule. Time comes from the
caller (`now`): tests move the clock.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.attribution.referral import OUTBOUND
from whatrack.conversations import service as conversations
from whatrack.db import transaction
from whatrack.db_util import dialect, for_update
from whatrack.followups import service as followups
from whatrack.inbox.send import DISCONNECTED, SendContext, dispatch, media_kind, new_whatsapp_id
from whatrack.messages import service as messages
from whatrack.models import (
    ClosedBy,
    Conversation,
    FollowUpSequence,
    Lead,
    MessageStatus,
    MessageType,
    ScheduledMessage,
    ScheduledStatus,
    SenderType,
    Ticket,
    TicketOutcome,
    TicketStatus,
)
from whatrack.realtime.events import emit_conversation_updated, emit_new_message
from whatrack.reports import metrics
from whatrack.tickets import service as tickets

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # far longer than a WuzAPI call may take (its timeout)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=60))
BATCH = 200
CONCURRENCY = 8
INTERRUPTED = "Interrupted while sending: not sent again, the outcome is unknown"
WENT_OUT = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)


def client_id_of(row_id: uuid.UUID) -> str:
    """The Message's idempotency key, derived from the scheduled row: one row, one message."""
    return f"scheduled-{row_id}"


@dataclass(frozen=True, slots=True)
class Claim:
    row_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID


@dataclass(slots=True)
class RoundResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    completed: int = 0


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        ScheduledMessage.status == ScheduledStatus.PENDING,
        ScheduledMessage.scheduled_for <= now,
        or_(ScheduledMessage.not_before.is_(None), ScheduledMessage.not_before <= now),
    )


async def _skip_locked(db: AsyncSession, stmt: Select[Any]) -> Any:
    """The row, locked FOR UPDATE SKIP LOCKED on PostgreSQL (None when another transaction holds
    it); SQLite serialises writers on its single connection."""
    return await db.scalar(stmt.with_for_update(skip_locked=True) if dialect(db) == "postgresql" else stmt)


async def claim_one(ctx: SendContext, row_id: uuid.UUID, conversation_id: uuid.UUID, now: datetime) -> Claim | None:
    """Stage one due row (its own transaction): None when another worker has it, it is no
    longer due, or it was settled here without sending (interrupted, out of order...)."""
    try:
        return await _claim_one(ctx, row_id, conversation_id, now)
    except IntegrityError:  # its message exists: another worker staged it (the client id is the row's)
        return None


async def _claim_one(ctx: SendContext, row_id: uuid.UUID, conversation_id: uuid.UUID, now: datetime) -> Claim | None:
    async with transaction(ctx.factory) as db:
        tried = await db.scalar(select(ScheduledMessage.message_id).where(ScheduledMessage.id == row_id))
        if tried is not None:  # its message first: receipts lock a message, then its conversation
            await messages.lock(db, tried)
        # the conversation waits for a webhook holding it (a short transaction); the row is
        # skipped when another worker holds it
        conv = await db.scalar(for_update(select(Conversation).where(Conversation.id == conversation_id), db))
        if conv is None:
            return None
        row = await _skip_locked(db, select(ScheduledMessage).where(ScheduledMessage.id == row_id, _due(now)))
        if row is None:
            return None
        message_id = await _stage(db, conv, row, now)
        return Claim(row.id, conv.id, message_id) if message_id is not None else None


async def _stage(db: AsyncSession, conv: Conversation, row: ScheduledMessage, now: datetime) -> uuid.UUID | None:
    if row.message_id is not None:  # tried before
        msg = await messages.lock(db, row.message_id)
        if msg is None or msg.status == MessageStatus.PENDING:  # a crash mid-send: never twice
            await _fail(db, conv, row, INTERRUPTED, now)
            return None
        if msg.status in WENT_OUT:  # it went out; the crash came before the row knew
            await _sent(db, conv, row, now)
            return None
        if msg.error != DISCONNECTED or row.error != DISCONNECTED:  # only "not sent for sure" is retried
            await _fail(db, conv, row, msg.error or "Not sent", now)
            return None
        await messages.advance_status(db, msg, MessageStatus.PENDING)  # a retry: the same message
        row.attempts += 1
        row.not_before = now + LEASE
        row.updated_at = now
        return msg.id

    lead = await db.get(Lead, conv.lead_id)
    assert lead is not None
    if row.step is not None:
        ticket = await db.get(Ticket, row.ticket_id, with_for_update=dialect(db) == "postgresql")
        if ticket is None or ticket.status != TicketStatus.FOLLOW_UP:
            row.status = ScheduledStatus.CANCELLED
            row.updated_at = now
            return None
        if ticket.current_follow_up_step is not None and row.step > ticket.current_follow_up_step:
            return None  # an earlier step is still on its way (retrying): steps go in order
        tickets.touch(ticket, now)
    else:  # "enviar depois": the open ticket, or a new one as a normal send opens
        ticket, _ = await tickets.resolve_ticket(db, conv, lead, OUTBOUND, now)
    author, atendente = await followups.senders(db, conv, row)
    existing = await messages.by_client_id(db, conv.id, client_id_of(row.id))
    if existing is not None:  # pragma: no cover - the row always learns its message in the same transaction
        row.message_id = existing.id
        return await _stage(db, conv, row, now)
    msg = await messages.add(
        db,
        messages.row(
            organization_id=row.organization_id,
            conversation_id=conv.id,
            ticket_id=ticket.id,
            instance_id=conv.instance_id,
            sender_type=SenderType.USER,
            sender_id=author.id if author else None,
            sender_name=author.name if author else None,
            message_type=media_kind(row.media_mime or "") if row.media_path else MessageType.TEXT,
            content=_text(row, followups.render(row.content, lead, atendente)),
            status=MessageStatus.PENDING,
            external_id=new_whatsapp_id(),
            client_id=client_id_of(row.id),
            sent_at=now,
            media_path=row.media_path,  # a file goes as media, the text as its caption
            media_mime=row.media_mime,
            media_name=row.media_name,
            media_size=row.media_size,
            meta={"scheduledId": str(row.id), **({"followUpStep": row.step} if row.step is not None else {})},
        ),
    )
    conversations.on_message(conv, msg, newest=True)
    await metrics.on_messages(db, [msg])
    emit_new_message(db, row.organization_id, await messages.read_one(db, msg))
    emit_conversation_updated(db, row.organization_id, await conversations.read_model(db, conv.id))
    row.message_id = msg.id
    row.attempts = 1
    row.not_before = now + LEASE
    row.updated_at = now
    return msg.id


def _text(row: ScheduledMessage, rendered: str) -> str | None:
    """The message's text: a file's caption may be empty (no caption)."""
    return None if row.media_path and not rendered.strip() else rendered


async def _sent(db: AsyncSession, conv: Conversation, row: ScheduledMessage, now: datetime) -> None:
    was_pending = row.status == ScheduledStatus.PENDING
    row.status = ScheduledStatus.SENT if was_pending else row.status  # cancelled in flight: it went anyway
    row.sent_at = now
    row.not_before = None
    row.error = None
    row.updated_at = now
    if row.step is None or not was_pending:
        return
    ticket = await db.get(Ticket, row.ticket_id, with_for_update=dialect(db) == "postgresql")
    if ticket is None or ticket.status != TicketStatus.FOLLOW_UP:
        return
    ticket.current_follow_up_step = max(ticket.current_follow_up_step or 0, row.step + 1)
    more = await db.scalar(
        select(ScheduledMessage.id)
        .where(
            ScheduledMessage.ticket_id == ticket.id,
            ScheduledMessage.step.is_not(None),
            ScheduledMessage.status == ScheduledStatus.PENDING,
            ScheduledMessage.id != row.id,
        )
        .limit(1)
    )
    if more is None:  # the last step went out: the lead has the final wait to answer
        seq = await db.get(FollowUpSequence, row.sequence_id) if row.sequence_id else None
        ticket.follow_up_ends_at = now + timedelta(minutes=seq.final_wait_minutes if seq else 1440)


async def _fail(db: AsyncSession, conv: Conversation, row: ScheduledMessage, error: str, now: datetime) -> None:
    row.status = ScheduledStatus.FAILED
    row.error = error
    row.not_before = None
    row.updated_at = now
    if row.step is None:
        return
    ticket = await db.get(Ticket, row.ticket_id, with_for_update=dialect(db) == "postgresql")
    if ticket is not None and await tickets.cancel_follow_ups(db, conv, ticket, reason="send_failed", at=now):
        emit_conversation_updated(db, conv.organization_id, await conversations.read_model(db, conv.id))


async def settle(ctx: SendContext, claim: Claim, status: MessageStatus | None, error: str | None, now: datetime) -> str:
    """Record what dispatch() did. Returns "sent", "retrying", "failed" or "unknown"."""
    async with transaction(ctx.factory) as db:
        conv = await db.get(Conversation, claim.conversation_id, with_for_update=dialect(db) == "postgresql")
        row = await db.get(ScheduledMessage, claim.row_id, with_for_update=dialect(db) == "postgresql")
        if conv is None or row is None:
            return "unknown"
        if status is None:  # dispatch itself broke: the lease runs out, then "interrupted"
            return "unknown"
        if status in WENT_OUT:
            await _sent(db, conv, row, now)
            return "sent"
        if row.status != ScheduledStatus.PENDING:
            return "failed"
        if status == MessageStatus.FAILED and error == DISCONNECTED and row.attempts <= len(BACKOFF):
            row.not_before = now + BACKOFF[row.attempts - 1]
            row.error = error
            row.updated_at = now
            return "retrying"
        await _fail(db, conv, row, error or f"Not sent ({status.value})", now)  # e.g. the outcome is unknown
        return "failed"


async def _send(ctx: SendContext, claim: Claim, now: datetime) -> str:
    try:
        result = await dispatch(ctx, claim.message_id)
        status, error = result.status, result.error
    except Exception:  # the row keeps its lease; when it runs out it is "interrupted"
        log.exception("sending scheduled message %s failed", claim.row_id)
        status, error = None, None
    return await settle(ctx, claim, status, error, now)


async def send_due(ctx: SendContext, now: datetime, *, limit: int = BATCH) -> RoundResult:
    """Send the scheduled messages due at `now` (at most `limit` this round)."""
    result = RoundResult()
    async with transaction(ctx.factory) as db:
        candidates = (
            await db.execute(
                select(ScheduledMessage.id, ScheduledMessage.conversation_id)
                .where(_due(now))
                .order_by(ScheduledMessage.scheduled_for, ScheduledMessage.step, ScheduledMessage.id)
                .limit(limit)
            )
        ).all()
    # one lane per conversation, in due order: its rows are claimed and sent one after the
    # other (the lead gets them in order; two claims never wait on the same conversation's
    # lock), CONCURRENCY conversations at a time — a claim overlaps the other lanes' sends
    lanes: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row_id, conv_id in candidates:
        lanes.setdefault(conv_id, []).append(row_id)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def lane(conversation_id: uuid.UUID, row_ids: list[uuid.UUID]) -> list[str]:
        async with gate:
            outcomes = []
            for row_id in row_ids:
                claim = await claim_one(ctx, row_id, conversation_id, now)
                if claim is not None:
                    outcomes.append(await _send(ctx, claim, now))
            return outcomes

    for outcomes in await asyncio.gather(*(lane(c, rows) for c, rows in lanes.items())):
        for outcome in outcomes:
            if outcome == "sent":
                result.sent += 1
            elif outcome == "retrying":
                result.retrying += 1
            elif outcome == "failed":
                result.failed += 1
    return result


async def complete_follow_ups(ctx: SendContext, now: datetime, *, limit: int = BATCH) -> int:
    """Tickets whose last follow-up step went out and whose lead stayed silent for the final
    wait: RESOLVED, closed_by follow_up, outcome no_response. One transaction each, locking the
    conversation first (the receive path's order) and skipping what another worker holds."""
    async with transaction(ctx.factory) as db:
        candidates = (
            await db.execute(
                select(Ticket.id, Ticket.conversation_id)
                .where(Ticket.status == TicketStatus.FOLLOW_UP, Ticket.follow_up_ends_at <= now)
                .order_by(Ticket.follow_up_ends_at)
                .limit(limit)
            )
        ).all()
    done = 0
    for ticket_id, conversation_id in candidates:
        async with transaction(ctx.factory) as db:
            conv = await db.scalar(for_update(select(Conversation).where(Conversation.id == conversation_id), db))
            ticket = await _skip_locked(
                db,
                select(Ticket).where(
                    Ticket.id == ticket_id, Ticket.status == TicketStatus.FOLLOW_UP, Ticket.follow_up_ends_at <= now
                ),
            )
            if conv is None or ticket is None:
                continue
            steps = ticket.current_follow_up_step
            await tickets.close_ticket(db, ticket, TicketOutcome.NO_RESPONSE, None, ClosedBy.FOLLOW_UP)
            await messages.add_system(db, conv, ticket.id, "follow_up_completed", {"steps": steps}, at=now)
            done += 1
    return done


async def anything_due(ctx: SendContext, now: datetime) -> bool:
    """Whether a scheduled message is due (one probe of ix_scheduled_messages_due): the worker
    asks this every second so that a message goes out at its minute, not up to a round later."""
    async with ctx.factory() as db:
        return (await db.scalar(select(ScheduledMessage.id).where(_due(now)).limit(1))) is not None


async def run_once(ctx: SendContext, now: datetime) -> RoundResult:
    """One round of the worker: send what is due, then resolve the follow-ups that ended."""
    result = await send_due(ctx, now)
    result.completed = await complete_follow_ups(ctx, now)
    return result
