"""`whatrack import legacy`: the legacy Whatrack database (Lead, Conversation, Inbound, Message,
WhatsappMessage) brought into this one.

The unit of work is a batch of PEOPLE: legacy leads are grouped by their phone normalised like
incoming numbers (E.164, Brazil's ninth digit), so the same person under two spellings is one
lead with one conversation, and everything of a group is written in one transaction. Every row
written is recorded in `legacy_ids` under its legacy id; a re-run (or a run after a crash,
which rolled its batch back) finds them there and writes only what is missing.

- each Inbound is a ticket with its origin and created_at: RESOLVED, unless the legacy row is
  still open (then the latest open one of the person stays open, if the conversation has no
  open ticket already);
- Lead.first_* = the earliest Inbound's source_type/utm_campaign/utm_medium (the requirements'
  SQL: ORDER BY created_at LIMIT 1, so NULLs of that Inbound are copied too; ties go to the
  smallest legacy id); a person with no Inbound keeps what it had;
- messages come from Message, and from WhatsappMessage only when no Message has the same
  WhatsApp message id (never both); each goes to the ticket whose window holds it (from its
  created_at to the next one's; earlier messages to the first); a person with messages but no
  Inbound gets one RESOLVED ticket for them; CONTACT → LEAD, AI_AGENT → AI;
- imported history is read: the conversation's summary moves through conversations.on_history
  (never unread) and on_ticket, and no real-time event is published.
"""

from __future__ import annotations

import bisect
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.conversations import service as conversations
from whatrack.db import utcnow
from whatrack.legacy.source import LegacyInbound, LegacyLead, LegacyMessage, LegacySource
from whatrack.messages import service as messages
from whatrack.models import (
    Conversation,
    Lead,
    LegacyId,
    Message,
    MessageStatus,
    MessageType,
    SenderType,
    Ticket,
    TicketStatus,
)
from whatrack.reports import metrics
from whatrack.whatsapp.jid import normalize_phone, phone_from_jid

SENDER_TYPES: dict[str, SenderType] = {
    "CONTACT": SenderType.LEAD,
    "LEAD": SenderType.LEAD,
    "AI_AGENT": SenderType.AI,
    "AI": SenderType.AI,
    "USER": SenderType.USER,
    "AGENT": SenderType.USER,
    "SYSTEM": SenderType.SYSTEM,
}
OPEN_STATUSES: dict[str, TicketStatus] = {
    "OPEN": TicketStatus.OPEN,
    "PENDING": TicketStatus.OPEN,
    "FOLLOW_UP": TicketStatus.FOLLOW_UP,
}
_TYPES = {t.value for t in MessageType}
_STATUSES = {s.value for s in MessageStatus}
_CHUNK = 1000

ORPHAN = "belongs to no imported lead (lead skipped or missing)"
NO_PHONE = "no valid phone number"
MERGED = "same person as another legacy lead (merged)"
NO_TIME = "has no time"
UNKNOWN_SENDER = "unknown sender type"
ALSO_IN_MESSAGE = "also in Message (same WhatsApp id)"
REPEATED = "repeated in WhatsappMessage (same WhatsApp id)"
OPEN_ELSEWHERE = "open in the legacy database but the conversation has an open ticket: imported RESOLVED"


@dataclass
class Group:
    """One person: the legacy leads whose phones normalise to `phone`."""

    phone: str
    leads: list[LegacyLead]

    @property
    def ids(self) -> list[str]:
        return [x.id for x in self.leads]


@dataclass
class Report:
    totals: dict[str, int] = field(default_factory=dict)
    # legacy rows that are (or, in a dry run, would be) imported, per kind
    planned: Counter[str] = field(default_factory=Counter)
    # rows this run wrote, per kind
    written: Counter[str] = field(default_factory=Counter)
    # kind -> reason -> legacy rows not imported
    skipped: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    seen: Counter[str] = field(default_factory=Counter)
    merges: list[tuple[str, list[str]]] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)
    # after the run, from the target database (what `legacy_ids` holds)
    imported: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def verification(self) -> list[tuple[str, int, int, str, bool]]:
        """(kind, legacy, imported, explanation, balanced) per kind."""
        got = self.planned if self.dry_run else Counter(self.imported)
        rows: list[tuple[str, int, int, str, bool]] = []

        def row(label: str, kind: str, legacy: int, imported: int) -> None:
            reasons = self.skipped.get(kind, Counter())
            explained = sum(reasons.values())
            text = "; ".join(f"{n} {why}" for why, n in sorted(reasons.items())) or "-"
            rows.append((label, legacy, imported, text, legacy - imported == explained))

        row("Leads", "leads", self.totals.get("leads", 0), got["leads"])
        legacy_conv = self.totals.get("conversations", 0)
        rows.append(
            (
                "Conversations",
                legacy_conv,
                got["conversations"],
                "one per imported lead (legacy conversations are not copied one by one)",
                got["conversations"] == got["leads"],
            )
        )
        row("Tickets (Inbound)", "inbounds", self.totals.get("inbounds", 0), got["inbounds"])
        rows.append(
            (
                "Tickets (no Inbound)",
                0,
                got["lead_tickets"],
                "made for leads that have messages but no Inbound" if got["lead_tickets"] else "-",
                True,
            )
        )
        row("Messages (Message)", "messages", self.totals.get("messages", 0), got["messages"])
        row(
            "Messages (WhatsappMessage)",
            "whatsapp_messages",
            self.totals.get("whatsapp_messages", 0),
            got["whatsapp_messages"],
        )
        return rows


Progress = Callable[[int], None]


@dataclass
class Target:
    organization_id: uuid.UUID
    instance_id: uuid.UUID


def group_leads(leads: Iterable[LegacyLead], report: Report) -> list[Group]:
    """Legacy leads by person (normalised phone, else the phone of their JID), in legacy id order."""
    groups: dict[str, Group] = {}
    for lead in leads:
        phone = (normalize_phone(lead.phone) if lead.phone else None) or (
            phone_from_jid(lead.remote_jid) if lead.remote_jid else None
        )
        if phone is None:
            report.skipped["leads"][NO_PHONE] += 1
            continue
        if phone in groups:
            groups[phone].leads.append(lead)
        else:
            groups[phone] = Group(phone, [lead])
    for g in groups.values():
        if len(g.leads) > 1:
            report.skipped["leads"][MERGED] += len(g.leads) - 1
            report.merges.append((g.phone, g.ids))
    return list(groups.values())


async def run(
    source: LegacySource,
    factory: async_sessionmaker[AsyncSession],
    target: Target,
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    on_start: Progress | None = None,
    on_batch: Progress | None = None,
) -> Report:
    report = Report(dry_run=dry_run)
    report.totals = await source.totals()
    legacy_leads = await source.leads()
    if on_start is not None:
        on_start(len(legacy_leads))
    groups = group_leads(legacy_leads, report)
    for start in range(0, len(groups), batch_size):
        batch = groups[start : start + batch_size]
        lead_ids = [i for g in batch for i in g.ids]
        inbounds = await source.inbounds(lead_ids)
        msgs = await source.messages(lead_ids)
        was = await source.whatsapp_messages(lead_ids)
        async with factory() as db:
            try:
                await _apply(db, target, batch, inbounds, msgs, was, report)
                if dry_run:
                    await db.rollback()
                else:
                    await db.commit()
            except BaseException:
                await db.rollback()
                raise
        if on_batch is not None:
            on_batch(len(lead_ids))
    for kind in ("inbounds", "messages", "whatsapp_messages"):
        orphans = report.totals.get(kind, 0) - report.seen[kind]
        if orphans:
            report.skipped[kind][ORPHAN] += orphans
    async with factory() as db:
        report.imported = await imported_counts(db, target.organization_id)
    return report


async def imported_counts(db: AsyncSession, organization_id: uuid.UUID) -> dict[str, int]:
    """What `legacy_ids` says was imported into the organization, per kind."""
    by_kind = dict(
        (
            await db.execute(
                select(LegacyId.kind, func.count())
                .where(LegacyId.organization_id == organization_id)
                .group_by(LegacyId.kind)
            )
        ).all()
    )
    lead_ids = select(LegacyId.target_id).where(LegacyId.organization_id == organization_id, LegacyId.kind == "lead")
    leads = await db.scalar(
        select(func.count(func.distinct(LegacyId.target_id))).where(LegacyId.target_id.in_(lead_ids))
    )
    convs = await db.scalar(select(func.count()).select_from(Conversation).where(Conversation.lead_id.in_(lead_ids)))
    return {
        "leads": int(leads or 0),
        "conversations": int(convs or 0),
        "inbounds": int(by_kind.get("inbound", 0)),
        "lead_tickets": int(by_kind.get("lead_ticket", 0)),
        "messages": int(by_kind.get("message", 0)),
        "whatsapp_messages": int(by_kind.get("whatsapp_message", 0)),
    }


async def _mapped(db: AsyncSession, org: uuid.UUID, kind: str, legacy_ids: Iterable[str]) -> dict[str, uuid.UUID]:
    ids = list(dict.fromkeys(legacy_ids))
    out: dict[str, uuid.UUID] = {}
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        stmt = select(LegacyId.legacy_id, LegacyId.target_id).where(
            LegacyId.organization_id == org, LegacyId.kind == kind, LegacyId.legacy_id.in_(part)
        )
        out.update({k: v for k, v in (await db.execute(stmt)).all()})
    return out


def _key(x: LegacyInbound) -> tuple[datetime, str]:
    return (x.created_at, x.id)


@dataclass
class _Person:
    group: Group
    lead: Lead
    conv: Conversation
    new_conv: bool
    inbounds: list[LegacyInbound]
    messages: list[LegacyMessage]
    # (created_at, target ticket id), sorted: the windows messages fall into
    windows: list[tuple[datetime, uuid.UUID]] = field(default_factory=list)
    tickets: dict[uuid.UUID, Ticket] = field(default_factory=dict)
    latest: Ticket | None = None


async def _apply(  # noqa: C901 - one batch, phase by phase (leads, tickets, messages, summaries)
    db: AsyncSession,
    target: Target,
    batch: Sequence[Group],
    inbounds: Sequence[LegacyInbound],
    msgs: Sequence[LegacyMessage],
    was: Sequence[LegacyMessage],
    report: Report,
) -> None:
    org = target.organization_id
    report.seen["inbounds"] += len(inbounds)
    report.seen["messages"] += len(msgs)
    report.seen["whatsapp_messages"] += len(was)
    person_of = {lid: g for g in batch for lid in g.ids}
    by_person_inb: dict[str, list[LegacyInbound]] = defaultdict(list)
    for row in inbounds:
        by_person_inb[person_of[row.lead_id].phone].append(row)
    by_person_msg: dict[str, list[LegacyMessage]] = defaultdict(list)
    for m in _messages_once(msgs, was, report):
        by_person_msg[person_of[m.lead_id].phone].append(m)

    mapped_leads = await _mapped(db, org, "lead", person_of)
    mapped_inb = await _mapped(db, org, "inbound", (i.id for i in inbounds))
    mapped_lt = await _mapped(db, org, "lead_ticket", (g.phone for g in batch))
    mapped_msg = await _mapped(db, org, "message", (m.id for m in msgs))
    mapped_wa = await _mapped(db, org, "whatsapp_message", (m.id for m in was))
    new_ids: list[LegacyId] = []

    def remember(kind: str, legacy_id: str, target_id: uuid.UUID) -> None:
        new_ids.append(LegacyId(organization_id=org, kind=kind, legacy_id=legacy_id, target_id=target_id))

    # 1. leads and conversations --------------------------------------------------------------
    phones = [g.phone for g in batch]
    known = list(
        (
            await db.scalars(
                select(Lead).where(
                    Lead.organization_id == org,
                    Lead.phone.in_(phones) | Lead.id.in_(list(set(mapped_leads.values()))),
                )
            )
        ).all()
    )
    lead_by_phone = {x.phone: x for x in known}
    lead_by_id = {x.id: x for x in known}
    convs = {
        c.lead_id: c
        for c in (await db.scalars(select(Conversation).where(Conversation.lead_id.in_([x.id for x in known])))).all()
    }
    people: list[_Person] = []
    new_leads: list[Lead] = []
    for g in batch:
        lead = next((lead_by_id[mapped_leads[i]] for i in g.ids if mapped_leads.get(i) in lead_by_id), None)
        lead = lead or lead_by_phone.get(g.phone)
        if lead is None:
            created = min((x.created_at for x in g.leads if x.created_at), default=utcnow())
            name = next((x.name.strip()[:200] for x in g.leads if x.name and x.name.strip()), None)
            lead = Lead(id=uuid.uuid4(), organization_id=org, phone=g.phone, name=name, created_at=created)
            new_leads.append(lead)
            report.written["leads"] += 1
        for i in g.ids:
            if i not in mapped_leads:
                remember("lead", i, lead.id)
        people.append(
            _Person(g, lead, convs.get(lead.id), False, by_person_inb[g.phone], by_person_msg[g.phone])  # type: ignore[arg-type]
        )
        report.planned["leads"] += 1
        report.planned["conversations"] += 1
    db.add_all(new_leads)
    await db.flush()
    new_convs: list[Conversation] = []
    for p in people:
        if p.conv is None:
            p.conv = conversations.new_conversation(org, p.lead.id, target.instance_id)
            p.conv.created_at = p.lead.created_at
            p.conv.last_message_at = p.lead.created_at
            p.new_conv = True
            new_convs.append(p.conv)
    db.add_all(new_convs)
    await db.flush()

    # 2. tickets ------------------------------------------------------------------------------
    conv_ids = [p.conv.id for p in people]
    numbers: dict[uuid.UUID, int] = dict(
        (
            await db.execute(
                select(Ticket.conversation_id, func.max(Ticket.number))
                .where(Ticket.conversation_id.in_(conv_ids))
                .group_by(Ticket.conversation_id)
            )
        ).all()
    )
    active = set(
        (
            await db.scalars(
                select(Ticket.conversation_id).where(
                    Ticket.conversation_id.in_(conv_ids), Ticket.status != TicketStatus.RESOLVED
                )
            )
        ).all()
    )
    new_tickets: list[Ticket] = []
    for p in people:
        timed = sorted(m.sent_at for m in p.messages if m.sent_at is not None)
        p.inbounds.sort(key=_key)
        if p.inbounds:
            earliest = p.inbounds[0]
            p.lead.first_source = earliest.source_type
            p.lead.first_campaign = earliest.utm_campaign
            p.lead.first_medium = earliest.utm_medium
        opens = [i for i in p.inbounds if (i.status or "").upper() in OPEN_STATUSES]
        keep_open = opens[-1] if opens else None
        if len(opens) > 1:
            report.notes["open in the legacy database but a later one is open: imported RESOLVED"] += len(opens) - 1
        starts = [i.created_at for i in p.inbounds]
        specs: list[tuple[str, str, datetime, LegacyInbound | None]] = [
            ("inbound", i.id, i.created_at, i) for i in p.inbounds
        ]
        if not p.inbounds and timed:
            specs = [("lead_ticket", p.group.phone, timed[0], None)]
            starts = [timed[0]]
        for kind, legacy_id, at, inb in specs:
            report.planned["inbounds" if kind == "inbound" else "lead_tickets"] += 1
            done = (mapped_inb if kind == "inbound" else mapped_lt).get(legacy_id)
            if done is not None:
                p.windows.append((at, done))
                continue
            # the ticket's window: until the next ticket starts
            nxt = bisect.bisect_right(starts, at)
            end = starts[nxt] if nxt < len(starts) else None
            in_window = [x for x in timed if x >= at and (end is None or x < end)]
            if inb is not None and inb is p.inbounds[0]:
                in_window += [x for x in timed if x < at]
            last = max([at, *in_window])
            status = TicketStatus.RESOLVED
            if inb is not None and inb is keep_open:
                if p.conv.id in active:
                    report.notes[OPEN_ELSEWHERE] += 1
                else:
                    status = OPEN_STATUSES[(inb.status or "").upper()]
                    active.add(p.conv.id)
            numbers[p.conv.id] = numbers.get(p.conv.id, 0) + 1
            ticket = Ticket(
                id=uuid.uuid4(),
                organization_id=org,
                conversation_id=p.conv.id,
                instance_id=p.conv.instance_id,
                number=numbers[p.conv.id],
                status=status,
                source=inb.source_type if inb else None,
                campaign=inb.utm_campaign if inb else None,
                medium=inb.utm_medium if inb else None,
                ad_id=inb.ad_id if inb else None,
                ctwa_clid=None,
                referral={},
                assignee_id=None,
                follow_up_enabled=False,
                last_activity_at=last,
                resolved_at=last if status == TicketStatus.RESOLVED else None,
                created_at=at,
            )
            new_tickets.append(ticket)
            p.tickets[ticket.id] = ticket
            p.windows.append((at, ticket.id))
            remember(kind, legacy_id, ticket.id)
            report.written["tickets"] += 1
        p.windows.sort(key=lambda w: w[0])
        if p.tickets:
            p.latest = max(p.tickets.values(), key=lambda t: (t.created_at, t.number))
    db.add_all(new_tickets)
    await db.flush()

    # 3. messages -----------------------------------------------------------------------------
    rows: list[dict[str, Any]] = []
    legacy_of_row: list[LegacyMessage] = []
    for p in people:
        starts = [w[0] for w in p.windows]
        for m in p.messages:
            if m.sent_at is None:
                report.skipped[_kind(m)][NO_TIME] += 1
                continue
            sender = SENDER_TYPES.get((m.sender_type or "").upper())
            if sender is None:
                report.skipped[_kind(m)][UNKNOWN_SENDER] += 1
                continue
            report.planned[_kind(m)] += 1
            if (mapped_msg if m.table == "message" else mapped_wa).get(m.id) is not None:
                continue
            window = max(bisect.bisect_right(starts, m.sent_at) - 1, 0)
            rows.append(_row(target, p, m, sender, p.windows[window][1]))
            legacy_of_row.append(m)
    inserted = await _write_messages(db, rows)
    missing = [r["external_id"] for r in rows if r["id"] not in inserted and r["external_id"]]
    existing = await messages.by_external_ids(db, target.instance_id, missing) if missing else {}
    conv_of = {p.conv.id: p for p in people}
    touched: set[uuid.UUID] = set()
    for r, m in sorted(zip(rows, legacy_of_row, strict=True), key=lambda x: x[0]["sent_at"]):
        if r["id"] in inserted:
            remember(m.table, m.id, r["id"])
            report.written["messages"] += 1
            conversations.on_history(conv_of[r["conversation_id"]].conv, Message(**r))
            touched.add(r["conversation_id"])
        elif r["external_id"] in existing:
            remember(m.table, m.id, existing[r["external_id"]].id)
            report.notes["already in the inbox (same WhatsApp id): linked, not copied"] += 1

    # 4. what the conversations show ----------------------------------------------------------
    for p in people:
        if p.latest is not None and (p.new_conv or p.conv.current_ticket_id is None):
            conversations.on_ticket(p.conv, p.latest)
        if p.tickets:
            touched.add(p.conv.id)
    db.add_all(new_ids)
    await db.flush()
    await metrics.rebuild_conversations(db, sorted(touched))


def _kind(m: LegacyMessage) -> str:
    return "messages" if m.table == "message" else "whatsapp_messages"


def _messages_once(msgs: Sequence[LegacyMessage], was: Sequence[LegacyMessage], report: Report) -> list[LegacyMessage]:
    """Message rows, then the WhatsappMessage rows no Message (nor an earlier WhatsappMessage)
    has the WhatsApp id of."""
    in_message = {m.external_id for m in msgs if m.external_id}
    ids = set(in_message)
    out = list(msgs)
    for m in sorted(was, key=lambda x: x.id):
        if m.external_id and m.external_id in ids:
            report.skipped["whatsapp_messages"][ALSO_IN_MESSAGE if m.external_id in in_message else REPEATED] += 1
            continue
        if m.external_id:
            ids.add(m.external_id)
        out.append(m)
    return out


def _row(target: Target, p: _Person, m: LegacyMessage, sender: SenderType, ticket_id: uuid.UUID) -> dict[str, Any]:
    kind = (m.message_type or "TEXT").upper()
    status = (m.status or "").upper()
    meta: dict[str, Any] = {"legacy": {"table": m.table, "id": m.id}}
    if m.media_url:
        meta["mediaUrl"] = m.media_url
    assert m.sent_at is not None
    return messages.row(
        organization_id=target.organization_id,
        conversation_id=p.conv.id,
        ticket_id=ticket_id,
        instance_id=target.instance_id,
        sender_type=sender,
        sender_name=m.sender_name if m.sender_name else (p.lead.name if sender == SenderType.LEAD else None),
        message_type=MessageType(kind) if kind in _TYPES else MessageType.TEXT,
        content=m.content,
        status=MessageStatus(status)
        if status in _STATUSES
        else (MessageStatus.DELIVERED if sender == SenderType.LEAD else MessageStatus.SENT),
        external_id=m.external_id,
        sent_at=m.sent_at,
        media_mime=m.media_type if m.media_type and "/" in m.media_type else None,
        meta=meta,
    )


async def _write_messages(db: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """INSERT ... ON CONFLICT (instance_id, external_id) DO NOTHING, in chunks: the ids inserted."""
    inserted: set[uuid.UUID] = set()
    for start in range(0, len(rows), _CHUNK):
        inserted |= await messages.insert_many(db, rows[start : start + _CHUNK])
    return inserted
