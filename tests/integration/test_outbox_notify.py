"""PostgreSQL LISTEN/NOTIFY between processes: a transaction that writes outbox rows NOTIFYs at
commit, and a drainer of ANOTHER session factory (another process: a worker, while web runs no
jobs) publishes them at once, not at its next poll (set to a minute here)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import _database, empty_tables
from whatrack.db import commit_hook, connection_tag, create_engine, create_session_factory, transaction
from whatrack.models import MessageStatus, OutboxEvent
from whatrack.realtime import events, revoke
from whatrack.realtime.events import LEASE_SECONDS, OWN_ROWS, StatusData, emit_message_status
from whatrack.realtime.outbox import OutboxDrainer
from whatrack.realtime.publisher import Publication


class Recorder:
    def __init__(self) -> None:
        self.items: list[Publication] = []
        self.changed = asyncio.Event()

    async def publish(self, channel: str, data: dict[str, Any]) -> None:
        await self.publish_many([Publication(channel, data)])

    async def publish_many(self, items: Sequence[Publication]) -> None:
        self.items.extend(items)
        self.changed.set()

    async def close(self) -> None:
        return None


@pytest.fixture
def pg_url(databases: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database("postgresql", databases, tmp_path_factory)


@pytest.fixture(autouse=True)
async def _emptied(pg_url: str, cleaner_engines: dict[str, AsyncEngine]) -> None:
    """These tests read the whole outbox, and an app test run before them on this worker may have
    stopped with its own rows still leased there."""
    if pg_url not in cleaner_engines:
        cleaner_engines[pg_url] = create_engine(pg_url)
    await empty_tables(cleaner_engines[pg_url])


async def test_a_commit_in_another_process_wakes_the_drainer(pg_url: str) -> None:
    url = pg_url
    web_engine, worker_engine = create_engine(url), create_engine(url)
    web = create_session_factory(web_engine)  # no drainer subscribed to its commits
    recorder = Recorder()
    drainer = OutboxDrainer(create_session_factory(worker_engine), recorder, poll_seconds=60)
    task = asyncio.create_task(drainer.run())
    try:
        async with web_engine.connect() as conn:  # the drainer's LISTEN is in place
            for _ in range(200):
                listening = await conn.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN \"whatrack_outbox\"'")
                )
                if listening:
                    break
                await asyncio.sleep(0.025)
            assert listening, "the drainer never LISTENed"
        await asyncio.sleep(0.1)  # its first drain (rows committed before it listened) is done
        conversation_id = uuid.uuid4()
        latencies = []
        for _ in range(5):
            async with transaction(web) as db:
                emit_message_status(
                    db,
                    StatusData(
                        message_id=uuid.uuid4(),
                        conversation_id=conversation_id,
                        status=MessageStatus.SENT,
                        external_id=None,
                        error=None,
                    ),
                )
                mine = len(recorder.items)
            t0 = time.perf_counter()
            while len(recorder.items) == mine:
                recorder.changed.clear()
                await asyncio.wait_for(recorder.changed.wait(), 5)  # the poll would take 60 s
            latencies.append(time.perf_counter() - t0)
            assert recorder.items[-1].channel == f"chat:conversation:{conversation_id}"
        assert max(latencies) < 1.0, latencies
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await web_engine.dispose()
        await worker_engine.dispose()


async def test_a_drainer_ignores_the_notify_of_its_own_engine(pg_url: str) -> None:
    """The trigger's NOTIFY names the writer's connection tag: a drainer's own engine's commits
    wake it through the commit hook only (not twice); another engine's wake it at once."""
    own_engine, other_engine = create_engine(pg_url), create_engine(pg_url)
    recorder = Recorder()
    drainer = OutboxDrainer(create_session_factory(own_engine), recorder, poll_seconds=60)
    same_engine = create_session_factory(own_engine)  # a factory whose commit hook nobody hears
    task = asyncio.create_task(drainer.run())

    try:
        async with own_engine.connect() as conn:
            for _ in range(200):
                if await conn.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN \"whatrack_outbox\"'")
                ):
                    break
                await asyncio.sleep(0.025)
        await asyncio.sleep(0.1)  # the first drain is done
        before = len(recorder.items)
        recorder.changed.clear()
        quiet = await _emit(same_engine)
        with pytest.raises(TimeoutError):  # its NOTIFY carries our own tag: no wake
            await asyncio.wait_for(recorder.changed.wait(), 0.5)
        assert len(recorder.items) == before
        loud = await _emit(create_session_factory(other_engine))
        for _ in range(200):
            if len(recorder.items) >= before + 2:
                break
            recorder.changed.clear()
            await asyncio.wait_for(recorder.changed.wait(), 5)
        assert [i.channel for i in recorder.items[before:]] == [
            f"chat:conversation:{quiet}",
            f"chat:conversation:{loud}",
        ]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await own_engine.dispose()
        await other_engine.dispose()


class GatedRecorder(Recorder):
    """Holds each publication until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def publish_many(self, items: Sequence[Publication]) -> None:
        self.waiting.set()
        await self.gate.wait()
        await super().publish_many(items)


async def _emit(factory: Any) -> uuid.UUID:
    conversation_id = uuid.uuid4()
    async with transaction(factory) as db:
        data = StatusData(
            message_id=uuid.uuid4(),
            conversation_id=conversation_id,
            status=MessageStatus.SENT,
            external_id=None,
            error=None,
        )
        emit_message_status(db, data)
    return conversation_id


async def _outbox(factory: Any) -> list[tuple[datetime, datetime]]:
    async with transaction(factory) as db:
        return [(r.available_at, r.created_at) for r in (await db.scalars(select(OutboxEvent))).all()]


async def test_own_rows_go_out_from_the_commit_leased_then_deleted(pg_url: str) -> None:
    """A process with a running drainer publishes its own rows straight from the commit (no read
    back): while they are being published they are leased (not due for any other drainer), and
    they are deleted once published."""
    engine = create_engine(pg_url)
    factory = create_session_factory(engine)
    recorder = GatedRecorder()
    drainer = OutboxDrainer(factory, recorder, poll_seconds=0.2)
    task = asyncio.create_task(drainer.run())
    try:
        while not commit_hook(factory).listens(OWN_ROWS):  # noqa: ASYNC110 - the drainer's start, no event to await
            await asyncio.sleep(0.01)
        conversation_id = await _emit(factory)
        await asyncio.wait_for(recorder.waiting.wait(), 5)
        [(available_at, created_at)] = await _outbox(factory)
        assert available_at >= created_at + timedelta(seconds=LEASE_SECONDS)  # leased to us
        recorder.gate.set()
        await asyncio.wait_for(recorder.changed.wait(), 5)
        assert [i.channel for i in recorder.items] == [f"chat:conversation:{conversation_id}"]
        for _ in range(200):
            if not await _outbox(factory):
                break
            await asyncio.sleep(0.05)
        assert await _outbox(factory) == []
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()


async def test_rows_of_a_process_that_died_are_drained_when_their_lease_ends(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leased rows whose process never published them (it died after the commit) are published
    by another drainer once the lease ends, not before."""
    monkeypatch.setattr(events, "LEASE_SECONDS", 0.6)
    dead_engine, live_engine = create_engine(pg_url), create_engine(pg_url)
    dead = create_session_factory(dead_engine)
    commit_hook(dead).listen(OWN_ROWS, lambda rows: None)  # took them, then died
    recorder = Recorder()
    drainer = OutboxDrainer(create_session_factory(live_engine), recorder, poll_seconds=0.1)
    task = asyncio.create_task(drainer.run())
    try:
        committed = time.monotonic()
        conversation_id = await _emit(dead)
        await asyncio.wait_for(recorder.changed.wait(), 5)
        assert time.monotonic() - committed >= 0.5  # not before the lease ended
        assert [i.channel for i in recorder.items] == [f"chat:conversation:{conversation_id}"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await dead_engine.dispose()
        await live_engine.dispose()


async def test_only_rows_others_may_take_now_are_notified(pg_url: str) -> None:
    """Leased rows (their writer publishes them) wake nobody: no other drainer may take them
    before the lease ends. Rows available at once, whether written by the events' INSERT or
    added as ORM objects (revocation control rows), NOTIFY at commit."""
    engine = create_engine(pg_url)
    factory = create_session_factory(engine)
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(pg_url.replace("postgresql+asyncpg://", "postgresql://"))
    await listener.add_listener("whatrack_outbox", lambda *args: heard.put_nowait(args[3]))
    try:
        commit_hook(factory).listen(OWN_ROWS, lambda rows: None)  # as a process running a drainer
        await _emit(factory)
        [(available_at, created_at)] = await _outbox(factory)
        assert available_at >= created_at + timedelta(seconds=LEASE_SECONDS)
        # nothing was sent: a NOTIFY of that commit would be here before this round trip's answer
        await listener.execute("SELECT 1")
        await asyncio.sleep(0)  # asyncpg hands a NOTIFY to its callback on the next loop turn
        assert heard.empty()

        await _emit(create_session_factory(engine))  # nobody listens to its OWN_ROWS: not leased
        assert await asyncio.wait_for(heard.get(), 5) == connection_tag(engine)
        async with transaction(factory) as db:
            revoke.disconnect_user(db, uuid.uuid4())
        assert await asyncio.wait_for(heard.get(), 5) == connection_tag(engine)
    finally:
        await listener.close()
        await engine.dispose()
