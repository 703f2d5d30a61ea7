from __future__ import annotations

from fastapi import APIRouter, Request

from whatrack.deps import AppSettings, CurrentActor, Db
from whatrack.errors import WRITE, ChannelForbidden, InvalidChannel, responses
from whatrack.realtime.access import authorize_channel
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


@router.post("/token", responses=responses(*WRITE))
async def token(request: Request, actor: CurrentActor, settings: AppSettings) -> TokenRead:
    """Connection JWT (HS256, sub = user id, REALTIME_TOKEN_TTL_SECONDS: 10 min by default) and
    the WebSocket URL to use it on; the client asks again before it expires."""
    return TokenRead(
        token=connection_token(
            str(actor.user_id), settings.centrifugo_token_secret, settings.realtime_token_ttl_seconds
        ),
        url=websocket_url(request, settings.centrifugo_ws_url),
    )


@router.post("/subscription-token", responses=responses(*WRITE, ChannelForbidden, InvalidChannel))
async def sub_token(body: SubscriptionIn, db: Db, actor: CurrentActor, settings: AppSettings) -> TokenRead:
    """Subscription JWT for one channel of the caller's organization; other organizations' channels: 403."""
    await authorize_channel(db, actor, body.channel)
    token = subscription_token(
        str(actor.user_id), body.channel, settings.centrifugo_token_secret, settings.realtime_token_ttl_seconds
    )
    return TokenRead(token=token)
