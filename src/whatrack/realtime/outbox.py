"""Publishes outbox rows after commit and deletes them. A real-time outage never fails a request
nor loses an event: rows stay until published, with backoff between attempts.

Every commit of the factory's sessions that wrote outbox rows wakes the drainer (the session
factory's after-commit hook, db.CommitHook), whichever route, job or command committed it;
the poll only catches rows written by other processes and retries after a failure."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from whatrack.db import commit_hook, connection_tag, listen, transaction, utcnow
from whatrack.db_util import dialect, one_of, table_of
from whatrack.models import OutboxEvent
from whatrack.realtime.events import LEASE_SECONDS, OUTBOX_NOTIFY_CHANNEL, OWN_ROWS, OwnRow
from whatrack.realtime.publisher import Publication, Publisher, PublishError

log = logging.getLogger(__name__)
BATCH = 200
DELETE_AFTER = 0.5  # seconds a published row of ours may wait for its DELETE
_OUTBOX = table_of(OutboxEvent)


@functools.cache
def _claim(dialect_name: str) -> Any:
    """Deletes up to BATCH due rows, oldest first, and returns them (Core: no identity map)."""
    due = select(_OUTBOX.c.id).where(_OUTBOX.c.available_at <= bindparam("now")).order_by(_OUTBOX.c.id).limit(BATCH)
    if dialect_name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return (
        delete(_OUTBOX)
        .where(_OUTBOX.c.id.in_(due.scalar_subquery()))
        .returning(_OUTBOX.c.id, _OUTBOX.c.channel, _OUTBOX.c.data, _OUTBOX.c.attempts, _OUTBOX.c.created_at)
    )


def _key(row: Any) -> str:
    """The publication's idempotency key. SQLite reuses the ids of deleted rows (no
    AUTOINCREMENT): the key also names the row's creation time, or Centrifugo would drop a new
    event as a repeat for 5 minutes."""
    return f"outbox-{row.id}-{row.created_at.timestamp():.6f}"


class OutboxDrainer:
    def __init__(self, factory: async_sessionmaker[AsyncSession], publisher: Publisher, poll_seconds: float) -> None:
        self._factory = factory
        self._publisher = publisher
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._due = True  # drain_once() has work (or may: at start, after a NOTIFY or a poll)
        self._own: list[OwnRow] = []  # committed by this process, leased to us, to publish
        self._own_paused_until = 0.0
        self._published: list[int] = []  # published, to delete
        self._published_since = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None  # run()'s
        engine = factory.kw.get("bind")
        self._own_tag = connection_tag(engine) if isinstance(engine, AsyncEngine) else None
        commit_hook(factory).subscribe(self.wake)

    def wake(self) -> None:
        """Run after every commit that wrote outbox rows for drain_once (SQLite, or no drainer was
        running when they were written): publish now instead of at the next poll."""
        self._due = True
        self._wake.set()

    async def drain_once(self) -> int:
        """Publish what is due, in id order, and delete it. Returns how many rows were published.

        One statement claims and deletes the rows (`DELETE ... RETURNING`, the rows locked with
        SKIP LOCKED on PostgreSQL so several drainers share the work); the transaction commits
        only after the publication succeeded. When it fails, the rollback puts the rows back and a
        second transaction records the attempt and the backoff."""
        async with self._lock:
            try:
                async with transaction(self._factory) as db:
                    rows = sorted((await db.execute(_claim(dialect(db)), {"now": utcnow()})).all(), key=lambda r: r.id)
                    if not rows:
                        return 0
                    await self._publisher.publish_many([Publication(r.channel, r.data, _key(r)) for r in rows])
                    return len(rows)
            except PublishError as exc:
                # Nothing is lost: every row waits and is retried with backoff; idempotency keys stop
                # the part that did go out from being delivered twice.
                await self._postpone([r.id for r in rows], rows[0].attempts + 1, exc)
                return 0

    async def _postpone(self, ids: list[int], attempts: int, exc: Exception) -> None:
        delay = min(60.0, 0.5 * 2 ** min(attempts, 7))
        async with transaction(self._factory) as db:
            await db.execute(
                update(OutboxEvent)
                .where(one_of(db, OutboxEvent.id, ids))
                .values(
                    attempts=OutboxEvent.attempts + 1,
                    last_error=str(exc)[:500],
                    available_at=utcnow() + timedelta(seconds=delay),
                )
                .execution_options(synchronize_session=False)
            )
        log.warning("outbox publish failed (attempt %s): %s", attempts, exc)

    async def oldest_pending_age_seconds(self) -> float:
        async with transaction(self._factory) as db:
            oldest = await db.scalar(select(OutboxEvent.created_at).order_by(OutboxEvent.id).limit(1))
            return 0.0 if oldest is None else (utcnow() - oldest).total_seconds()
        return 0.0

    async def run(self) -> None:
        """Publishes until cancelled. On PostgreSQL this process's own committed rows come
        straight from the commit (events.OWN_ROWS: leased to us, published without reading them
        back, deleted in batches); rows of other processes, and ours whose lease ended unpublished,
        through drain_once(), on a NOTIFY and at every poll."""
        engine = self._factory.kw.get("bind")
        listener = stop_taking = None
        self._loop = asyncio.get_running_loop()
        if isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
            # rows committed by a web process without jobs are published at once; the poll
            # covers the gaps while the LISTEN connection is down
            listener = asyncio.create_task(
                listen(engine, OUTBOX_NOTIFY_CHANNEL, self._heard, up=self._listening, down=lambda: None),
                name="outbox-listen",
            )
            stop_taking = commit_hook(self._factory).listen(OWN_ROWS, self._take)
        try:
            while True:
                self._wake.clear()
                try:
                    await self._publish_own()
                    if self._due:
                        self._due = False
                        while await self.drain_once() == BATCH:
                            pass
                    await self._delete_published(force=False)
                except Exception:  # the loop must survive a database hiccup
                    log.exception("outbox drain failed")
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
                except TimeoutError:
                    self._due = True  # the poll: other processes' rows, leases that ended
                    with contextlib.suppress(Exception):
                        await self._delete_published(force=True)
        finally:
            if stop_taking is not None:
                stop_taking()
            with contextlib.suppress(Exception):
                await self._delete_published(force=True)
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)

    def _take(self, rows: list[OwnRow]) -> None:
        """After a commit of ours: its rows, leased to us (called in the committing task). The
        drainer is woken on the loop's next turn, so the requests this commit answers (a webhook
        batch settles its waiters right after committing) go out before the publication's HTTP
        call takes the loop: an answer means "stored", and it need not wait for Centrifugo."""
        self._own.extend(rows)
        if self._loop is None:
            self._wake.set()
        else:
            self._loop.call_soon(self._wake.set)

    async def _publish_own(self) -> None:
        rows, self._own = self._own, []
        if not rows:
            return
        if time.monotonic() < self._own_paused_until:
            return  # the server failed us lately: they wait for their lease, then drain_once in id order
        try:
            await self._publisher.publish_many([Publication(r.channel, r.data, _key(r)) for r in rows])
        except PublishError as exc:
            # Nothing is lost: the rows stay, leased, and drain_once retries them with backoff once the
            # lease ends; ours are not published meanwhile, so order holds.
            self._own_paused_until = time.monotonic() + LEASE_SECONDS
            log.warning("outbox publish failed, left to the drain: %s", exc)
            return
        if not self._published:
            self._published_since = time.monotonic()
        self._published += [r.id for r in rows]

    async def _delete_published(self, *, force: bool) -> None:
        """One DELETE for the rows we published, every BATCH rows or DELETE_AFTER seconds: a crash
        before it makes them published again after their lease (the idempotency key drops the repeat)."""
        if not self._published:
            return
        if not force and len(self._published) < BATCH and time.monotonic() - self._published_since < DELETE_AFTER:
            return
        ids, self._published = self._published, []
        try:
            async with transaction(self._factory) as db:
                await db.execute(
                    delete(OutboxEvent)
                    .where(one_of(db, OutboxEvent.id, ids))
                    .execution_options(synchronize_session=False)
                )
        except Exception:
            self._published = ids + self._published
            raise

    def _heard(self, payload: str) -> None:
        """A NOTIFY: another process committed rows. Our own commits woke us already (commit hook)."""
        if payload != self._own_tag:
            self._due = True
            self._wake.set()

    def _listening(self) -> None:
        self._due = True  # rows committed before we listened
        self._wake.set()
