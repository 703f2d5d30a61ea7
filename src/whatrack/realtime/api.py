from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from whatrack.conversations import service as conversations
from whatrack.deps import AppSettings, CurrentActor, Db
from whatrack.errors import BadRequest, Forbidden, NotFound, Unauthorized, responses
from whatrack.realtime.tokens import connection_token, subscription_token
from whatrack.schemas import CamelModel, InputModel

router = APIRouter(prefix="/api/v1/chat/centrifugo", tags=["realtime"])


class TokenRead(CamelModel):
    token: str
    url: str | None = None


class SubscriptionIn(InputModel):
    channel: str


def websocket_url(request: Request, ws_url: str | None) -> str:
    if ws_url:
        return ws_url
    scheme = "wss" if request.url.scheme == "https" else "ws"
    return f"{scheme}://{request.url.netloc}/connection/websocket"


@router.post("/token", responses=responses(Unauthorized))
async def token(request: Request, actor: CurrentActor, settings: AppSettings) -> TokenRead:
    """Connection JWT (HS256, sub = user id, 24 h) and the WebSocket URL to use it on."""
    return TokenRead(
        token=connection_token(str(actor.user_id), settings.centrifugo_token_secret),
        url=websocket_url(request, settings.centrifugo_ws_url),
    )


@router.post("/subscription-token", responses=responses(Unauthorized, Forbidden, BadRequest))
async def sub_token(body: SubscriptionIn, db: Db, actor: CurrentActor, settings: AppSettings) -> TokenRead:
    """Subscription JWT for one channel of the caller's organization; other organizations' channels: 403."""
    parts = body.channel.split(":")
    if len(parts) != 3 or parts[0] != "chat" or parts[1] not in {"org", "conversation"}:
        raise BadRequest("Unknown channel: expected chat:org:<id> or chat:conversation:<id>")
    try:
        target = uuid.UUID(parts[2])
    except ValueError as exc:
        raise BadRequest("Channel id is not a UUID") from exc
    if parts[1] == "org":
        if target != actor.organization_id:
            raise Forbidden("That channel belongs to another organization")
    else:
        try:
            await conversations.get_conversation(db, actor, target)
        except NotFound as exc:
            raise Forbidden("That channel belongs to another organization") from exc
    return TokenRead(token=subscription_token(str(actor.user_id), body.channel, settings.centrifugo_token_secret))
