"""Message routes: send (text or file), retry, media, and a conversation's messages."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from whatrack.conversations import service as conversations
from whatrack.deps import AppSettings, CurrentActor, Db, ReadDb
from whatrack.errors import (
    SESSION,
    WRITE,
    ConversationNotFound,
    EmptyFile,
    InvalidAround,
    InvalidBody,
    InvalidCursor,
    InvalidField,
    MediaFileMissing,
    MediaNotFound,
    MediaStoreUnavailable,
    MentionNotMember,
    MessageEmpty,
    MessageNotFound,
    MessageNotRetryable,
    MissingField,
    ReplyToOtherConversation,
    SearchDatesReversed,
    UnsupportedMediaType,
    VoiceNoteInvalid,
    VoiceNoteUnavailable,
    WuzapiHostNotAllowed,
    responses,
)
from whatrack.inbox import send as sending
from whatrack.messages import media as media_store
from whatrack.messages import service as messages
from whatrack.messages import voice
from whatrack.messages.schemas import MessageHitPage, MessagePage, MessageRead, NoteIn, SendTextIn
from whatrack.storage import MediaStore, StorageError

router = APIRouter(prefix="/api/v1", tags=["messages"])


def _ctx(request: Request) -> sending.SendContext:
    s = request.app.state
    return sending.SendContext(
        factory=s.session_factory,
        http=s.http,
        media=s.media,
        timeout=s.settings.wuzapi_timeout_seconds,
        settings=s.settings,
    )


def _uuid_field(form: Any, name: str, required: bool) -> uuid.UUID | None:
    value = form.get(name)
    if not value:
        if required:
            raise MissingField(f"Missing form field {name}", {"field": name})
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidField(f"Form field {name} is not a UUID", {"field": name}) from None


SEND_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": SendTextIn.model_json_schema(by_alias=True)},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["conversationId", "file"],
                    "properties": {
                        "conversationId": {"type": "string", "format": "uuid"},
                        "clientId": {"type": "string"},
                        "replyToId": {"type": "string", "format": "uuid"},
                        "caption": {"type": "string"},
                        "voice": {
                            "type": "string",
                            "description": "`1`: a browser recording, sent as a voice note (Ogg/Opus)",
                        },
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            },
        },
    }
}


@router.post(
    "/whatsapp/messages",
    status_code=201,
    openapi_extra=SEND_BODY,
    responses=responses(
        *WRITE,
        InvalidBody,
        MissingField,
        InvalidField,
        EmptyFile,
        MessageEmpty,
        ReplyToOtherConversation,
        SearchDatesReversed,
        ConversationNotFound,
        MessageNotFound,
        UnsupportedMediaType,
        VoiceNoteInvalid,
        VoiceNoteUnavailable,
        WuzapiHostNotAllowed,
    ),
)
async def send_message(request: Request, actor: CurrentActor) -> MessageRead:
    """Send text (JSON) or a file (multipart). The message is stored PENDING before WhatsApp is called."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise MissingField("Missing file part", {"field": "file"})
        data = await file.read()
        if not data:
            raise EmptyFile("The file is empty")
        client_id = form.get("clientId")
        caption = form.get("caption")
        mime = file.content_type or "application/octet-stream"
        file_name = file.filename
        if str(form.get("voice") or "") in ("1", "true"):  # a recording: sent as a WhatsApp voice note
            data = await voice.to_ogg_opus(data, mime)
            mime, file_name, caption = voice.OGG_OPUS, "voice.ogg", None
        return await sending.send(
            _ctx(request),
            actor,
            conversation_id=_uuid_field(form, "conversationId", True),  # type: ignore[arg-type]
            content=str(caption) if caption else None,
            client_id=str(client_id)[:64] if client_id else None,
            reply_to_id=_uuid_field(form, "replyToId", False),
            upload=sending.Upload(data=data, mime=mime, file_name=file_name),
        )
    if not content_type.startswith("application/json"):
        raise UnsupportedMediaType("Send JSON or multipart/form-data")
    try:
        body = SendTextIn.model_validate_json(await request.body())
    except ValidationError as exc:
        # include_input=False: malformed JSON's input is bytes, which the error body cannot carry (a 500)
        details = exc.errors(include_url=False, include_context=False, include_input=False)
        raise InvalidBody("Invalid message", details=details) from exc
    return await sending.send(
        _ctx(request),
        actor,
        conversation_id=body.conversation_id,
        content=body.content,
        client_id=body.client_id,
        reply_to_id=body.reply_to_id,
    )


@router.post("/whatsapp/messages/{message_id}/retry", responses=responses(*WRITE, MessageNotFound, MessageNotRetryable))
async def retry_message(message_id: uuid.UUID, request: Request, actor: CurrentActor) -> MessageRead:
    """Send a FAILED message again."""
    return await sending.retry(_ctx(request), actor, message_id)


@router.get(
    "/media/{message_id}",
    response_class=FileResponse,
    responses={
        **responses(*SESSION, MessageNotFound, MediaNotFound, MediaFileMissing, MediaStoreUnavailable),
        307: {"description": "S3 media with MEDIA_DELIVERY=redirect: a short-lived presigned URL"},
    },
)
async def media(
    message_id: uuid.UUID, request: Request, db: Db, actor: CurrentActor, settings: AppSettings
) -> Response:
    """The media file of a message (tenancy checked): from disk, or from S3 as a redirect to a
    presigned URL carrying the same headers (MEDIA_DELIVERY=redirect) or streamed (stream)."""
    msg = await messages.get_message(db, actor, message_id)
    if not msg.media_path:
        raise MediaNotFound("This message has no media")
    store: MediaStore = request.app.state.media
    how = media_store.delivery(msg.media_mime, msg.media_name, msg.media_path)
    headers = {
        "Cache-Control": how.cache_control,
        "Content-Disposition": how.content_disposition,
        "X-Content-Type-Options": "nosniff",
    }
    path = store.local_path(msg.media_path)
    if path is not None:
        if not path.is_file():
            raise MediaFileMissing("Media file is missing")
        return FileResponse(path, media_type=how.content_type, headers=headers)
    try:
        if settings.media_delivery == "redirect":
            url = await store.presigned_url(msg.media_path, settings.media_url_ttl_seconds, how)
            if url is not None:  # no existence check: a missing object is the store's 404
                return RedirectResponse(url, status_code=307, headers={"Cache-Control": "private, no-store"})
        info = await store.stat(msg.media_path)
        if info is None:
            raise MediaFileMissing("Media file is missing")
        chunks = store.stream(msg.media_path)
        first = await anext(chunks, b"")  # the object opens here: a failure is still a JSON error
    except StorageError as exc:
        raise MediaStoreUnavailable("Media storage did not answer") from exc
    return StreamingResponse(
        _chained(first, chunks), media_type=how.content_type, headers={**headers, "Content-Length": str(info.size)}
    )


async def _chained(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


@router.get(
    "/conversations/{conversation_id}/messages",
    responses=responses(*SESSION, ConversationNotFound, MessageNotFound, InvalidCursor, InvalidAround),
)
async def list_messages(
    conversation_id: uuid.UUID,
    db: ReadDb,
    actor: CurrentActor,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    around: Annotated[
        str | None, Query(max_length=100, description="A message id: the page centred on it (a search hit)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> MessagePage:
    """Messages newest first across all tickets; each carries its ticket id. `nextCursor` pages
    back; `around=<messageId>` answers the page centred on that message with `newerCursor` too,
    and a newer cursor pages forward until the latest message (`newerCursor` null)."""
    if around is not None:
        if cursor is not None:
            raise InvalidAround("around and cursor cannot be combined")
        try:
            around_id = uuid.UUID(around)
        except ValueError:
            raise InvalidAround("around is not a message id") from None
        conv = await conversations.get_conversation(db, actor, conversation_id)
        window = await messages.list_around(db, actor, conv.id, around_id, limit)
    else:  # scoped by the page's own statement
        window = await messages.list_window(db, actor, conversation_id, cursor, limit)
    return MessagePage(items=window.items, next_cursor=window.older, newer_cursor=window.newer)


@router.get("/messages/search", responses=responses(*SESSION, InvalidCursor, SearchDatesReversed))
async def search_messages(
    db: ReadDb,
    actor: CurrentActor,
    q: Annotated[str, Query(min_length=1, max_length=200, pattern=r"\S")],
    from_: Annotated[date | None, Query(alias="from", description="First day, in the organization's time zone")] = None,
    to: Annotated[date | None, Query(description="Last day (included), in the organization's time zone")] = None,
    instance_id: Annotated[uuid.UUID | None, Query(alias="instanceId")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> MessageHitPage:
    """Messages whose text holds `q` (accents and case ignored), newest first, with the matched
    message's id and a snippet around the match; the client highlights the term itself."""
    if from_ is not None and to is not None and from_ > to:
        raise SearchDatesReversed("from is after to", {"from": from_.isoformat(), "to": to.isoformat()})
    items, next_cursor = await messages.search_messages(
        db, actor, q, first_day=from_, last_day=to, instance_id=instance_id, cursor=cursor, limit=limit
    )
    return MessageHitPage(items=items, next_cursor=next_cursor)


@router.post(
    "/conversations/{conversation_id}/notes",
    status_code=201,
    responses=responses(*WRITE, ConversationNotFound, MentionNotMember),
)
async def add_note(conversation_id: uuid.UUID, body: NoteIn, db: Db, actor: CurrentActor) -> MessageRead:
    """An internal note in the thread, seen by the team only: never sent to WhatsApp."""
    conv = await conversations.get_conversation(db, actor, conversation_id)
    note = await messages.add_note(db, actor, conv, body.content, mentions=body.mentions, client_id=body.client_id)
    return await messages.read_one(db, note)
