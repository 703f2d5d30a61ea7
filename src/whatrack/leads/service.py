"""Leads: one per real person per organization."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.db_util import insert_or_get
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
    if contact.phone and not lead.phone:
        lead.phone = contact.phone
    if contact.lid and not lead.lid:
        lead.lid = contact.lid
    if contact.push_name and contact.push_name != lead.push_name:
        lead.push_name = contact.push_name
    if contact.jid and contact.jid != lead.remote_jid:
        lead.remote_jid = contact.jid
    return lead


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
