"""Messages: storage, listing, status changes. Services flush, never commit."""

from __future__ import annotations

import base64
import functools
import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.db import fold, new_ordered_id, utcnow
from whatrack.db_util import (
    AnySelect,
    conversation_visible,
    dialect,
    for_update,
    get_scoped,
    in_param,
    load_detached,
    one_of,
    table_of,
    visibility_clause,
)
from whatrack.errors import InvalidCursor, MentionNotMember, MessageNotFound
from whatrack.messages.schemas import (
    MESSAGE_LIST,
    QUOTE_ATTRIBUTES,
    READ_ATTRIBUTES,
    MessageHit,
    MessageRead,
    as_row,
    row_fields,
)
from whatrack.models import (
    Conversation,
    Lead,
    Membership,
    Message,
    MessageStatus,
    MessageType,
    Organization,
    PendingReceipt,
    SenderType,
    Ticket,
    User,
)
from whatrack.models.enums import STATUS_RANK
from whatrack.models.enums import MessageStatus as Status
from whatrack.realtime.events import StatusData, emit_conversation_updated, emit_message_status, emit_new_message


async def reads(db: AsyncSession, messages: Sequence[Any]) -> list[MessageRead]:
    """MessageRead for each message (a Message, or a row of _PAGE), with the quoted messages
    loaded in one query and the whole list validated at once."""
    rows = [as_row(m) for m in messages]
    reply_ids = {r[_REPLY_TO] for r in rows if r[_REPLY_TO]}
    quotes: dict[uuid.UUID, Sequence[Any]] = {}
    if reply_ids:
        found = await (await db.connection()).execute(_QUOTES.where(one_of(db, Message.id, reply_ids)))
        quotes = {q[0]: q for q in found}
    return MESSAGE_LIST.validate_python([row_fields(r, quotes.get(r[_REPLY_TO])) for r in rows])


_REPLY_TO = READ_ATTRIBUTES.index("reply_to_id")
# A page is read as rows of the columns MessageRead needs (named as Message's attributes), not
# as Message objects: 50 ORM objects cost more than the page's query.
_PAGE = select(*(getattr(Message, a).label(a) for a in READ_ATTRIBUTES))
_QUOTES = select(*(getattr(Message, a).label(a) for a in QUOTE_ATTRIBUTES))


async def _page_rows(db: AsyncSession, stmt: Any, params: Mapping[str, Any] | None = None) -> Sequence[Any]:
    return (await (await db.connection()).execute(stmt, params)).all()


async def read_one(db: AsyncSession, message: Message) -> MessageRead:
    return (await reads(db, [message]))[0]


async def get_message(db: AsyncSession, actor: Actor, message_id: uuid.UUID) -> Message:
    return await get_scoped(db, Message, actor, message_id, MessageNotFound)


async def lock(db: AsyncSession, message_id: uuid.UUID) -> Message | None:
    """The message row, locked FOR UPDATE (its status is about to change)."""
    found: Message | None = await db.scalar(for_update(select(Message).where(Message.id == message_id), db))
    return found


async def by_client_id(db: AsyncSession, conversation_id: uuid.UUID, client_id: str) -> Message | None:
    """The message the web app already sent with this idempotency key, if any."""
    found: Message | None = await db.scalar(
        select(Message).where(Message.conversation_id == conversation_id, Message.client_id == client_id)
    )
    return found


async def latest_lead_ids(db: AsyncSession, conversation_id: uuid.UUID, limit: int) -> list[str]:
    """WhatsApp ids of the lead's latest messages, newest first (to mark them read)."""
    ids = await db.scalars(
        select(Message.external_id)
        .where(Message.conversation_id == conversation_id, Message.sender_type == SenderType.LEAD)
        .order_by(Message.sent_at.desc())
        .limit(limit)
    )
    return [i for i in ids.all() if i]


def row(
    *,
    organization_id: uuid.UUID,
    conversation_id: uuid.UUID,
    ticket_id: uuid.UUID,
    instance_id: uuid.UUID,
    sender_type: SenderType,
    message_type: MessageType,
    content: str | None,
    status: MessageStatus,
    external_id: str | None,
    sent_at: datetime,
    sender_id: uuid.UUID | None = None,
    sender_name: str | None = None,
    client_id: str | None = None,
    reply_to_id: uuid.UUID | None = None,
    reply_to_external_id: str | None = None,
    media_path: str | None = None,
    media_mime: str | None = None,
    media_name: str | None = None,
    media_size: int | None = None,
    meta: dict[str, Any] | None = None,
    note: bool = False,
    dispatched_at: datetime | None = None,
) -> dict[str, Any]:
    """A messages row with every column set (rows of one multi-row INSERT share their keys, and
    the row alone builds the MessageRead): insert_once(), insert_many() or Message(**row)."""
    return {
        "id": new_ordered_id(),
        "organization_id": organization_id,
        "conversation_id": conversation_id,
        "ticket_id": ticket_id,
        "instance_id": instance_id,
        "sender_type": sender_type,
        "sender_id": sender_id,
        "sender_name": sender_name,
        "message_type": message_type,
        "content": content,
        "status": status,
        "external_id": external_id,
        "reply_to_external_id": reply_to_external_id,
        "reply_to_id": reply_to_id,
        "sent_at": sent_at,
        "created_at": utcnow(),
        "dispatched_at": dispatched_at,
        "client_id": client_id,
        "error": None,
        "edited": False,
        "deleted": False,
        "note": note,
        "reactions": [],
        "media_path": media_path,
        "media_mime": media_mime,
        "media_name": media_name,
        "media_size": media_size,
        "meta": meta if meta is not None else {},
    }


def reaches_whatsapp(message: Message) -> bool:
    """The one rule for what may go to WhatsApp: never an internal note, nor a SYSTEM line of
    activity (ticket events, add_system), nor a lead's own message. dispatch() (send, retry)
    asks here before calling WuzAPI; a follow-up step actually sent to the lead is a USER
    message and does reach WhatsApp."""
    return not message.note and message.sender_type not in (SenderType.LEAD, SenderType.SYSTEM)


async def add_system(
    db: AsyncSession,
    conv: Conversation,
    ticket_id: uuid.UUID,
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> Message:
    """A line of activity in the thread (follow-up started/cancelled/completed, ticket closed,
    ...): senderType SYSTEM, never sent to WhatsApp (reaches_whatsapp), `metadata.system` =
    {"kind": kind, **params}, rendered by the client in the viewer's language (content stays
    empty). It leaves the list summary alone. Emits new_message."""
    msg = await add(
        db,
        row(
            organization_id=conv.organization_id,
            conversation_id=conv.id,
            ticket_id=ticket_id,
            instance_id=conv.instance_id,
            sender_type=SenderType.SYSTEM,
            message_type=MessageType.TEXT,
            content=None,
            status=MessageStatus.SENT,
            external_id=None,
            sent_at=at or utcnow(),
            meta={"system": {"kind": kind, **(params or {})}},
        ),
    )
    emit_new_message(db, conv.organization_id, await read_one(db, msg))
    return msg


async def add_note(
    db: AsyncSession,
    actor: Actor,
    conv: Conversation,
    content: str,
    *,
    mentions: Sequence[uuid.UUID] = (),
    client_id: str | None = None,
) -> Message:
    """An internal note in the thread (author and time; `meta.mentions` the colleagues named).
    Stored as SENT with no WhatsApp id, and it leaves the list summary alone: it is no message
    of the conversation with the lead. Emits new_message (the org channel too: a mentioned
    colleague's browser notifies them)."""
    if client_id:
        existing = await by_client_id(db, conv.id, client_id)
        if existing is not None:
            return existing
    named: list[dict[str, str]] = []
    if mentions:
        wanted = list(dict.fromkeys(mentions))
        found = {
            u.id: u.name
            for u in (
                await db.scalars(
                    select(User)
                    .join(Membership, Membership.user_id == User.id)
                    .where(Membership.organization_id == actor.organization_id, one_of(db, User.id, wanted))
                )
            ).all()
        }
        for user_id in wanted:
            if user_id not in found:
                raise MentionNotMember(
                    "A mentioned user is not a member of this organization", {"userId": str(user_id)}
                )
            named.append({"userId": str(user_id), "name": found[user_id]})
    ticket_id = conv.current_ticket_id or await db.scalar(
        select(Ticket.id).where(Ticket.conversation_id == conv.id).order_by(Ticket.number.desc()).limit(1)
    )
    assert ticket_id is not None  # a conversation is created with its first ticket
    msg = await add(
        db,
        row(
            organization_id=actor.organization_id,
            conversation_id=conv.id,
            ticket_id=ticket_id,
            instance_id=conv.instance_id,
            sender_type=SenderType.USER,
            sender_id=actor.user_id,
            sender_name=actor.name,
            message_type=MessageType.TEXT,
            content=content,
            status=MessageStatus.SENT,
            external_id=None,
            client_id=client_id,
            sent_at=utcnow(),
            meta={"mentions": named} if named else {},
            note=True,
        ),
    )
    emit_new_message(db, actor.organization_id, await read_one(db, msg))
    return msg


async def add(db: AsyncSession, values: dict[str, Any]) -> Message:
    """Stores a message built by row() through the session (it is flushed: its id is usable)."""
    msg = Message(**values)
    db.add(msg)
    await db.flush()
    return msg


def set_reaction(message: Message, emoji: str, *, from_me: bool) -> None:
    """One reaction per side (ours, the lead's): a new one replaces it, "" removes it."""
    kept = [r for r in message.reactions or [] if bool(r.get("fromMe")) != from_me]
    if emoji:
        kept.append({"emoji": emoji, "fromMe": from_me})
    message.reactions = kept


def edit(message: Message, text: str) -> bool:
    """The sender edited the message (earlier texts kept in meta.editHistory). False: no change."""
    if message.content == text:
        return False
    history = list(message.meta.get("editHistory", []))
    history.append(message.content)
    message.meta = {**message.meta, "editHistory": history}
    message.content = text
    message.edited = True
    return True


def revoke(message: Message) -> bool:
    """The sender deleted the message for everyone (its content is kept for the record)."""
    if message.deleted:
        return False
    message.deleted = True
    return True


async def by_external_id(
    db: AsyncSession, instance_id: uuid.UUID, external_id: str, *, lock: bool = False
) -> Message | None:
    stmt = select(Message).where(Message.instance_id == instance_id, Message.external_id == external_id)
    found: Message | None = await db.scalar(for_update(stmt, db) if lock else stmt)
    return found


async def by_external_ids(
    db: AsyncSession, instance_id: uuid.UUID, external_ids: Collection[str], *, lock: bool = False
) -> dict[str, Message]:
    """Messages of one instance by WhatsApp id, in one query (locked in id order when asked).
    Detached and partial (what receipts and quoted replies need): write_statuses() writes back."""
    if not external_ids:
        return {}
    stmt = _by_external_ids(dialect(db), lock)
    rows = await load_detached(db, Message, stmt, {"instance_id": instance_id, "ids": list(external_ids)})
    return {m.external_id: m for m in rows if m.external_id}


@functools.cache
def _by_external_ids(dialect_name: str, lock: bool) -> AnySelect:
    stmt = (
        select(
            Message.id,
            Message.organization_id,
            Message.conversation_id,
            Message.external_id,
            Message.status,
            Message.error,
            Message.content,
            Message.sender_type,
            Message.sender_id,
            Message.sender_name,
            Message.message_type,
        )
        .where(Message.instance_id == bindparam("instance_id"), in_param(Message.external_id, "ids", dialect_name))
        .order_by(Message.id)
    )
    return stmt.with_for_update() if lock and dialect_name == "postgresql" else stmt


async def write_statuses(db: AsyncSession, changed: Collection[Message]) -> None:
    if changed:
        await db.execute(_WRITE_STATUS, [{"b_id": m.id, "b_status": m.status, "b_error": m.error} for m in changed])


async def insert_once(db: AsyncSession, values: dict[str, Any]) -> Message | None:
    """INSERT ... ON CONFLICT (instance_id, external_id) DO NOTHING RETURNING: one round trip.

    None when the message already exists (a re-delivered webhook): the unique key decides.
    """
    insert = pg_insert if dialect(db) == "postgresql" else sqlite_insert
    stmt = (
        insert(Message)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["instance_id", "external_id"])
        .returning(Message)
    )
    return (await db.scalars(stmt)).first()


async def insert_many(db: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """INSERT ... ON CONFLICT (instance_id, external_id) DO NOTHING RETURNING id, for all rows.

    `rows` are keyed by attribute name, with the same keys each. Returns the ids inserted: a
    message that already existed is simply absent. Core executemany, which SQLAlchemy sends as
    one multi-row INSERT; no ORM objects are made.
    """
    if not rows:
        return set()
    params = [{_COLUMN_OF.get(k, k): v for k, v in row.items()} for row in rows]
    return set((await db.execute(_insert_many(dialect(db)), params)).scalars())


_MESSAGES = table_of(Message)
_COLUMN_OF = {a.key: a.columns[0].key for a in sa_inspect(Message).column_attrs if a.key != a.columns[0].key}
_WRITE_STATUS = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("b_id"))
    .values(status=bindparam("b_status"), error=bindparam("b_error"))
)


@functools.cache
def _insert_many(dialect_name: str) -> Any:
    insert = pg_insert if dialect_name == "postgresql" else sqlite_insert
    return (
        insert(_MESSAGES)
        .on_conflict_do_nothing(index_elements=["instance_id", "external_id"])
        .returning(_MESSAGES.c.id)
    )


def _encode_cursor(at: datetime, mid: uuid.UUID, newer: bool = False) -> str:
    raw: list[str] = [at.isoformat(), str(mid)] + (["newer"] if newer else [])
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID, bool]:
    """(sent_at, id, newer): a cursor names the message a page starts after, and its direction."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) not in (2, 3) or (len(raw) == 3 and raw[2] != "newer"):
            raise ValueError("not a cursor")
        return datetime.fromisoformat(raw[0]), uuid.UUID(raw[1]), len(raw) == 3
    except (ValueError, TypeError, IndexError) as exc:
        raise InvalidCursor("Invalid cursor") from exc


def _older_than(at: datetime | ColumnElement[datetime], mid: uuid.UUID | ColumnElement[uuid.UUID]) -> Any:
    return or_(Message.sent_at < at, and_(Message.sent_at == at, Message.id < mid))


def _newer_than(at: datetime | ColumnElement[datetime], mid: uuid.UUID | ColumnElement[uuid.UUID]) -> Any:
    return or_(Message.sent_at > at, and_(Message.sent_at == at, Message.id > mid))


_NEWEST_FIRST = (Message.sent_at.desc(), Message.id.desc())
_OLDEST_FIRST = (Message.sent_at.asc(), Message.id.asc())


@dataclass(frozen=True)
class Window:
    """A page of a conversation's messages, newest first, and the cursors leading out of it:
    `older` to the page before its oldest message, `newer` to the page after its newest (None at
    either end; `newer` is None on a page that reaches the latest message)."""

    items: list[MessageRead]
    older: str | None
    newer: str | None


async def list_messages(
    db: AsyncSession, actor: Actor, conversation_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[MessageRead], str | None]:
    """Newest first, paging back (the items and the older cursor of list_window)."""
    window = await list_window(db, actor, conversation_id, cursor, limit)
    return window.items, window.older


@functools.lru_cache(maxsize=8)
def _page_statement(restricted: bool, direction: str) -> Any:
    """A page of one conversation's messages of the caller's organization (and visible to them),
    built once per shape: a request binds its values (building it cost more than its rows)."""
    stmt = _PAGE.where(
        Message.conversation_id == bindparam("conversation_id"), Message.organization_id == bindparam("org")
    )
    if restricted:
        # the conversation's own visibility, checked once (an uncorrelated EXISTS), not per message
        viewer: BindParameter[uuid.UUID] = bindparam("viewer")
        visible = visibility_clause(Conversation, viewer)
        assert visible is not None  # conversations are governed by the policy
        stmt = stmt.where(exists().where(Conversation.id == bindparam("conversation_id"), visible))
    at: BindParameter[datetime] = bindparam("at")
    mid: BindParameter[uuid.UUID] = bindparam("mid")
    if direction == "newer":
        stmt = stmt.where(_newer_than(at, mid)).order_by(*_OLDEST_FIRST)
    else:
        if direction == "older":
            stmt = stmt.where(_older_than(at, mid))
        stmt = stmt.order_by(*_NEWEST_FIRST)
    return stmt.limit(bindparam("limit", type_=Integer))


async def list_window(
    db: AsyncSession, actor: Actor, conversation_id: uuid.UUID, cursor: str | None, limit: int
) -> Window:
    """Newest first across all tickets of the conversation. Without a cursor, the latest page; an
    older cursor pages back, a newer one (from `around`) forward. The page is read under the
    caller's organization and visibility; only an empty one asks whether the conversation is
    there at all (not found: another organization's, or hidden from the caller)."""
    params: dict[str, Any] = {
        "conversation_id": conversation_id,
        "org": actor.organization_id,
        "viewer": actor.restricted_to,
        "limit": limit + 1,
    }
    direction = "latest"
    if cursor:
        params["at"], params["mid"], newer = _decode_cursor(cursor)
        direction = "newer" if newer else "older"
    rows = await _page_rows(db, _page_statement(actor.restricted_to is not None, direction), params)
    if not rows:
        await conversations.get_conversation(db, actor, conversation_id)
        return Window([], None, None)
    if direction == "newer":
        page = list(reversed(rows[:limit]))
        more = _encode_cursor(page[0].sent_at, page[0].id, newer=True) if len(rows) > limit else None
        return Window(await reads(db, page), _encode_cursor(page[-1].sent_at, page[-1].id), more)
    page = list(rows[:limit])
    older = _encode_cursor(page[-1].sent_at, page[-1].id) if len(rows) > limit else None
    return Window(await reads(db, page), older, None)


async def list_around(
    db: AsyncSession, actor: Actor, conversation_id: uuid.UUID, message_id: uuid.UUID, limit: int
) -> Window:
    """A page centred on one message (a search hit): up to limit // 2 older messages, the
    message, the rest newer; newest first with cursors both ways. The message must be of this
    conversation and visible to the caller (else message_not_found)."""
    target = await get_message(db, actor, message_id)
    if target.conversation_id != conversation_id:
        raise MessageNotFound("Message not found in this conversation")
    base = _PAGE.where(Message.conversation_id == conversation_id)
    room = limit - 1  # either side may take the room the other does not use
    older = await _page_rows(
        db, base.where(_older_than(target.sent_at, target.id)).order_by(*_NEWEST_FIRST).limit(room + 1)
    )
    newer = await _page_rows(
        db, base.where(_newer_than(target.sent_at, target.id)).order_by(*_OLDEST_FIRST).limit(room + 1)
    )
    want_older = max(limit // 2, room - len(newer))
    want_newer = room - min(len(older), want_older)
    before = list(older[:want_older])
    after = list(reversed(newer[:want_newer]))
    page = [*after, target, *before]
    older_cursor = _encode_cursor(page[-1].sent_at, page[-1].id) if len(older) > want_older else None
    newer_cursor = _encode_cursor(page[0].sent_at, page[0].id, newer=True) if len(newer) > want_newer else None
    return Window(await reads(db, page), older_cursor, newer_cursor)


def status_advances(current: MessageStatus, new: MessageStatus) -> bool:
    """Status only moves forward (never READ -> DELIVERED); FAILED and UNKNOWN (no answer in
    time) only replace PENDING; a send again (PENDING) only follows FAILED or UNKNOWN."""
    if new in (Status.FAILED, Status.UNKNOWN):
        return current == Status.PENDING
    if new == Status.PENDING:
        return current in (Status.FAILED, Status.UNKNOWN)
    return current == Status.FAILED or STATUS_RANK[new] > STATUS_RANK[current]


def set_status(message: Message, status: MessageStatus, conv: Conversation | None, error: str | None = None) -> bool:
    """Moves the status forward (status_advances), the conversation's last-message ticks with it
    when it is that message (the list shows them). Returns whether the conversation changed.
    The caller checked status_advances and emits (emit_status, conversation_updated)."""
    message.status = status
    message.error = error if status == Status.FAILED else None
    return conversations.on_status(conv, message.id, status)


def emit_status(db: AsyncSession, message: Message) -> None:
    emit_message_status(
        db,
        StatusData(
            message_id=message.id,
            conversation_id=message.conversation_id,
            status=message.status,
            external_id=message.external_id,
            error=message.error,
        ),
    )


async def advance_status(
    db: AsyncSession, message: Message, status: MessageStatus, *, error: str | None = None
) -> bool:
    """set_status() on loaded rows, with its events. Returns changed."""
    if not status_advances(message.status, status):
        return False
    conv = await db.get(Conversation, message.conversation_id)
    if set_status(message, status, conv, error):
        assert conv is not None
        lead = await db.get(Lead, conv.lead_id)
        assert lead is not None  # FK
        emit_conversation_updated(db, message.organization_id, await conversations.read_of(db, conv, lead))
    emit_status(db, message)
    return True


async def keep_receipt(db: AsyncSession, instance_id: uuid.UUID, external_id: str, status: MessageStatus) -> None:
    """A receipt for a message we don't know yet: kept aside, applied when the message arrives."""
    existing = await db.scalar(
        for_update(
            select(PendingReceipt).where(
                PendingReceipt.instance_id == instance_id, PendingReceipt.external_id == external_id
            ),
            db,
        )
    )
    if existing is None:
        async with db.begin_nested():
            db.add(PendingReceipt(instance_id=instance_id, external_id=external_id, status=status))
            await db.flush()
    elif STATUS_RANK[status] > STATUS_RANK[existing.status]:
        existing.status = status


async def apply_pending_receipts(db: AsyncSession, message: Message) -> None:
    if not message.external_id:
        return
    pending = await db.scalar(
        select(PendingReceipt).where(
            PendingReceipt.instance_id == message.instance_id, PendingReceipt.external_id == message.external_id
        )
    )
    if pending is not None:
        await advance_status(db, message, pending.status)
        await db.delete(pending)


INTERRUPTED = "interrupted"  # the error of a send the app died in the middle of (the web app translates it)


def interrupted_after(send_timeout_seconds: float) -> timedelta:
    """How long after its dispatch a PENDING message is known to be orphaned: no live send takes
    longer than the WuzAPI timeout plus its two short transactions (a minute of margin)."""
    return timedelta(seconds=send_timeout_seconds + 60)


def is_interrupted(message: Message, send_timeout_seconds: float, now: datetime) -> bool:
    return (
        message.status == Status.PENDING
        and message.dispatched_at is not None
        and message.dispatched_at < now - interrupted_after(send_timeout_seconds)
    )


async def fail_interrupted_sends(db: AsyncSession, dispatched_before: datetime, limit: int = 500) -> int:
    """PENDING messages handed to WuzAPI before `dispatched_before` (longer ago than any live send
    takes): the process sending them died. FAILED "interrupted", so the agent can send again
    (with the same WhatsApp id). A late SENT or a receipt still moves them forward."""
    stmt = (
        select(Message)
        .where(Message.status == Status.PENDING, Message.dispatched_at < dispatched_before)
        .order_by(Message.dispatched_at)
        .limit(limit)
    )
    if dialect(db) == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    failed = 0
    for message in (await db.scalars(stmt)).all():
        failed += await advance_status(db, message, Status.FAILED, error=INTERRUPTED)
    return failed


async def purge_old_receipts(db: AsyncSession, older_than: datetime) -> int:
    result = await db.execute(delete(PendingReceipt).where(PendingReceipt.created_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)


# -- search -----------------------------------------------------------------------------------------


def snippet_around(content: str, folded_term: str, before: int = 40, width: int = 160) -> str:
    """The part of `content` around the first place its folded text holds `folded_term` (the
    start when none does), cut at word boundaries where it can be and marked with … where cut."""
    origin: list[int] = []  # folded index -> index in content
    for i, ch in enumerate(content):
        origin.extend([i] * len(fold(ch)))
    folded = "".join(fold(ch) for ch in content)
    at = folded.find(folded_term) if folded_term else -1
    start = origin[at] if at >= 0 else 0
    lo = max(0, start - before)
    if lo > 0:
        space = content.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    hi = min(len(content), max(lo + width, start + len(folded_term)))
    if hi < len(content):
        space = content.rfind(" ", max(lo + width // 2, start + len(folded_term)), hi)
        hi = space if space > 0 else hi
    text_ = " ".join(content[lo:hi].split())
    return ("…" if lo > 0 else "") + text_ + ("…" if hi < len(content) else "")


async def _zone(db: AsyncSession, organization_id: uuid.UUID) -> ZoneInfo:
    name = await db.scalar(select(Organization.timezone).where(Organization.id == organization_id))
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _like(folded: str) -> str:
    return "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def search_messages(
    db: AsyncSession,
    actor: Actor,
    q: str,
    *,
    first_day: date | None,
    last_day: date | None,
    instance_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[MessageHit], str | None]:
    """Messages of the caller's organization (and visibility) whose text holds `q`, accents and
    case ignored (the conversation search's rule), newest first, sent from the start of
    `first_day` to the end of `last_day` on the organization's wall clock."""
    folded = fold(q.strip())
    since = until = None
    if first_day is not None or last_day is not None:
        tz = await _zone(db, actor.organization_id)
        if first_day is not None:
            since = datetime.combine(first_day, time(), tz)
        if last_day is not None:
            until = datetime.combine(last_day + timedelta(days=1), time(), tz)
    stmt = (
        select(Message, Lead.name, Lead.push_name, Lead.phone)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Lead, Lead.id == Conversation.lead_id)
        .where(Message.organization_id == actor.organization_id, Message.sender_type != SenderType.SYSTEM)
    )
    if actor.restricted_to is not None:
        stmt = stmt.where(conversation_visible(actor.restricted_to))
    if dialect(db) == "sqlite" and len(folded) >= 3:
        fts_query = '"' + folded.replace('"', '""') + '"'  # messages_fts holds folded text
        stmt = stmt.where(
            text("messages.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH :fts)").bindparams(
                fts=fts_query
            )
        )
    else:
        stmt = stmt.where(func.wt_fold(Message.content).like(_like(folded), escape="\\"))
    if since is not None:
        stmt = stmt.where(Message.sent_at >= since)
    if until is not None:
        stmt = stmt.where(Message.sent_at < until)
    if instance_id is not None:
        stmt = stmt.where(Message.instance_id == instance_id)
    if cursor:
        at, mid, newer = _decode_cursor(cursor)
        if newer:
            raise InvalidCursor("Invalid cursor")
        stmt = stmt.where(_older_than(at, mid))
    rows = (await db.execute(stmt.order_by(*_NEWEST_FIRST).limit(limit + 1))).all()
    hits = [
        MessageHit(
            message_id=m.id,
            conversation_id=m.conversation_id,
            instance_id=m.instance_id,
            lead_name=name or push_name,
            lead_phone=phone,
            sender_type=m.sender_type,
            sent_at=m.sent_at,
            snippet=snippet_around(m.content or "", folded),
        )
        for m, name, push_name, phone in rows[:limit]
    ]
    last = rows[limit - 1][0] if len(rows) > limit else None
    return hits, (_encode_cursor(last.sent_at, last.id) if last is not None else None)
