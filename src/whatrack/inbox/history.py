"""WhatsApp history at pairing: one `HistorySync` chunk -> past messages of the right leads.

Only when the instance asks for it (`history_days` > 0: WhatsApp sends a small history on
every pairing whatever WuzAPI's days_to_sync_history says) and only messages of the last
`history_days` days. Each message goes through the identity rules of live traffic
(leads.upsert_lead: phone, ninth digit, LID alias) into the lead's conversation, idempotent by
WhatsApp id, but as the past it is:
- never unread, never a notification (no `new_message` event; one `conversation_updated` per
  conversation of the chunk so lists show it), never cancels a follow-up;
- in tickets cut by gaps of inactivity (the organization's inactivity timeout): a message joins
  the ticket whose activity it continues, else starts a RESOLVED ticket with source `history`;
- the lead's last message in the list only when nothing later is there (conversations.on_history).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.conversations import service as conversations
from whatrack.db import utcnow
from whatrack.errors import DomainError
from whatrack.leads import service as leads
from whatrack.messages import service as messages
from whatrack.models import (
    ClosedBy,
    Conversation,
    Instance,
    Lead,
    Message,
    MessageStatus,
    MessageType,
    Organization,
    SenderType,
    Ticket,
    TicketStatus,
)
from whatrack.realtime.events import emit_conversation_updated
from whatrack.reports import metrics
from whatrack.tickets import service as tickets
from whatrack.whatsapp.events import HistorySync, IncomingMessage

log = logging.getLogger(__name__)

HISTORY_SOURCE = "history"
"""tickets.source of a ticket made from WhatsApp history."""
DEFAULT_GAP = timedelta(hours=24)  # when the organization never closes tickets for inactivity


def _values(
    instance: Instance, lead: Lead, conv: Conversation, ticket: Ticket, ev: IncomingMessage, status: str | None
) -> dict[str, Any]:
    meta = dict(ev.metadata)
    meta["history"] = True
    if ev.media is not None and ev.media.url:
        meta["mediaUrl"] = ev.media.url
    return messages.row(
        organization_id=instance.organization_id,
        conversation_id=conv.id,
        ticket_id=ticket.id,
        instance_id=instance.id,
        sender_type=SenderType.USER if ev.from_me else SenderType.LEAD,
        sender_name=None if ev.from_me else (lead.name or ev.contact.push_name),
        message_type=MessageType(ev.kind.value),
        content=ev.text,
        # our past messages as far as WhatsApp told (delivered/read), a lead's as received
        status=MessageStatus(status.upper())
        if status
        else MessageStatus.SENT
        if ev.from_me
        else MessageStatus.DELIVERED,
        external_id=ev.external_id,
        reply_to_external_id=ev.quoted_id,
        sent_at=ev.timestamp,
        media_mime=ev.media.mime_type if ev.media else None,
        media_name=ev.media.file_name if ev.media else None,
        media_size=ev.media.size if ev.media else None,
        meta=meta,
    )


class _Tickets:
    """The tickets of one conversation, and where a past message belongs among them."""

    def __init__(self, conv: Conversation, lead: Lead, found: list[Ticket], gap: timedelta) -> None:
        self.conv, self.lead, self.gap = conv, lead, gap
        self.items = found
        self.number = max((t.number for t in found), default=0)

    def _covering(self, at: datetime) -> Ticket | None:
        fits = [t for t in self.items if t.created_at <= at <= t.last_activity_at + self.gap]
        if fits:
            return max(fits, key=lambda t: t.created_at)
        # just before a ticket that starts within the gap: it opened earlier than we knew
        later = [t for t in self.items if t.source == HISTORY_SOURCE and at < t.created_at <= at + self.gap]
        return min(later, key=lambda t: t.created_at) if later else None

    async def place(self, db: AsyncSession, at: datetime) -> Ticket:
        ticket = self._covering(at)
        if ticket is None:
            self.number += 1
            ticket = Ticket(
                id=uuid.uuid4(),
                organization_id=self.conv.organization_id,
                conversation_id=self.conv.id,
                instance_id=self.conv.instance_id,
                number=self.number,
                status=TicketStatus.RESOLVED,
                source=HISTORY_SOURCE,
                referral={},
                assignee_id=None,
                follow_up_enabled=False,
                closed_by=ClosedBy.INACTIVITY,
                last_activity_at=at,
                resolved_at=at,
                created_at=at,
            )
            db.add(ticket)
            await db.flush()  # before the conversation points at it
            self.items.append(ticket)
            tickets.first_touch(self.lead, ticket)
            if self.conv.current_ticket_id is None:
                conversations.on_ticket(self.conv, ticket)
            return ticket
        if ticket.source == HISTORY_SOURCE and at < ticket.created_at:
            ticket.created_at = at
        if at > ticket.last_activity_at:
            ticket.last_activity_at = at
            if ticket.status == TicketStatus.RESOLVED and ticket.source == HISTORY_SOURCE:
                ticket.resolved_at = at
        return ticket


async def _gap(db: AsyncSession, organization_id: uuid.UUID) -> timedelta:
    minutes = await db.scalar(select(Organization.inactivity_timeout_minutes).where(Organization.id == organization_id))
    return timedelta(minutes=minutes) if minutes and minutes > 0 else DEFAULT_GAP


async def receive_history(db: AsyncSession, instance: Instance, ev: HistorySync) -> tuple[int, int]:
    """Store one chunk; returns (stored, already there or out of the window)."""
    if instance.history_days <= 0:
        return 0, len(ev.messages)
    since = utcnow() - timedelta(days=instance.history_days)
    wanted = sorted((m for m in ev.messages if m.timestamp >= since), key=lambda m: m.timestamp)
    skipped = len(ev.messages) - len(wanted)
    known = await messages.by_external_ids(db, instance.id, [m.external_id for m in wanted])
    gap = await _gap(db, instance.organization_id)
    org_id = instance.organization_id
    per_lead: dict[uuid.UUID, _Tickets] = {}
    status_of = {s.external_id: s.status for s in ev.statuses}
    stored: list[Message] = []
    seen: set[str] = set()
    for m in wanted:
        if m.external_id in known or m.external_id in seen:
            skipped += 1
            continue
        seen.add(m.external_id)
        try:
            lead = await leads.upsert_lead(db, org_id, m.contact)
        except DomainError as exc:  # no phone and no LID: as live traffic, nothing to attach it to
            log.info("history message %s skipped: %s", m.external_id, exc)
            skipped += 1
            continue
        place = per_lead.get(lead.id)
        if place is None:
            conv, _ = await conversations.get_or_create(db, org_id, lead, instance.id)
            found = list((await db.scalars(select(Ticket).where(Ticket.conversation_id == conv.id))).all())
            place = per_lead[lead.id] = _Tickets(conv, lead, found, gap)
        ticket = await place.place(db, m.timestamp)
        await db.flush()
        msg = await messages.insert_once(
            db, _values(instance, lead, place.conv, ticket, m, status_of.get(m.external_id))
        )
        if msg is None:  # a concurrent delivery of the same chunk
            skipped += 1
            continue
        conversations.on_history(place.conv, msg)
        stored.append(msg)
    if stored:
        await metrics.on_messages(db, stored)
    for place in per_lead.values():
        emit_conversation_updated(db, org_id, await conversations.read_of(db, place.conv, place.lead))
    if stored:
        log.info("instance %s: %d history messages stored (sync type %d)", instance.id, len(stored), ev.sync_type)
    return len(stored), skipped
