"""Leads: one per real person per organization."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.db import utcnow
from whatrack.db_util import get_scoped, insert_or_get, table_of
from whatrack.errors import ContactUnidentifiable, LeadNotFound, NothingToUpdate
from whatrack.leads.schemas import LeadRead, LeadUpdate
from whatrack.models import Conversation, Lead, Ticket
from whatrack.tickets import ads
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


async def find_lead(db: AsyncSession, organization_id: uuid.UUID, contact: Contact) -> Lead | None:
    """The lead upsert_lead() would find for this contact (None when it has none yet)."""
    if not contact.phone and not contact.lid:
        return None
    found: Lead | None = (await db.execute(_lookup(organization_id, contact.phone, contact.lid))).scalar_one_or_none()
    return found


async def upsert_lead(db: AsyncSession, organization_id: uuid.UUID, contact: Contact) -> Lead:
    """Find the lead by phone or by LID alias; create it if new. Keeps aliases and names fresh."""
    if not contact.phone and not contact.lid:
        raise ContactUnidentifiable(f"Cannot identify the contact {contact.jid!r}: no phone number or LID")
    lookup = _lookup(organization_id, contact.phone, contact.lid)
    lead: Lead | None = (await db.execute(lookup)).scalar_one_or_none()
    if lead is None:
        created, _ = await insert_or_get(db, new_lead(organization_id, contact), lookup)
        return created
    refresh_contact(lead, contact)
    return lead


def new_lead(organization_id: uuid.UUID, contact: Contact) -> Lead:
    """A lead for a contact seen for the first time (not stored yet)."""
    return Lead(
        id=uuid.uuid4(),
        organization_id=organization_id,
        phone=contact.phone,
        lid=contact.lid,
        remote_jid=contact.jid,
        push_name=contact.push_name,
        name=None,
        notes=None,
        first_source=None,
        first_campaign=None,
        first_medium=None,
        created_at=utcnow(),
    )


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


def contact_fields(lead: Lead) -> tuple[str | None, ...]:
    return (lead.phone, lead.lid, lead.push_name, lead.remote_jid)


_LEADS = table_of(Lead)
_WRITE_CONTACT = (
    update(_LEADS)
    .where(_LEADS.c.id == bindparam("b_id"))
    .values(
        phone=bindparam("b_phone"),
        lid=bindparam("b_lid"),
        push_name=bindparam("b_push_name"),
        remote_jid=bindparam("b_remote_jid"),
    )
)


async def write_contacts(db: AsyncSession, changed: Collection[Lead]) -> None:
    """Writes back what refresh_contact() changed on detached leads, in one executemany."""
    if changed:
        fields = ("phone", "lid", "push_name", "remote_jid")
        await db.execute(_WRITE_CONTACT, [{"b_id": x.id} | {f"b_{f}": getattr(x, f) for f in fields} for x in changed])


@dataclass(frozen=True, slots=True)
class LeadIndex:
    by_phone: dict[str, Lead]
    by_lid: dict[str, Lead]

    def leads(self) -> list[Lead]:
        return list({lead.id: lead for lead in (*self.by_phone.values(), *self.by_lid.values())}.values())

    def find(self, contact: Contact) -> Lead | None:
        """The lead upsert_lead() would find: the one keyed by phone first, else by LID."""
        if contact.phone and contact.phone in self.by_phone:
            return self.by_phone[contact.phone]
        return self.by_lid.get(contact.lid) if contact.lid else None


async def get_lead(db: AsyncSession, actor: Actor, lead_id: uuid.UUID) -> Lead:
    return await get_scoped(db, Lead, actor, lead_id, LeadNotFound)


async def lead_read(db: AsyncSession, lead: Lead) -> LeadRead:
    conv_id = await db.scalar(select(Conversation.id).where(Conversation.lead_id == lead.id))
    tickets = (
        (await db.scalars(select(Ticket).where(Ticket.conversation_id == conv_id).order_by(Ticket.number))).all()
        if conv_id
        else []
    )
    touches = await ads.touches_of(db, [t.id for t in tickets])
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
        tickets=[TicketRead.model_validate(t).model_copy(update={"touches": touches.get(t.id, [])}) for t in tickets],
    )


async def update_lead(db: AsyncSession, actor: Actor, lead_id: uuid.UUID, body: LeadUpdate) -> Lead:
    lead = await get_lead(db, actor, lead_id)
    fields = body.model_fields_set
    if not fields:
        raise NothingToUpdate("Nothing to update: send name and/or notes")
    if "name" in fields:
        lead.name = body.name or None
    if "notes" in fields:
        lead.notes = body.notes or None
    await db.flush()
    return lead
