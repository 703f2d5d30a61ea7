"""The webhook's door: the instance and its URL secret are checked BEFORE the body is read.

An unknown instance id or a wrong `?secret=` is refused without reading a byte of the body, so
an unauthenticated sender cannot make the app hold up to MAX_BODY_BYTES per request (8 posts of
60 MiB to a random id took the process from 189 to 927 MB). Instances signed with HMAC must be
read to be verified: their bodies are streamed against a per-instance budget of bytes in flight
(WEBHOOK_INFLIGHT_BYTES), beyond which the request answers 503 + Retry-After at once (WuzAPI
retries). The Ingestor still authenticates every delivery: this is a pre-filter, so its cache of
instance credentials may be stale (a deleted instance is then refused by the Ingestor).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request

from whatrack.db import transaction
from whatrack.errors import InstanceNotFound, PayloadTooLarge, WebhookBusy, WebhookSecretInvalid
from whatrack.models import Instance
from whatrack.observability import WEBHOOK_EVENTS
from whatrack.whatsapp.signature import constant_time_equals

CACHE_SIZE = 10_000
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True, slots=True)
class _Credentials:
    secret: str
    signed: bool  # HMAC: the body must be read to authenticate


class WebhookGate:
    def __init__(self, factory: async_sessionmaker[AsyncSession], max_body: int, inflight_per_instance: int) -> None:
        self._factory = factory
        self._max_body = max_body
        self._budget = inflight_per_instance
        self._known: dict[uuid.UUID, _Credentials] = {}  # only instances that exist: ids are random
        self._inflight: defaultdict[uuid.UUID, int] = defaultdict(int)

    async def _credentials(self, instance_id: uuid.UUID) -> _Credentials | None:
        known = self._known.get(instance_id)
        if known is not None:
            return known
        async with transaction(self._factory) as db:
            row = (
                await db.execute(select(Instance.webhook_secret, Instance.hmac_key).where(Instance.id == instance_id))
            ).first()
        if row is None:
            return None
        if len(self._known) >= CACHE_SIZE:
            self._known.clear()
        known = self._known[instance_id] = _Credentials(row.webhook_secret, bool(row.hmac_key))
        return known

    async def read(self, instance_id: uuid.UUID, request: Request, secret: str | None) -> bytes:
        """The body of an admitted delivery; raises before reading it when the sender is not."""
        credentials = await self._credentials(instance_id)
        if credentials is None:
            raise InstanceNotFound("Unknown instance")
        if not credentials.signed and not constant_time_equals(secret or "", credentials.secret):
            WEBHOOK_EVENTS.labels("unknown", "unauthorized").inc()
            raise WebhookSecretInvalid("Bad or missing webhook secret")
        declared = request.headers.get("content-length", "")
        reserved = int(declared) if declared.isdigit() else 0
        if reserved > self._max_body:
            raise PayloadTooLarge(f"Body larger than {self._max_body} bytes", {"maxBytes": self._max_body})
        self._reserve(instance_id, reserved)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > reserved:  # no (or a lying) Content-Length: reserve as it comes
                    self._reserve(instance_id, size - reserved)
                    reserved = size
                chunks.append(chunk)
        finally:
            self._release(instance_id, reserved)
        return b"".join(chunks)

    def _reserve(self, instance_id: uuid.UUID, size: int) -> None:
        if self._inflight[instance_id] + size > self._budget and self._inflight[instance_id] > 0:
            raise WebhookBusy("Too many webhook bytes in flight for this instance: retry shortly", RETRY_AFTER_SECONDS)
        self._inflight[instance_id] += size

    def _release(self, instance_id: uuid.UUID, size: int) -> None:
        left = self._inflight[instance_id] - size
        if left > 0:
            self._inflight[instance_id] = left
        else:
            del self._inflight[instance_id]
