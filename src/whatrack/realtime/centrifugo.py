"""Publisher backed by a real Centrifugo (server HTTP API through `cent`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiohttp
from cent import AsyncClient, CentError, Disconnect, DisconnectRequest, PublishRequest, UnsubscribeRequest
from cent.client.session.aiohttp import AiohttpSession

from whatrack.realtime.control import DISCONNECT_CODE, DISCONNECT_REASON, disconnect_target, unsubscribe_target
from whatrack.realtime.publisher import Publication, PublishError

_DISCONNECT = {"code": DISCONNECT_CODE, "reason": DISCONNECT_REASON}


def _command(item: Publication) -> dict[str, Any]:
    """One batch command: a publish, or for a control row Centrifugo's `disconnect` by user or
    `unsubscribe` by user and channel."""
    user = disconnect_target(item.channel, item.data)
    if user is not None:
        return {"disconnect": {"user": user, "disconnect": _DISCONNECT}}
    unsubscribe = unsubscribe_target(item.channel, item.data)
    if unsubscribe is not None:
        return {"unsubscribe": {"user": unsubscribe[0], "channel": unsubscribe[1]}}
    channels = item.channels
    if len(channels) > 1:
        return {"broadcast": {"channels": channels, "data": item.data, "idempotency_key": item.idempotency_key}}
    return {"publish": {"channel": item.channel, "data": item.data, "idempotency_key": item.idempotency_key}}


def _errors(reply: Any) -> list[Any]:
    """The errors of one batch reply; a broadcast answers one response per channel."""
    if not isinstance(reply, dict):
        return []
    if reply.get("error"):
        return [reply["error"]]
    responses = (reply.get("broadcast") or {}).get("responses") or []
    return [r["error"] for r in responses if isinstance(r, dict) and r.get("error")]


class CentrifugoPublisher:
    """Publishes through Centrifugo's HTTP API (`POST {url}/api/publish`, X-API-Key).

    The aiohttp session behind `cent` is created lazily inside the running loop and
    released by `close()`.
    """

    def __init__(self, url: str, api_key: str, *, timeout: float = 5.0) -> None:
        self._api_url = url.rstrip("/") + "/api"
        self._api_key = api_key
        self._timeout = timeout
        self._client: AsyncClient | None = None
        self._transport: AiohttpSession | None = None

    def _get_client(self) -> AsyncClient:
        if self._client is None:
            self._client = AsyncClient(self._api_url, self._api_key, timeout=self._timeout)
        return self._client

    def _get_transport(self) -> AiohttpSession:
        if self._transport is None:
            self._transport = AiohttpSession(self._api_url, timeout=self._timeout, session=aiohttp.ClientSession())
        return self._transport

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        user = disconnect_target(channel, data)
        unsubscribe = unsubscribe_target(channel, data)
        try:
            if user is not None:
                await self.disconnect_user(user)
                return
            if unsubscribe is not None:
                await self.unsubscribe_user(*unsubscribe)
                return
            await self._get_client().publish(PublishRequest(channel=channel, data=data))
        except CentError as exc:
            raise PublishError(f"centrifugo publish to {channel!r} failed: {exc!r}") from exc
        except (OSError, TimeoutError) as exc:  # defensive: anything the transport leaks
            raise PublishError(f"centrifugo unreachable: {exc!r}") from exc

    async def disconnect_user(self, user: str) -> None:
        """Close every connection of `user` on every node (server API `disconnect`)."""
        request = DisconnectRequest(user=user, disconnect=Disconnect(code=DISCONNECT_CODE, reason=DISCONNECT_REASON))
        await self._get_client().disconnect(request)

    async def unsubscribe_user(self, user: str, channel: str) -> None:
        """Unsubscribe every connection of `user` from `channel` on every node (server API
        `unsubscribe`; the client gets the unsubscribe push, code 2000)."""
        await self._get_client().unsubscribe(UnsubscribeRequest(user=user, channel=channel))

    async def publish_many(self, items: Sequence[Publication]) -> None:
        if not items:
            return
        # One HTTP call; commands run in order (parallel=False) so per-channel order holds. The
        # body is built here and sent through cent's transport: cent's BatchRequest models cost
        # 21 ms per 200 publications, 6x the whole HTTP round trip (bench/README.md).
        commands = [_command(i) for i in items]
        try:
            raw = await self._get_transport().make_request(
                self._api_key, "batch", {"commands": commands, "parallel": False}
            )
            answer = json.loads(raw)
        except CentError as exc:
            raise PublishError(f"centrifugo batch publish failed: {exc!r}") from exc
        except (OSError, TimeoutError, ValueError) as exc:  # defensive: anything the transport leaks
            raise PublishError(f"centrifugo batch publish failed: {exc!r}") from exc
        replies = answer.get("replies") if isinstance(answer, dict) else None
        if not isinstance(replies, list) or len(replies) != len(items):
            raise PublishError(f"centrifugo batch publish failed: unexpected answer {raw[:200]!r}")
        errors = [e for r in replies for e in _errors(r)]
        if errors:  # the ones that did go out are not sent twice: idempotency keys
            raise PublishError(f"centrifugo batch publish failed: {errors[0]!r} ({len(errors)} of {len(items)})")

    async def close(self) -> None:
        client, self._client = self._client, None
        transport, self._transport = self._transport, None
        if client is not None:
            await client.close()
        if transport is not None:
            await transport.close()
