"""Response metrics kept as messages happen: per ticket (ticket_metrics), rolled up per
conversation (conversation_metrics).

One entry point for every write path: `on_messages(db, msgs)`, called in the transaction
that inserts the messages (inbox receive, batch, send). It reads every metrics row of the
batch's conversations once (locked, detached), applies the messages in Python with `apply()` and
writes each table back with one executemany upsert: Core only, so the batch path stays
set-based. `rebuild()` (the `whatrack metrics rebuild` command) runs the same `apply()` over
every message, in time order: incremental and rebuilt figures are equal by construction.

Definitions (whole seconds on the organization's clock: the wall clock, or its business hours —
`business_hours.Clock`, the one tickets/service.py measures resolutions with; internal notes
are not messages here):
- messages in/out: LEAD messages / USER and AI messages;
- a response: the first USER message after a burst of LEAD messages; its time is measured
  from the burst's first message. The first response is the first of them (the first USER
  message after the first LEAD message of the ticket);
- `response_seconds` keeps every response time of the ticket (a handful of integers), so the
  average and the p90 (nearest rank) are exact, per ticket and rolled up;
- responders: the users who sent a message in the ticket, first reply first.
A message older than the newest one already counted (webhooks arrive in any order) makes its
ticket's figures be recomputed from that ticket's messages (index on messages.ticket_id).
"""

from __future__ import annotations

import functools
import json
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.business_hours import WALL, Clock, clocks
from whatrack.db import transaction, utcnow
from whatrack.db_util import dialect, in_param, table_of
from whatrack.models import (
    Conversation,
    ConversationMetrics,
    Message,
    SenderType,
    Ticket,
    TicketMetrics,
    TicketResponder,
)

_TM = table_of(TicketMetrics)
_TR = table_of(TicketResponder)
_CM = table_of(ConversationMetrics)
_MSG = table_of(Message)
_TICKET = table_of(Ticket)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Figures:
    """A ticket's metrics while they are computed (the ticket_metrics row)."""

    ticket_id: uuid.UUID
    organization_id: uuid.UUID
    conversation_id: uuid.UUID
    messages_in: int = 0
    messages_out: int = 0
    first_lead_at: datetime | None = None
    first_response_seconds: int | None = None
    first_responder_id: uuid.UUID | None = None
    waiting_since: datetime | None = None
    last_message_at: datetime | None = None
    response_count: int = 0
    response_seconds_total: int = 0
    response_seconds: list[int] = field(default_factory=list)
    responders: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {c.name: getattr(self, c.name) for c in _TM.columns}


@dataclass(frozen=True, slots=True)
class Event:
    """What the metrics need of a message."""

    ticket_id: uuid.UUID
    organization_id: uuid.UUID
    conversation_id: uuid.UUID
    sender_type: SenderType
    sender_id: uuid.UUID | None
    sent_at: datetime


def event_of(msg: Message) -> Event:
    return Event(msg.ticket_id, msg.organization_id, msg.conversation_id, msg.sender_type, msg.sender_id, msg.sent_at)


def apply(
    fig: Figures, sender_type: SenderType, sender_id: uuid.UUID | None, at: datetime, clock: Clock = WALL
) -> None:
    """One message, in time order, into its ticket's figures, durations on `clock`. SYSTEM lines
    of activity (ticket closed, assigned...) are not messages: they count nowhere."""
    if sender_type == SenderType.SYSTEM:
        return
    if sender_type == SenderType.LEAD:
        fig.messages_in += 1
        if fig.first_lead_at is None:
            fig.first_lead_at = at
        if fig.waiting_since is None:
            fig.waiting_since = at
    elif sender_type in (SenderType.USER, SenderType.AI):
        fig.messages_out += 1
        if sender_type == SenderType.USER:
            if fig.waiting_since is not None:
                seconds = clock.seconds(fig.waiting_since, at)
                fig.response_seconds = [*fig.response_seconds, seconds]
                fig.response_count += 1
                fig.response_seconds_total += seconds
                if fig.first_response_seconds is None:
                    fig.first_response_seconds = seconds
                    fig.first_responder_id = sender_id
                fig.waiting_since = None
            if sender_id is not None and str(sender_id) not in fig.responders:
                fig.responders = [*fig.responders, str(sender_id)]
    if fig.last_message_at is None or at > fig.last_message_at:
        fig.last_message_at = at


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of the values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def rollup(conversation_id: uuid.UUID, figures: Iterable[Figures]) -> dict[str, Any]:
    """The conversation_metrics row from all the conversation's ticket figures."""
    figs = sorted(figures, key=lambda f: (f.first_lead_at is None, f.first_lead_at or _EPOCH, str(f.ticket_id)))
    times = [s for f in figs for s in f.response_seconds]
    responders: list[str] = []
    for f in figs:
        responders += [r for r in f.responders if r not in responders]
    first = next((f.first_response_seconds for f in figs if f.first_response_seconds is not None), None)
    p90 = percentile(times, 90)
    return {
        "conversation_id": conversation_id,
        "messages_in": sum(f.messages_in for f in figs),
        "messages_out": sum(f.messages_out for f in figs),
        "first_response_seconds": None if first is None else float(first),
        "tickets": len(figs),
        "response_count": len(times),
        "response_seconds_total": sum(times),
        "response_p90_seconds": None if p90 is None else int(p90),
        "responders": responders,
    }


# --- incremental -----------------------------------------------------------------------


async def on_messages(db: AsyncSession, msgs: Sequence[Message]) -> None:
    """New messages (just inserted, in arrival order) into their tickets' and conversations'
    metrics, in the caller's transaction. Works on attached and detached rows alike."""
    if not msgs:
        return
    events = [event_of(m) for m in msgs if not m.note]  # an internal note is not a reply
    if not events:
        return
    # Every ticket row of the messages' conversations, in one locked read: the ones the messages
    # change, and the others the conversation rollup adds up.
    figs = await _load(db, {e.conversation_id for e in events})
    known = {t: set(f.responders) for t, f in figs.items()}  # responders already written
    # Only an agent's message measures a duration: a webhook of lead messages reads no clock.
    orgs = {e.organization_id for e in events}
    by_org = await clocks(db, orgs) if any(e.sender_type == SenderType.USER for e in events) else {}
    touched: set[uuid.UUID] = set()
    stale: set[uuid.UUID] = set()
    for e in events:
        touched.add(e.ticket_id)
        fig = figs.get(e.ticket_id)
        if fig is None:
            fig = figs[e.ticket_id] = Figures(e.ticket_id, e.organization_id, e.conversation_id)
        if fig.last_message_at is not None and e.sent_at < fig.last_message_at:
            stale.add(e.ticket_id)  # out of order: recomputed from the ticket's messages below
            continue
        if e.ticket_id not in stale:
            apply(fig, e.sender_type, e.sender_id, e.sent_at, by_org.get(e.organization_id, WALL))
    if stale:
        figs.update(await _recompute(db, stale, figs, by_org or await clocks(db, orgs)))
    changed = [figs[t] for t in sorted(touched)]
    people = [_responder(f.ticket_id, r) for f in changed for r in f.responders if r not in known.get(f.ticket_id, ())]
    if dialect(db) == "postgresql":  # ticket rows, new responders and rollups in one statement
        rows = {"tm": [f.row() for f in changed], "tr": people, "cm": _rollup_rows(figs.values())}
        await db.execute(_write_all_pg(), {k: json.dumps(v, default=_jsonable) for k, v in rows.items()})
        return
    await _write_tickets(db, changed, people)
    await _write_rollups(db, figs.values())


async def _load(db: AsyncSession, conversation_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Figures]:
    result = await db.execute(_select_figures(dialect(db)), {"ids": list(conversation_ids)})
    return {row.ticket_id: _figures(row._mapping) for row in result}


def _figures(values: Any) -> Figures:
    fig = Figures(**{c.name: values[c.name] for c in _TM.columns})
    fig.response_seconds = list(fig.response_seconds or [])
    fig.responders = list(fig.responders or [])
    return fig


@functools.cache
def _select_figures(dialect_name: str) -> Any:
    stmt = select(_TM).where(in_param(_TM.c.conversation_id, "ids", dialect_name)).order_by(_TM.c.ticket_id)
    return stmt.with_for_update() if dialect_name == "postgresql" else stmt


async def _recompute(
    db: AsyncSession,
    ticket_ids: Collection[uuid.UUID],
    known: dict[uuid.UUID, Figures],
    by_org: dict[uuid.UUID, Clock],
) -> dict[uuid.UUID, Figures]:
    """The figures of these tickets from their messages (the ones of this transaction included)."""
    fresh = {t: Figures(t, known[t].organization_id, known[t].conversation_id) for t in ticket_ids}
    result = await db.execute(_select_events(dialect(db)), {"ids": list(ticket_ids)})
    for row in result:
        fig = fresh[row.ticket_id]
        apply(fig, row.sender_type, row.sender_id, row.sent_at, by_org.get(fig.organization_id, WALL))
    return fresh


@functools.cache
def _select_events(dialect_name: str) -> Any:
    return (
        select(_MSG.c.ticket_id, _MSG.c.sender_type, _MSG.c.sender_id, _MSG.c.sent_at)
        .where(in_param(_MSG.c.ticket_id, "ids", dialect_name), _MSG.c.note.is_(False))
        .order_by(_MSG.c.sent_at, _MSG.c.created_at, _MSG.c.id)
    )


def _responder(ticket_id: uuid.UUID, user_id: str) -> dict[str, Any]:
    return {"ticket_id": ticket_id, "user_id": uuid.UUID(user_id)}


async def _write_tickets(db: AsyncSession, figs: Iterable[Figures], people: list[dict[str, Any]] | None = None) -> None:
    """The ticket_metrics rows, and their responders as ticket_responders rows (`people`: the new
    ones; by default all of them. A ticket's responders only grow: the ones there are kept)."""
    figs = list(figs)
    rows = [f.row() for f in figs]
    if rows:
        await db.execute(_upsert_tickets(dialect(db)), rows)
    if people is None:
        people = [_responder(f.ticket_id, r) for f in figs for r in f.responders]
    if people:
        await db.execute(_insert_responders(dialect(db)), people)


def _jsonable(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


@functools.cache
def _write_all_pg() -> Any:
    """PostgreSQL: ticket_metrics upsert, new ticket_responders and conversation_metrics upsert
    in one statement (data-modifying CTEs; rows passed as JSON arrays read by
    json_populate_recordset, so every column keeps its type)."""

    def insert(table: Any, param: str, columns: list[str]) -> str:
        names = ", ".join(f'"{c}"' for c in columns)
        rows = f"json_populate_recordset(NULL::{table.name}, CAST(:{param} AS json))"
        return f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {rows}"  # noqa: S608 - names from our metadata

    def upsert(table: Any, param: str, key: str, keep: set[str]) -> str:
        columns = [c.name for c in table.columns]
        sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c not in keep)
        return f"{insert(table, param, columns)} ON CONFLICT ({key}) DO UPDATE SET {sets}"

    return text(
        f"WITH tm AS ({upsert(_TM, 'tm', 'ticket_id', {'ticket_id'})}), "
        f"tr AS ({insert(_TR, 'tr', ['ticket_id', 'user_id'])} ON CONFLICT (ticket_id, user_id) DO NOTHING) "
        f"{upsert(_CM, 'cm', 'conversation_id', {'id', 'conversation_id'})}"
    )


@functools.cache
def _insert_responders(dialect_name: str) -> Any:
    stmt = (pg_insert if dialect_name == "postgresql" else sqlite_insert)(_TR)
    return stmt.on_conflict_do_nothing(index_elements=[_TR.c.ticket_id, _TR.c.user_id])


@functools.cache
def _upsert_tickets(dialect_name: str) -> Any:
    stmt = (pg_insert if dialect_name == "postgresql" else sqlite_insert)(_TM)
    keep = {c.name: stmt.excluded[c.name] for c in _TM.columns if c.name != "ticket_id"}
    return stmt.on_conflict_do_update(index_elements=[_TM.c.ticket_id], set_=keep)


def _rollup_rows(figs: Iterable[Figures]) -> list[dict[str, Any]]:
    """Each conversation's rollup row from all its ticket figures (a few per conversation)."""
    by_conv: dict[uuid.UUID, list[Figures]] = defaultdict(list)
    for f in figs:
        by_conv[f.conversation_id].append(f)
    now = utcnow()
    return [rollup(c, by_conv[c]) | {"id": uuid.uuid4(), "updated_at": now} for c in sorted(by_conv)]


async def _write_rollups(db: AsyncSession, figs: Iterable[Figures]) -> None:
    rows = _rollup_rows(figs)
    if rows:
        await db.execute(_upsert_conversations(dialect(db)), rows)


@functools.cache
def _upsert_conversations(dialect_name: str) -> Any:
    stmt = (pg_insert if dialect_name == "postgresql" else sqlite_insert)(_CM)
    keep = {c.name: stmt.excluded[c.name] for c in _CM.columns if c.name not in ("id", "conversation_id")}
    return stmt.on_conflict_do_update(index_elements=[_CM.c.conversation_id], set_=keep)


# --- rebuild ---------------------------------------------------------------------------

Progress = Callable[[int], None]


async def conversation_ids(db: AsyncSession, organization_id: uuid.UUID | None) -> list[uuid.UUID]:
    stmt = select(Conversation.id).order_by(Conversation.id)
    if organization_id is not None:
        stmt = stmt.where(Conversation.organization_id == organization_id)
    return list((await db.scalars(stmt)).all())


async def rebuild_conversations(db: AsyncSession, conversation_ids: Sequence[uuid.UUID]) -> None:
    """Recompute the metrics of these conversations from their messages (replacing what was
    there), and their resolved tickets' resolution times, on each organization's clock as it
    is set now. Idempotent; locks the conversations first so live messages wait."""
    if not conversation_ids:
        return
    ids = list(conversation_ids)
    if dialect(db) == "postgresql":
        await db.execute(select(Conversation.id).where(Conversation.id.in_(ids)).with_for_update())
    of_them = select(_TM.c.ticket_id).where(_TM.c.conversation_id.in_(ids))
    await db.execute(delete(_TR).where(_TR.c.ticket_id.in_(of_them)))
    await db.execute(delete(_TM).where(_TM.c.conversation_id.in_(ids)))
    await db.execute(delete(_CM).where(_CM.c.conversation_id.in_(ids)))
    org_ids = set((await db.scalars(select(Conversation.organization_id).where(Conversation.id.in_(ids)))).all())
    by_org = await clocks(db, org_ids)
    figs: dict[uuid.UUID, Figures] = {}
    stmt = (
        select(
            _MSG.c.ticket_id,
            _MSG.c.organization_id,
            _MSG.c.conversation_id,
            _MSG.c.sender_type,
            _MSG.c.sender_id,
            _MSG.c.sent_at,
        )
        .where(_MSG.c.conversation_id.in_(ids), _MSG.c.note.is_(False))
        .order_by(_MSG.c.sent_at, _MSG.c.created_at, _MSG.c.id)
    )
    for row in await db.execute(stmt):
        fig = figs.get(row.ticket_id)
        if fig is None:
            fig = figs[row.ticket_id] = Figures(row.ticket_id, row.organization_id, row.conversation_id)
        apply(fig, row.sender_type, row.sender_id, row.sent_at, by_org.get(row.organization_id, WALL))
    await _write_tickets(db, figs.values())
    await _write_rollups(db, figs.values())
    await _rebuild_resolutions(db, ids, by_org)


async def _rebuild_resolutions(db: AsyncSession, ids: Sequence[uuid.UUID], by_org: dict[uuid.UUID, Clock]) -> None:
    """Each resolved ticket's created -> resolved time on its organization's clock, as
    tickets.service.close_ticket writes it."""
    rows = await db.execute(
        select(_TICKET.c.id, _TICKET.c.organization_id, _TICKET.c.created_at, _TICKET.c.resolved_at).where(
            _TICKET.c.conversation_id.in_(ids), _TICKET.c.resolved_at.is_not(None)
        )
    )
    values = [
        {"tid": tid, "seconds": by_org.get(org, WALL).seconds(created, resolved)}
        for tid, org, created, resolved in rows
    ]
    if values:
        stmt = update(_TICKET).where(_TICKET.c.id == bindparam("tid")).values(resolution_seconds=bindparam("seconds"))
        await db.execute(stmt, values)


async def rebuild(
    factory: async_sessionmaker[AsyncSession],
    organization_id: uuid.UUID | None = None,
    *,
    chunk: int = 500,
    on_start: Progress | None = None,
    on_chunk: Progress | None = None,
) -> int:
    """Recompute every conversation's metrics (of one organization, or all), `chunk`
    conversations per transaction. Returns how many conversations were rebuilt."""
    async with transaction(factory) as db:
        ids = await conversation_ids(db, organization_id)
    if on_start is not None:
        on_start(len(ids))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        async with transaction(factory) as db:
            await rebuild_conversations(db, part)
        if on_chunk is not None:
            on_chunk(len(part))
    return len(ids)
