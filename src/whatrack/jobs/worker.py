"""Background jobs in the app process (embedded) or in `whatrack worker` processes (production).

Rows in the database are the queue; every job is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from whatrack import storage
from whatrack.db import create_engine, create_session_factory, transaction, utcnow
from whatrack.db_util import dialect
from whatrack.followups import jobs as followup_jobs
from whatrack.inbox.send import SendContext
from whatrack.instances.polling import poll_instance_statuses
from whatrack.legacy.recovery import Recoverer
from whatrack.messages.service import fail_interrupted_sends, interrupted_after, purge_old_receipts
from whatrack.models import ClosedBy, Organization, Ticket, TicketStatus
from whatrack.realtime import ephemeral
from whatrack.realtime.centrifugo import CentrifugoPublisher
from whatrack.realtime.outbox import OutboxDrainer
from whatrack.settings import Settings
from whatrack.tickets.service import close_ticket

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 30.0  # the housekeeping round (inactivity, receipts, instance statuses)
DUE_POLL_SECONDS = 1.0  # between two probes for due scheduled messages


async def close_inactive_tickets(db: AsyncSession) -> int:
    """Resolve tickets with no activity for longer than their organization's timeout."""
    now = utcnow()
    closed = 0
    orgs = (await db.execute(select(Organization.id, Organization.inactivity_timeout_minutes))).all()
    for org_id, minutes in orgs:
        if minutes <= 0:
            continue
        stmt = (
            select(Ticket)
            .where(
                Ticket.organization_id == org_id,
                Ticket.status == TicketStatus.OPEN,  # a FOLLOW_UP ticket ends by its sequence's rule
                Ticket.last_activity_at < now - timedelta(minutes=minutes),
            )
            .limit(500)
        )
        if dialect(db) == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        for ticket in (await db.scalars(stmt)).all():
            await close_ticket(db, ticket, None, None, ClosedBy.INACTIVITY)
            closed += 1
    return closed


class Worker:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Events of the jobs (tickets closed, instance status) are published at once: their
        commits wake the process's outbox drainer (db.CommitHook)."""
        self._factory = factory
        self._settings = settings
        self._http = http
        self._clock = clock  # follow-up jobs take their time from here (tests move it)
        self._media = storage.from_settings(settings)

    async def run_once(self) -> None:
        async with transaction(self._factory) as db:
            await close_inactive_tickets(db)
            await purge_old_receipts(db, utcnow() - timedelta(seconds=self._settings.pending_receipt_ttl_seconds))
            # sends whose process died mid-call (kill -9, crash): FAILED "interrupted", retryable
            await fail_interrupted_sends(db, utcnow() - interrupted_after(self._settings.wuzapi_timeout_seconds))
        if self._http is not None:
            # scheduled messages and follow-ups: their own transactions around each WuzAPI call
            send_ctx = SendContext(
                self._factory, self._http, self._media, self._settings.wuzapi_timeout_seconds, self._settings
            )
            await followup_jobs.run_once(send_ctx, self._clock())
            # its own transaction: it waits on WuzAPI calls
            async with transaction(self._factory) as db:
                await poll_instance_statuses(db, self._http, self._settings)

    async def send_if_due(self) -> bool:
        """Between rounds: send the scheduled messages that fell due (a cheap indexed probe when
        none did). True when the round got something done (sent, retrying or failed): the
        loop then goes on at once instead of waiting a poll interval (a burst of due rows is
        sent batch after batch; a row that cannot move yet never makes it spin)."""
        if self._http is None:
            return False
        send_ctx = SendContext(
            self._factory, self._http, self._media, self._settings.wuzapi_timeout_seconds, self._settings
        )
        now = self._clock()
        if not await followup_jobs.anything_due(send_ctx, now):
            return False
        done = await followup_jobs.send_due(send_ctx, now)
        return done.sent + done.retrying + done.failed > 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_round = loop.time()
        while True:
            try:
                if loop.time() >= next_round:
                    next_round = loop.time() + INTERVAL_SECONDS
                    await self.run_once()
                elif await self.send_if_due():
                    continue  # more may be due right now (a batch is at most followup_jobs.BATCH rows)
            except Exception:  # a failed round is retried at the next one
                log.exception("background jobs failed")
            await asyncio.sleep(DUE_POLL_SECONDS)


async def run_standalone(settings: Settings) -> None:
    """`whatrack worker`: the outbox drainer and the periodic jobs, without the web server."""
    if not settings.centrifugo_url:
        raise SystemExit("whatrack worker needs CENTRIFUGO_URL: in embedded mode the web process runs the jobs")
    engine = create_engine(settings.database_url)
    publisher = CentrifugoPublisher(settings.centrifugo_url, settings.centrifugo_api_key)
    factory = create_session_factory(engine, ephemeral.session_info(publisher))
    drainer = OutboxDrainer(factory, publisher, settings.outbox_poll_seconds)
    http = httpx.AsyncClient(timeout=settings.wuzapi_timeout_seconds)
    # the status poll may see an instance come back: recover what it kept (legacy/recovery.py)
    recoverer = Recoverer(factory, http, storage.from_settings(settings), call_timeout=settings.wuzapi_timeout_seconds)
    recoverer.start()
    try:
        await asyncio.gather(drainer.run(), Worker(factory, settings, http).run())
    finally:
        await recoverer.stop()
        await http.aclose()
        await publisher.close()
        await engine.dispose()
