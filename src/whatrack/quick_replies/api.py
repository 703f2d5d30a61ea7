"""Quick-reply routes: GET/POST /api/v1/quick-replies, PATCH/DELETE /api/v1/quick-replies/{id}."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from whatrack.deps import CurrentActor, Db
from whatrack.errors import (
    SESSION,
    WRITE,
    AdminRequired,
    NothingToUpdate,
    QuickReplyNotFound,
    QuickReplyShortcutTaken,
    responses,
)
from whatrack.quick_replies import service
from whatrack.quick_replies.schemas import QuickReplyCreate, QuickReplyList, QuickReplyRead, QuickReplyUpdate

router = APIRouter(prefix="/api/v1/quick-replies", tags=["quick-replies"])


@router.get("", responses=responses(*SESSION))
async def list_quick_replies(db: Db, actor: CurrentActor) -> QuickReplyList:
    """The organization's quick replies and the caller's personal ones, by shortcut."""
    return QuickReplyList(items=[service.read(actor, qr) for qr in await service.list_visible(db, actor)])


@router.post("", status_code=201, responses=responses(*WRITE, AdminRequired, QuickReplyShortcutTaken))
async def create_quick_reply(body: QuickReplyCreate, db: Db, actor: CurrentActor) -> QuickReplyRead:
    """A personal quick reply, or an organization-wide one (`scope: "organization"`, admins only)."""
    return service.read(actor, await service.create(db, actor, body))


@router.patch(
    "/{quick_reply_id}",
    responses=responses(*WRITE, AdminRequired, QuickReplyNotFound, QuickReplyShortcutTaken, NothingToUpdate),
)
async def update_quick_reply(
    quick_reply_id: uuid.UUID, body: QuickReplyUpdate, db: Db, actor: CurrentActor
) -> QuickReplyRead:
    """Change the shortcut or the text."""
    return service.read(actor, await service.update(db, actor, quick_reply_id, body))


@router.delete("/{quick_reply_id}", status_code=204, responses=responses(*WRITE, AdminRequired, QuickReplyNotFound))
async def delete_quick_reply(quick_reply_id: uuid.UUID, db: Db, actor: CurrentActor) -> Response:
    await service.delete(db, actor, quick_reply_id)
    return Response(status_code=204)
