"""Ads on tickets: the campaign names admins give ad ids (applied to past and future tickets)
and ad clicks that arrive while a ticket is open (touches)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.attribution.referral import Origin
from whatrack.db import utcnow
from whatrack.models import AdCampaign, Conversation, Lead, Ticket, TicketTouch
from whatrack.tickets.schemas import AdRead, TouchRead


async def named_origin(db: AsyncSession, organization_id: uuid.UUID, origin: Origin) -> Origin:
    """`origin` with the campaign an admin gave its ad, when there is one."""
    if origin.ad_id is None:
        return origin
    name = await db.scalar(
        select(AdCampaign.campaign).where(
            AdCampaign.organization_id == organization_id, AdCampaign.ad_id == origin.ad_id
        )
    )
    return dataclasses.replace(origin, campaign=name) if name else origin


async def record_touch(db: AsyncSession, ticket: Ticket, origin: Origin, at: datetime) -> TicketTouch:
    """An ad click on a ticket that is already open: kept as a touch (any_touch counts it)."""
    origin = await named_origin(db, ticket.organization_id, origin)
    touch = TicketTouch(
        id=uuid.uuid4(),
        organization_id=ticket.organization_id,
        ticket_id=ticket.id,
        source=origin.source,
        campaign=origin.campaign,
        medium=origin.medium,
        ad_id=origin.ad_id,
        ad_headline=origin.ad.headline if origin.ad else None,
        ctwa_clid=origin.ctwa_clid,
        ad_source_url=origin.ad.source_url if origin.ad else None,
        at=at,
    )
    db.add(touch)
    return touch


async def touches_of(db: AsyncSession, ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[TouchRead]]:
    if not ticket_ids:
        return {}
    rows = await db.scalars(select(TicketTouch).where(TicketTouch.ticket_id.in_(ticket_ids)).order_by(TicketTouch.at))
    found: dict[uuid.UUID, list[TouchRead]] = {}
    for row in rows:
        found.setdefault(row.ticket_id, []).append(TouchRead.model_validate(row))
    return found


async def list_ads(db: AsyncSession, organization_id: uuid.UUID) -> list[AdRead]:
    """Every ad the organization's tickets came from, with its last headline and campaign name."""
    stmt = (
        select(Ticket.ad_id, func.count(), func.max(Ticket.ad_headline), func.max(Ticket.created_at))
        .where(Ticket.organization_id == organization_id, Ticket.ad_id.is_not(None))
        .group_by(Ticket.ad_id)
    )
    seen = {row[0]: row for row in await db.execute(stmt)}
    named = {
        row.ad_id: row.campaign
        for row in await db.execute(
            select(AdCampaign.ad_id, AdCampaign.campaign).where(AdCampaign.organization_id == organization_id)
        )
    }
    ads = [
        AdRead(ad_id=ad_id, headline=row[2] if row else None, tickets=row[1] if row else 0, campaign=named.get(ad_id))
        for ad_id, row in ((a, seen.get(a)) for a in set(seen) | set(named))
    ]
    ads.sort(key=lambda a: (-a.tickets, a.ad_id))
    return ads


async def name_ad(db: AsyncSession, organization_id: uuid.UUID, ad_id: str, campaign: str | None) -> AdRead:
    """Names an ad as a campaign (None: forget the name) and fills `campaign` on the ad's past
    tickets, and the first campaign of leads whose first ticket it is."""
    mapping = await db.scalar(
        select(AdCampaign).where(AdCampaign.organization_id == organization_id, AdCampaign.ad_id == ad_id)
    )
    if campaign is None:
        if mapping is not None:
            await db.delete(mapping)
    elif mapping is None:
        db.add(AdCampaign(id=uuid.uuid4(), organization_id=organization_id, ad_id=ad_id, campaign=campaign))
    else:
        mapping.campaign, mapping.updated_at = campaign, utcnow()
    if campaign is not None:
        of_ad = and_(Ticket.organization_id == organization_id, Ticket.ad_id == ad_id)
        await db.execute(update(Ticket).where(of_ad).values(campaign=campaign))
        await db.execute(
            update(TicketTouch)
            .where(TicketTouch.organization_id == organization_id, TicketTouch.ad_id == ad_id)
            .values(campaign=campaign)
        )
        first_tickets = (
            select(Conversation.lead_id)
            .join(Ticket, Ticket.conversation_id == Conversation.id)
            .where(of_ad, Ticket.number == 1)
        )
        await db.execute(
            update(Lead)
            .where(Lead.organization_id == organization_id, Lead.id.in_(first_tickets))
            .values(first_campaign=campaign)
        )
    await db.flush()
    return (
        next(a for a in await list_ads(db, organization_id) if a.ad_id == ad_id)
        if campaign
        else AdRead(ad_id=ad_id, headline=None, tickets=0, campaign=None)
    )
