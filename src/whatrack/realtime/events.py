"""Typed real-time events. Services call the emit_* functions; the rows go to the outbox in the
caller's transaction (all at once, just before it commits) and are published after commit by
the outbox drainer, which the commit wakes (db.notify_on_commit). Typing is ephemeral:
publish_typing sends it straight to the real-time server, best-effort (realtime/ephemeral.py)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from pydantic import ConfigDict
from sqlalchemy import Table, event, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, Session, object_session

from whatrack.conversations.schemas import ConversationRead
from whatrack.db import after_commit_item, listened, notify_on_commit, utcnow
from whatrack.messages.schemas import MessageRead
from whatrack.models import Conversation, InstanceStatus, MessageStatus, Organization, OutboxEvent, SenderType
from whatrack.models.enums import AgentVisibility
from whatrack.realtime.ephemeral import publish_ephemeral
from whatrack.realtime.publisher import agents_channel, conversation_channel, joined, org_channel, user_channel
from whatrack.schemas import CamelModel


class _Event(CamelModel):
    model_config = ConfigDict(extra="forbid")


class NewMessage(_Event):
    type: Literal["new_message"] = "new_message"
    data: MessageRead


class StatusData(_Event):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    status: MessageStatus
    external_id: str | None
    error: str | None


class MessageStatusEvent(_Event):
    type: Literal["message_status"] = "message_status"
    data: StatusData


class ConversationUpdated(_Event):
    type: Literal["conversation_updated"] = "conversation_updated"
    data: ConversationRead


class TypingData(_Event):
    conversation_id: uuid.UUID
    is_typing: bool
    sender_type: SenderType
    user_id: uuid.UUID | None = None
    user_name: str | None = None


class TypingEvent(_Event):
    type: Literal["typing"] = "typing"
    data: TypingData


class MessageUpdated(_Event):
    """An existing message changed: edited, deleted for everyone, reacted to."""

    type: Literal["message_updated"] = "message_updated"
    data: MessageRead


class InstanceData(_Event):
    id: uuid.UUID
    status: InstanceStatus
    phone: str | None


class InstanceUpdated(_Event):
    type: Literal["instance_updated"] = "instance_updated"
    data: InstanceData


class HiddenData(_Event):
    conversation_id: uuid.UUID
    assignee_id: uuid.UUID  # who has it now (they keep it)


class ConversationHidden(_Event):
    """Sent to the restricted agents who could see the conversation and no longer can (it was
    assigned to someone else): their list drops it, their open chat says so."""

    type: Literal["conversation_hidden"] = "conversation_hidden"
    data: HiddenData


ChatEvent = (
    NewMessage
    | MessageStatusEvent
    | ConversationUpdated
    | TypingEvent
    | MessageUpdated
    | InstanceUpdated
    | ConversationHidden
)


_INSERT_OUTBOX = insert(cast(Table, OutboxEvent.__table__))
# PostgreSQL: the transaction's rows in ONE statement whatever their number (an executemany is
# one execution per row), in order, so ids follow emission order.
_INSERT_OUTBOX_PG = text(
    "INSERT INTO outbox (channel, data, attempts, available_at, created_at) "
    "SELECT r.channel, r.data::jsonb, 0, :available, :now "
    "FROM unnest(CAST(:channels AS varchar[]), CAST(:data AS text[])) WITH ORDINALITY AS r(channel, data, n) "
    "ORDER BY r.n RETURNING id"
)
# PostgreSQL, when this process runs a drainer (OutboxDrainer.run listens to OWN_ROWS): the rows
# are leased to it for LEASE_SECONDS (available_at in the future, so no other drainer takes
# them) and handed to it after commit, and it publishes them at once, without reading them back,
# deleting them later in batches. A process that dies first leaves them to any drainer once the
# lease ends: nothing is lost, and the idempotency key keeps a repeat from reaching clients.
OWN_ROWS = "whatrack.outbox.own_rows"
LEASE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class OwnRow:
    id: int
    channel: str
    data: dict[str, Any]
    created_at: datetime


# PostgreSQL: the outbox's statement trigger (migration 0023) sends NOTIFY on this channel in the
# transaction that writes rows, delivered at its commit: it wakes the drainers of OTHER processes
# (outbox.OutboxDrainer LISTENs), so a web process without jobs hands its events to the workers
# at once instead of at their next poll.
OUTBOX_NOTIFY_CHANNEL = "whatrack_outbox"
_PENDING = "whatrack.outbox"  # key in Session.info: rows waiting for this transaction's commit


def _enqueue(db: AsyncSession, event: ChatEvent, *channels: str, audience: uuid.UUID | str | None = None) -> None:
    """Keeps the event's outbox row until the transaction commits (see _write_outbox): one row
    for all its channels (published to each, a Centrifugo `broadcast`).

    `audience` says who else hears the organization channel's copy (always the last channel
    given) under the visibility policy: a conversation id (the event is about it) or "org"
    (organization wide). _write_outbox adds the restricted agents' channel to the row."""
    row: dict[str, Any] = {"channel": joined(channels), "data": event.model_dump(mode="json", by_alias=True)}
    if audience is not None:
        row[_AUDIENCE] = audience
    db.info.setdefault(_PENDING, []).append(row)


# -- the visibility policy in real time -------------------------------------------------------------
# Admins, and agents of organizations whose policy is `all`, subscribe to chat:org:{org}: every
# event. Agents restricted to their own and unassigned conversations may not (realtime/access.py);
# they subscribe to chat:agents:{org} (unassigned conversations, organization-wide events) and
# chat:user:{their id} (conversations assigned to them). The copies are decided here, once per
# transaction, from the conversations' state as it commits: one query, whatever the path
# (request, webhook batch, job); organizations under `all` get no copies.
# A caller that already holds what the query would read (the webhook batch: the organization's
# policy loaded with the instance, the conversations locked) says so with known_policy() and
# known_audience(), and the query is skipped for those conversations.
_AUDIENCE = "audience"
_POLICIES = "whatrack.known_policies"  # in Session.info: organization id -> restricted?
_CONVERSATIONS = "whatrack.known_conversations"  # conversation id -> the row, locked by the caller


_Hints = tuple[dict[uuid.UUID, bool], dict[uuid.UUID, Conversation]]


def known_policy(db: AsyncSession, organization_id: uuid.UUID, policy: AgentVisibility) -> None:
    """This transaction read the organization's visibility policy."""
    db.info.setdefault(_POLICIES, {})[organization_id] = policy == AgentVisibility.ASSIGNED_AND_UNASSIGNED


def known_audience(db: AsyncSession, conv: Conversation) -> None:
    """The caller holds this conversation locked until commit (its assignee is read at commit)."""
    db.info.setdefault(_CONVERSATIONS, {})[conv.id] = conv


def _known(hints: _Hints, conv_ids: set[Any], audience_of: dict[Any, str]) -> set[Any]:
    """Fills audience_of for the conversations whose state and policy the transaction knows;
    returns the others."""
    policies, convs = hints
    unknown: set[Any] = set()
    for conv_id in conv_ids:
        conv = convs.get(conv_id)
        restricted = policies.get(conv.organization_id) if conv is not None else None
        if conv is None or restricted is None:
            unknown.add(conv_id)
        elif restricted:
            assignee = conv.assignee_id
            audience_of[conv_id] = user_channel(assignee) if assignee else agents_channel(conv.organization_id)
    return unknown


def _with_audiences(session: Session, rows: list[dict[str, Any]], hints: _Hints) -> list[dict[str, Any]]:
    marked = [r for r in rows if _AUDIENCE in r]
    if not marked:
        return rows
    restricted = AgentVisibility.ASSIGNED_AND_UNASSIGNED
    audience_of: dict[Any, str] = {}
    conv_ids = _known(hints, {r[_AUDIENCE] for r in marked if r[_AUDIENCE] != "org"}, audience_of)
    if conv_ids:
        found = session.execute(
            select(Conversation.id, Conversation.organization_id, Conversation.assignee_id)
            .join(Organization, Organization.id == Conversation.organization_id)
            .where(Conversation.id.in_(conv_ids), Organization.agent_visibility == restricted)
        )
        for conv_id, org_id, assignee_id in found:
            audience_of[conv_id] = user_channel(assignee_id) if assignee_id else agents_channel(org_id)
    if any(r[_AUDIENCE] == "org" for r in marked):
        org_ids = {r["channel"].rsplit(":", 1)[1] for r in marked if r[_AUDIENCE] == "org"}
        found_orgs = session.execute(
            select(Organization.id).where(
                Organization.id.in_([uuid.UUID(o) for o in org_ids]), Organization.agent_visibility == restricted
            )
        )
        for (org_id,) in found_orgs:
            audience_of[f"org:{org_id}"] = agents_channel(org_id)
    for row in marked:
        audience = row.pop(_AUDIENCE)
        key = f"org:{row['channel'].rsplit(':', 1)[1]}" if audience == "org" else audience
        copy_to = audience_of.get(key)
        if copy_to is not None:
            row["channel"] = joined([row["channel"], copy_to])
    return rows


@event.listens_for(Session, "before_commit")
def _write_outbox(session: Session) -> None:
    """All the transaction's outbox rows in one executemany, inside the transaction: they
    commit with the changes they announce, or not at all."""
    rows = session.info.pop(_PENDING, None)
    hints = (session.info.pop(_POLICIES, {}), session.info.pop(_CONVERSATIONS, {}))
    if rows:
        rows = _with_audiences(session, rows, hints)
        if session.get_bind().dialect.name != "postgresql":
            session.execute(_INSERT_OUTBOX, rows)
            notify_on_commit(session)  # wakes the drainer once this commit is done
            return
        now, own = utcnow(), listened(session, OWN_ROWS)
        params = {
            "channels": [r["channel"] for r in rows],
            "data": [json.dumps(r["data"]) for r in rows],
            "now": now,
            "available": now + timedelta(seconds=LEASE_SECONDS) if own else now,
        }
        ids = sorted(session.execute(_INSERT_OUTBOX_PG, params).scalars())  # the trigger NOTIFYs others
        if own:  # ids follow insertion order (ORDER BY r.n)
            made = [OwnRow(i, r["channel"], r["data"], now) for i, r in zip(ids, rows, strict=True)]
            after_commit_item(session, OWN_ROWS, made)
        else:
            notify_on_commit(session)


@event.listens_for(OutboxEvent, "after_insert")
def _outbox_row_flushed(_mapper: Mapper[OutboxEvent], _conn: Connection, row: OutboxEvent) -> None:
    """A row added with session.add (no service does; kept so none is left unannounced)."""
    session = object_session(row)
    if session is not None:
        notify_on_commit(session)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    for key in (_PENDING, _POLICIES, _CONVERSATIONS):
        session.info.pop(key, None)


def emit_new_message(db: AsyncSession, organization_id: uuid.UUID, message: MessageRead) -> None:
    _enqueue(
        db,
        NewMessage(data=message),
        conversation_channel(message.conversation_id),
        org_channel(organization_id),
        audience=message.conversation_id,
    )


def emit_message_status(db: AsyncSession, data: StatusData) -> None:
    _enqueue(db, MessageStatusEvent(data=data), conversation_channel(data.conversation_id))


def emit_conversation_updated(db: AsyncSession, organization_id: uuid.UUID, conv: ConversationRead) -> None:
    _enqueue(db, ConversationUpdated(data=conv), org_channel(organization_id), audience=conv.id)


def emit_reassigned(
    db: AsyncSession,
    organization_id: uuid.UUID,
    conversation_id: uuid.UUID,
    *,
    before: uuid.UUID | None,
    after: uuid.UUID | None,
    restricted: bool,
) -> None:
    """The conversation's assignee changed. Under the restrictive policy, those who could see it
    and no longer can (its previous assignee, or every agent when it was unassigned) hear
    conversation_hidden on their channel. Becoming unassigned hides it from no one."""
    if not restricted or after is None or before == after:
        return
    channel = user_channel(before) if before is not None else agents_channel(organization_id)
    _enqueue(db, ConversationHidden(data=HiddenData(conversation_id=conversation_id, assignee_id=after)), channel)


def publish_typing(db: AsyncSession, organization_id: uuid.UUID, data: TypingData) -> None:
    """Now, not at commit, and not through the outbox: typing is ephemeral."""
    publish_ephemeral(
        db, TypingEvent(data=data), conversation_channel(data.conversation_id), org_channel(organization_id)
    )


def emit_message_updated(db: AsyncSession, organization_id: uuid.UUID, message: MessageRead) -> None:
    _enqueue(
        db,
        MessageUpdated(data=message),
        conversation_channel(message.conversation_id),
        org_channel(organization_id),
        audience=message.conversation_id,
    )


def emit_instance_updated(db: AsyncSession, organization_id: uuid.UUID, data: InstanceData) -> None:
    _enqueue(db, InstanceUpdated(data=data), org_channel(organization_id), audience="org")
