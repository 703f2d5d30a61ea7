from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from whatrack.conversations import service
from whatrack.conversations.schemas import (
    AssignIn,
    ConversationPage,
    ConversationPatch,
    ConversationRead,
    ListFilters,
    SnoozeIn,
    TypingIn,
)
from whatrack.db import utcnow
from whatrack.deps import CurrentActor, Db, ReadDb
from whatrack.errors import (
    SESSION,
    WRITE,
    AssigneeNotMember,
    ConversationNotFound,
    ConversationSourceUnknown,
    InstanceNotFound,
    InvalidCursor,
    MessageEmpty,
    NotOnWhatsapp,
    PhoneInvalid,
    SnoozeInPast,
    SnoozeTooFar,
    WuzapiHostNotAllowed,
    WuzapiUnreachable,
    responses,
)
from whatrack.inbox import actions
from whatrack.inbox import start as starting
from whatrack.inbox.send import SendContext

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])
ONE = responses(*SESSION, ConversationNotFound)
CHANGE = responses(*WRITE, ConversationNotFound)


@router.get("", responses=responses(*SESSION, InvalidCursor, ConversationSourceUnknown))
async def list_conversations(
    db: ReadDb, actor: CurrentActor, filters: Annotated[ListFilters, Query()]
) -> ConversationPage:
    """Inbox list, newest activity first (or lead waiting longest first, or most urgent first),
    with filters and search. Snoozed conversations are left out; `snoozed=true` lists only them.
    `source`/`campaign` match the current ticket's origin exactly (an unknown source: 400)."""
    return await service.list_conversations(db, actor, filters)


@router.post(
    "",
    status_code=201,
    responses=responses(
        *WRITE,
        PhoneInvalid,
        NotOnWhatsapp,
        InstanceNotFound,
        ConversationNotFound,
        MessageEmpty,
        WuzapiUnreachable,
        WuzapiHostNotAllowed,
    ),
)
async def start_conversation(
    body: starting.StartConversationIn, request: Request, actor: CurrentActor
) -> starting.ConversationStarted:
    """Start a conversation with a phone number (any spelling; national numbers are Brazilian):
    checked on WhatsApp when the instance is connected, an existing lead reused, the first
    message sent through the normal path (a new ticket's origin is `outbound`)."""
    s = request.app.state
    ctx = SendContext(
        factory=s.session_factory,
        http=s.http,
        media=s.media,
        timeout=s.settings.wuzapi_timeout_seconds,
        settings=s.settings,
    )
    started = await starting.start_conversation(
        ctx, actor, instance_id=body.instance_id, phone=body.phone, name=body.name, content=body.content
    )
    return starting.ConversationStarted(
        conversation=started.conversation, message=started.message, created=started.created
    )


@router.get("/{conversation_id}", responses=ONE)
async def get_conversation(conversation_id: uuid.UUID, db: ReadDb, actor: CurrentActor) -> ConversationRead:
    """One conversation."""
    return await service.read_visible(db, actor, conversation_id)


@router.patch("/{conversation_id}", responses=CHANGE)
async def update_conversation(
    conversation_id: uuid.UUID, body: ConversationPatch, db: Db, actor: CurrentActor
) -> ConversationRead:
    """Set the priority (none, low, medium, high, urgent)."""
    return await actions.set_priority(db, actor, conversation_id, body.priority)


@router.post("/{conversation_id}/snooze", responses=responses(*WRITE, ConversationNotFound, SnoozeInPast, SnoozeTooFar))
async def snooze(conversation_id: uuid.UUID, body: SnoozeIn, db: Db, actor: CurrentActor) -> ConversationRead:
    """Hide from the default list until `until` or until the lead writes (then back on top)."""
    return await actions.snooze(db, actor, conversation_id, body.until, utcnow())


@router.delete("/{conversation_id}/snooze", responses=CHANGE)
async def unsnooze(conversation_id: uuid.UUID, db: Db, actor: CurrentActor) -> ConversationRead:
    """Wake a snoozed conversation now."""
    return await actions.snooze(db, actor, conversation_id, None, utcnow())


@router.put("/{conversation_id}/instance", responses=responses(*WRITE, ConversationNotFound, InstanceNotFound))
async def choose_instance(
    conversation_id: uuid.UUID, body: starting.InstanceChoice, db: Db, actor: CurrentActor
) -> ConversationRead:
    """Reply from another of the organization's numbers (until the lead writes to another one)."""
    return await starting.switch_instance(db, actor, conversation_id, body.instance_id)


@router.post("/{conversation_id}/read", responses=CHANGE)
async def mark_read(conversation_id: uuid.UUID, request: Request, db: Db, actor: CurrentActor) -> ConversationRead:
    """Unread count to zero; the lead's messages are marked read on WhatsApp too."""
    return await actions.mark_read(db, request.app.state.http, request.app.state.settings, actor, conversation_id)


@router.post("/{conversation_id}/unread", responses=CHANGE)
async def mark_unread(conversation_id: uuid.UUID, db: Db, actor: CurrentActor) -> ConversationRead:
    """Flag the conversation as unread again."""
    return await actions.mark_unread(db, actor, conversation_id)


@router.post("/{conversation_id}/assign", responses=responses(*WRITE, ConversationNotFound, AssigneeNotMember))
async def assign(conversation_id: uuid.UUID, body: AssignIn, db: Db, actor: CurrentActor) -> ConversationRead:
    """Assign to a member of the organization, or unassign with null."""
    return await actions.assign(db, actor, conversation_id, body.user_id)


@router.post("/{conversation_id}/typing", status_code=204, responses=CHANGE)
async def typing(conversation_id: uuid.UUID, body: TypingIn, request: Request, db: Db, actor: CurrentActor) -> None:
    """Agent typing: forwarded to WhatsApp (composing/paused) and to the other agents."""
    await actions.agent_typing(
        db, request.app.state.http, request.app.state.settings, actor, conversation_id, body.is_typing
    )
