"""Leads: one per real person per organization."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.db_util import insert_or_get, one_of
from whatrack.errors import BadRequest, NotFound
from whatrack.leads.schemas import LeadRead, LeadUpdate
from whatrack.models import Conversation, Lead, Ticket
from whatrack.tickets.schemas import TicketRead
from whatrack.whatsapp.events import Contact


def _lookup(organization_id: uuid.UUID, phone: str | None, lid: str | None) -> Select[Lead]:
    keys = []
    if phone:
        keys.append(Lead.phone == phone)
    if lid:
        keys.append(Lead.lid == lid)
    return (
        select(Lead)
        .where(Lead.organization_id == organization_id, or_(*keys))
        .order_by(Lead.phone.is_(None))  # prefer the row keyed by phone
        .limit(1)
    )


async def upsert_lead(db: AsyncSession, organization_id: uuid.UUID, contact: Contact) -> Lead:
    """Find the lead by phone or by LID alias; create it if new. Keeps aliases and names fresh."""
    if not contact.phone and not contact.lid:
        raise BadRequest(f"Cannot identify the contact {contact.jid!r}: no phone number or LID")
    lookup = _lookup(organization_id, contact.phone, contact.lid)
    lead: Lead | None = (await db.execute(lookup)).scalar_one_or_none()
    if lead is None:
        created, _ = await insert_or_get(
            db,
            Lead(
                id=uuid.uuid4(),
                organization_id=organization_id,
                phone=contact.phone,
                lid=contact.lid,
                remote_jid=contact.jid,
                push_name=contact.push_name,
            ),
            lookup,
        )
        return created
    refresh_contact(lead, contact)
    return lead


def refresh_contact(lead: Lead, contact: Contact) -> None:
    """Keeps the lead's aliases (phone, LID, JID) and WhatsApp name up to date."""
    if contact.phone and not lead.phone:
        lead.phone = contact.phone
    if contact.lid and not lead.lid:
        lead.lid = contact.lid
    if contact.push_name and contact.push_name != lead.push_name:
        lead.push_name = contact.push_name
    if contact.jid and contact.jid != lead.remote_jid:
        lead.remote_jid = contact.jid


async def leads_for_contacts(db: AsyncSession, organization_id: uuid.UUID, contacts: Sequence[Contact]) -> LeadIndex:
    """Every lead of the organization any of `contacts` resolves to, in one query."""
    phones = {c.phone for c in contacts if c.phone}
    lids = {c.lid for c in contacts if c.lid}
    keys = [one_of(db, Lead.phone, phones)] if phones else []
    if lids:
        keys.append(one_of(db, Lead.lid, lids))
    if not keys:
        return LeadIndex({}, {})
    rows = (await db.scalars(select(Lead).where(Lead.organization_id == organization_id, or_(*keys)))).all()
    return LeadIndex({r.phone: r for r in rows if r.phone}, {r.lid: r for r in rows if r.lid})


async def load_many(db: AsyncSession, lead_ids: Collection[uuid.UUID]) -> list[Lead]:
    """Loads these leads into the session: while the caller holds the list, db.get() finds them
    without a query (the identity map only keeps weak references)."""
    if not lead_ids:
        return []
    return list((await db.scalars(select(Lead).where(one_of(db, Lead.id, lead_ids)))).all())


@dataclass(frozen=True, slots=True)
class LeadIndex:
    by_phone: dict[str, Lead]
    by_lid: dict[str, Lead]

    def find(self, contact: Contact) -> Lead | None:
        """The lead upsert_lead() would find: the one keyed by phone first, else by LID."""
        if contact.phone and contact.phone in self.by_phone:
            return self.by_phone[contact.phone]
        return self.by_lid.get(contact.lid) if contact.lid else None


async def get_lead(db: AsyncSession, actor: Actor, lead_id: uuid.UUID) -> Lead:
    lead: Lead | None = await db.scalar(
        select(Lead).where(Lead.id == lead_id, Lead.organization_id == actor.organization_id)
    )
    if lead is None:
        raise NotFound("Lead not found")
    return lead


async def lead_read(db: AsyncSession, lead: Lead) -> LeadRead:
    conv_id = await db.scalar(select(Conversation.id).where(Conversation.lead_id == lead.id))
    tickets = (
        (await db.scalars(select(Ticket).where(Ticket.conversation_id == conv_id).order_by(Ticket.number))).all()
        if conv_id
        else []
    )
    return LeadRead(
        id=lead.id,
        name=lead.name,
        push_name=lead.push_name,
        phone=lead.phone,
        notes=lead.notes,
        first_source=lead.first_source,
        first_campaign=lead.first_campaign,
        first_medium=lead.first_medium,
        created_at=lead.created_at,
        conversation_id=conv_id,
        tickets=[TicketRead.model_validate(t) for t in tickets],
    )


async def update_lead(db: AsyncSession, actor: Actor, lead_id: uuid.UUID, body: LeadUpdate) -> Lead:
    lead = await get_lead(db, actor, lead_id)
    fields = body.model_fields_set
    if not fields:
        raise BadRequest("Nothing to update: send name and/or notes")
    if "name" in fields:
        lead.name = body.name or None
    if "notes" in fields:
        lead.notes = body.notes or None
    await db.flush()
    return lead
