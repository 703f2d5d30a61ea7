"""Webhook ingestion, behind inbox/api.py: deliveries that arrive together are verified, parsed
and received in one transaction (inbox.batch.receive_many), then each request gets its own answer.

An answer is given only after its batch committed, so a 200 still means "stored": a
re-delivery finds the message. One consumer per process takes whatever is queued; under load
the batches grow by themselves, at concurrency 1 each holds a single event. When a batch
fails, its events are tried again one by one, so a bad event fails only its own request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack.db import transaction
from whatrack.errors import (
    DomainError,
    InstanceNotFound,
    InvalidWebhookPayload,
    ServerError,
    Unauthorized,
    WebhookOverloaded,
)
from whatrack.inbox.batch import receive_many
from whatrack.inbox.receive import ReceiveResult, receive
from whatrack.instances.webhook import authenticate_webhook, for_webhook
from whatrack.models import Instance
from whatrack.observability import WEBHOOK_BATCH, WEBHOOK_EVENTS, WEBHOOK_SHED
from whatrack.realtime.events import known_policy
from whatrack.storage import MediaStore
from whatrack.whatsapp.events import Envelope
from whatrack.whatsapp.parsing import PayloadError, parse_webhook

log = logging.getLogger(__name__)
MAX_BATCH = 200
QUEUE_MAX = 2000  # WEBHOOK_QUEUE_MAX
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook POST as received: nothing is trusted before verify()."""

    instance_id: uuid.UUID
    raw: bytes
    content_type: str | None
    signature: str | None  # x-hmac-signature
    secret: str | None  # ?secret= (instances without an HMAC key)


def verify(instance: Instance | None, delivery: Delivery) -> Envelope:
    """Authenticates the delivery, then parses it. Raises NotFound, Unauthorized or BadRequest."""
    if instance is None:
        raise InstanceNotFound("Unknown instance")
    try:
        authenticate_webhook(instance, delivery.raw, delivery.signature, delivery.secret)
    except Unauthorized:
        WEBHOOK_EVENTS.labels("unknown", "unauthorized").inc()
        raise
    try:
        return parse_webhook(delivery.raw, delivery.content_type)
    except PayloadError as exc:
        WEBHOOK_EVENTS.labels("unknown", "invalid").inc()
        raise InvalidWebhookPayload(str(exc)) from exc


Waiter = asyncio.Future[ReceiveResult]


class Ingestor:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        media: MediaStore,
        max_batch: int = MAX_BATCH,
        queue_max: int = QUEUE_MAX,
    ) -> None:
        self._factory = factory
        self._media = media
        self._max_batch = max_batch
        # Deliveries taken and not answered yet (queued, in a batch, or received alone). Beyond
        # queue_max a delivery is refused at once (503 + Retry-After): the sender retries
        # later instead of waiting for its own timeout behind a queue that cannot drain in time.
        self._queue_max = queue_max
        self._in_flight = 0
        self._queue: asyncio.Queue[tuple[Delivery, Waiter]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._alone: set[asyncio.Task[None]] = set()  # events received one by one, concurrently

    def start(self) -> None:
        # One consumer: a second one in the same process made batches smaller and throughput
        # lower (579 -> 557 webhooks/s at concurrency 20); more processes scale it instead.
        self._tasks = [asyncio.create_task(self._run(), name="webhook-ingest")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*self._alone, return_exceptions=True)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def admit(self) -> None:
        """Raises WebhookOverloaded (503) when the queue is full; cheap, called before the body is read."""
        if self._in_flight >= self._queue_max:
            WEBHOOK_SHED.inc()
            raise WebhookOverloaded(
                f"More than {self._queue_max} webhooks waiting to be stored; send again later",
                RETRY_AFTER_SECONDS,
            )

    async def submit(self, delivery: Delivery) -> ReceiveResult:
        """Queues the delivery and waits for its outcome (or its error: NotFound, Unauthorized,
        BadRequest, WebhookOverloaded, ...). If the caller goes away, the delivery is still received."""
        self.admit()
        waiter: Waiter = asyncio.get_running_loop().create_future()
        self._in_flight += 1
        waiter.add_done_callback(self._answered)
        self._queue.put_nowait((delivery, waiter))
        return await waiter

    def _answered(self, _: Waiter) -> None:
        self._in_flight -= 1

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            WEBHOOK_BATCH.observe(len(batch))
            try:
                await self._receive(batch)
            except Exception as exc:  # the loop must survive anything; each request hears of it
                log.exception("webhook batch failed")
                for _, waiter in batch:
                    _settle(waiter, exc)

    async def _receive(self, batch: list[tuple[Delivery, Waiter]]) -> None:
        accepted: list[tuple[Delivery, Waiter, Instance, Envelope]] = []
        refused: set[int] = set()  # answered already (unknown instance, bad signature, bad payload)
        try:
            async with transaction(self._factory) as db:
                instances: dict[uuid.UUID, Instance | None] = {}
                for n, (delivery, waiter) in enumerate(batch):
                    if delivery.instance_id not in instances:
                        found, policy = await for_webhook(db, delivery.instance_id)
                        if found is not None and policy is not None:
                            known_policy(db, found.organization_id, policy)
                        instances[delivery.instance_id] = found
                    instance = instances[delivery.instance_id]
                    try:
                        envelope = verify(instance, delivery)
                    except DomainError as exc:
                        refused.add(n)
                        _settle(waiter, exc)
                        continue
                    assert instance is not None  # verify() said so
                    accepted.append((delivery, waiter, instance, envelope))
                outcome = await receive_many(db, [(i, e) for _, _, i, e in accepted], self._media)
        except Exception as exc:
            # Nothing of the batch was kept. Every delivery not answered yet (including those the
            # failure came before, and those whose caller went away) is received alone.
            unanswered = [item for n, item in enumerate(batch) if n not in refused]
            if len(unanswered) == 1:
                _settle(unanswered[0][1], exc)
                if not isinstance(exc, DomainError):
                    log.error("webhook failed", exc_info=exc)
                return
            # No traceback here: a cause that is the event's own fails it again alone and is logged
            # there, once.
            log.warning(
                "webhook batch of %s failed (%s: %s); receiving its events one by one",
                len(unanswered),
                type(exc).__name__,
                exc,
            )
            for delivery, waiter in unanswered:
                self._spawn_alone(delivery, waiter)
            return
        for slot, result in outcome.results.items():
            _, waiter, _, envelope = accepted[slot]
            WEBHOOK_EVENTS.labels(envelope.type, result.status).inc()
            _settle(waiter, result)
        for slot in outcome.deferred:
            delivery, waiter, _, _ = accepted[slot]
            self._spawn_alone(delivery, waiter)

    def _spawn_alone(self, delivery: Delivery, waiter: Waiter) -> None:
        """The general path, in its own transaction and task: a slow event (a big file, a lock
        wait) holds up neither the next batch nor the other events."""
        task = asyncio.create_task(self._receive_alone(delivery, waiter))
        self._alone.add(task)
        task.add_done_callback(self._alone.discard)

    async def _receive_alone(self, delivery: Delivery, waiter: Waiter) -> None:
        try:
            async with transaction(self._factory) as db:
                instance = await db.get(Instance, delivery.instance_id)
                envelope = verify(instance, delivery)
                assert instance is not None  # verify() said so
                result = await receive(db, instance, envelope, self._media)
        except Exception as exc:
            _settle(waiter, exc)
            if not isinstance(exc, DomainError):
                log.error("webhook failed", exc_info=exc)
            return
        WEBHOOK_EVENTS.labels(envelope.type, result.status).inc()
        _settle(waiter, result)


def _settle(waiter: Waiter, outcome: ReceiveResult | BaseException) -> None:
    if waiter.done():  # the request was cancelled (client gone): the work is done anyway
        return
    if isinstance(outcome, BaseException):
        if not isinstance(outcome, DomainError):
            # Logged with its traceback where it failed: the request answers a JSON 500 and the
            # server logs no second traceback (nor drops the connection).
            failed = ServerError("The webhook could not be stored; delivering it again is safe")
            failed.__cause__ = outcome
            outcome = failed
        waiter.set_exception(outcome)
    else:
        waiter.set_result(outcome)
