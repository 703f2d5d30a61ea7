"""Publisher backed by a real Centrifugo (server HTTP API through `cent`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cent import AsyncClient, BatchRequest, CentError, PublishRequest

from whatrack.realtime.publisher import Publication, PublishError


class CentrifugoPublisher:
    """Publishes through Centrifugo's HTTP API (`POST {url}/api/publish`, X-API-Key).

    The aiohttp session behind `cent` is created lazily inside the running loop and
    released by `close()`.
    """

    def __init__(self, url: str, api_key: str, *, timeout: float = 5.0) -> None:
        self._api_url = url.rstrip("/") + "/api"
        self._api_key = api_key
        self._timeout = timeout
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            self._client = AsyncClient(self._api_url, self._api_key, timeout=self._timeout)
        return self._client

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        try:
            await self._get_client().publish(PublishRequest(channel=channel, data=data))
        except CentError as exc:
            raise PublishError(f"centrifugo publish to {channel!r} failed: {exc!r}") from exc
        except (OSError, TimeoutError) as exc:  # defensive: anything the transport leaks
            raise PublishError(f"centrifugo unreachable: {exc!r}") from exc

    async def publish_many(self, items: Sequence[Publication]) -> None:
        if not items:
            return
        requests = [PublishRequest(channel=i.channel, data=i.data, idempotency_key=i.idempotency_key) for i in items]
        try:
            # one HTTP call; commands run in order (parallel=False) so per-channel order holds
            await self._get_client().batch(BatchRequest(requests=requests, parallel=False))
        except CentError as exc:
            raise PublishError(f"centrifugo batch publish failed: {exc!r}") from exc
        except (OSError, TimeoutError, KeyError, TypeError, ValueError) as exc:
            # cent cannot decode a batch whose replies carry an error: treat as failed, retry
            raise PublishError(f"centrifugo batch publish failed: {exc!r}") from exc

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
