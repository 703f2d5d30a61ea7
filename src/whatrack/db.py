"""Engine, session factory, declarative Base, the one commit point and its after-commit hook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import unicodedata
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator
from uuid6 import uuid7

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def new_ordered_id() -> uuid.UUID:
    """A time-ordered id (UUID version 7, strictly increasing within the process), for rows read
    in (time, id) order: messages, which WhatsApp stamps to the second, so that several of one
    second read in the order they were stored, as the web app showed them live."""
    return uuid.UUID(int=uuid7().int)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both databases (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name == "postgresql":
            # asyncpg decodes timestamptz as an aware UTC datetime whatever the session's
            # TimeZone: nothing to convert (a list page ran 200 of these calls)
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fold(value: str) -> str:
    """Text as search compares it: accents dropped, lower case ("JOÃO" and "joao" -> "joao").
    The database side is the SQL function `wt_fold(text)`: on PostgreSQL `lower(unaccent())`
    (migration 0013), on SQLite this very function, registered on every connection."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _sqlite_fold(value: object) -> str | None:
    return fold(value) if isinstance(value, str) else None


def _sqlite_utc(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    at = datetime.fromisoformat(value)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _sqlite_local_date(value: object, tz: object) -> str | None:
    """The date in time zone `tz` of a stored UTC timestamp (PostgreSQL: date(timezone(tz, at)))."""
    at = _sqlite_utc(value)
    return None if at is None or not isinstance(tz, str) else at.astimezone(ZoneInfo(tz)).date().isoformat()


def _sqlite_seconds_between(later: object, earlier: object) -> float | None:
    """Exact seconds between two stored UTC timestamps (PostgreSQL: extract(epoch from a - b))."""
    a, b = _sqlite_utc(later), _sqlite_utc(earlier)
    return None if a is None or b is None else (a - b).total_seconds()


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """`wt_fold()` for the search and the `messages_fts` triggers: every connection that writes
    messages to a SQLite database needs it (the app's engine, the bench's seeders). The reports'
    `wt_local_date(at, tz)` and `wt_seconds_between(later, earlier)`."""
    dbapi_connection.create_function("wt_fold", 1, _sqlite_fold, deterministic=True)
    dbapi_connection.create_function("wt_local_date", 2, _sqlite_local_date, deterministic=True)
    dbapi_connection.create_function("wt_seconds_between", 2, _sqlite_seconds_between, deterministic=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    register_sqlite_functions(dbapi_connection)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        # One connection: SQLite has one writer anyway, and a single connection turns lock
        # contention (SQLITE_BUSY on read->write upgrades) into an orderly queue on the pool.
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            hide_parameters=True,  # errors and logs show statements, never values (message text, phones)
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # Every connection of this engine carries one application_name: the outbox trigger sends it
    # as its NOTIFY payload, so a process's drainer ignores the NOTIFYs of its own commits (its
    # commit hook woke it already) and hears only other processes' (realtime/outbox.py).
    tag = f"whatrack-{uuid.uuid4().hex[:16]}"
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=20,
        max_overflow=20,
        hide_parameters=True,
        connect_args={"server_settings": {"application_name": tag}},
    )
    event.listen(engine.sync_engine.pool, "checkout", _refuse_closed)
    _TAGS[id(engine.sync_engine)] = tag
    return engine


def _refuse_closed(dbapi_connection: Any, _record: ConnectionPoolEntry, _proxy: Any) -> None:
    """The pool's liveness check, without a round trip: a connection whose server went away
    (PostgreSQL restarted, the backend was terminated) was closed by asyncpg when the socket
    ended, and the pool replaces it with a new one. `pool_pre_ping` did the same with a
    `SELECT` per checkout: 0.27 ms of CPU per webhook, which takes two (bench/README.md)."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("connection closed by the server")


_TAGS: dict[int, str] = {}


def connection_tag(engine: AsyncEngine) -> str | None:
    """The application_name of the engine's PostgreSQL connections (None for SQLite)."""
    return _TAGS.get(id(engine.sync_engine))


LISTEN_PING_SECONDS = 10.0


async def listen(
    engine: AsyncEngine,
    channel: str,
    heard: Callable[[str], None],
    *,
    up: Callable[[], None],
    down: Callable[[], None],
) -> None:
    """LISTEN `channel` on a PostgreSQL connection of its own until cancelled: `heard(payload)`
    for every NOTIFY. `up()` once listening (what was notified before is missed: catch up
    there), `down()` as soon as the connection is known lost (closed, or a ping every
    LISTEN_PING_SECONDS unanswered: a silent network loses notifications too); then it
    reconnects."""
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"{connection_tag(engine)} listen {channel}"  # not the engine's tag: no NOTIFY payload
    while True:
        try:
            conn = await asyncpg.connect(dsn, timeout=10, server_settings={"application_name": name[:63]})
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            log.warning("LISTEN %s: cannot connect (%s)", channel, exc)
            await asyncio.sleep(5)
            continue
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
            await conn.add_listener(channel, lambda _conn, _pid, _channel, payload: heard(payload))
            up()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), LISTEN_PING_SECONDS)
                if not lost.is_set():
                    await conn.fetchval("SELECT 1", timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError, asyncpg.InterfaceError) as exc:
            log.warning("LISTEN %s lost (%s)", channel, exc)
        finally:
            down()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)
        await asyncio.sleep(1)


class CommitHook:
    """What runs after a commit of one session factory's sessions that asked for it with
    `notify_on_commit` (as Zulip's send_event_on_commit): the outbox drainer subscribes its
    wake, so every committed event is published at once, whichever route, job or command
    committed it. Callbacks run synchronously in the committing task and must be quick."""

    __slots__ = ("_callbacks", "_listeners")

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []
        self._listeners: dict[str, list[Callable[[Any], None]]] = {}

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Returns the function that unsubscribes it."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    def listen(self, topic: str, callback: Callable[[Any], None]) -> Callable[[], None]:
        """`callback(item)` for every item a committed transaction handed to `topic` with
        `after_commit_item`. Returns the function that unsubscribes it."""
        self._listeners.setdefault(topic, []).append(callback)
        return lambda: self._listeners[topic].remove(callback)

    def listens(self, topic: str) -> bool:
        return bool(self._listeners.get(topic))

    def fire(self) -> None:
        for callback in tuple(self._callbacks):
            try:
                callback()
            except Exception:  # the commit is done: a subscriber's failure must not fail the caller
                log.exception("after-commit callback failed")

    def deliver(self, items: list[tuple[str, Any]]) -> None:
        for topic, item in items:
            for callback in tuple(self._listeners.get(topic, ())):
                try:
                    callback(item)
                except Exception:  # as in fire()
                    log.exception("after-commit listener of %s failed", topic)


_HOOK = "whatrack.commit_hook"  # in Session.info: the factory's CommitHook (shared by its sessions)
_NOTIFY = "whatrack.notify_on_commit"  # in Session.info: this transaction asked for the hook
_ITEMS = "whatrack.after_commit_items"  # in Session.info: (topic, item) for the hook's listeners


def create_session_factory(
    engine: AsyncEngine, info: Mapping[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """`info` (and the factory's CommitHook) is copied into every session's Session.info."""
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, info={**(info or {}), _HOOK: CommitHook()}
    )


def commit_hook(factory: async_sessionmaker[AsyncSession]) -> CommitHook:
    """The hook of sessions made by `factory` (made by create_session_factory)."""
    hook: CommitHook = factory.kw["info"][_HOOK]
    return hook


def notify_on_commit(session: Session) -> None:
    """Run the factory's CommitHook when this transaction commits (nothing if it rolls back).
    Costs one dict write: called for every transaction that wrote outbox rows."""
    session.info[_NOTIFY] = True


def listened(session: Session, topic: str) -> bool:
    """Whether someone listens to `topic` on this session's factory hook right now."""
    hook: CommitHook | None = session.info.get(_HOOK)
    return hook is not None and hook.listens(topic)


def after_commit_item(session: Session, topic: str, item: Any) -> None:
    """Hand `item` to the factory hook's `topic` listeners once this transaction commits
    (dropped if it rolls back). For work that must not start before the data is visible."""
    session.info.setdefault(_ITEMS, []).append((topic, item))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # One dict pop per commit: the only cost to a transaction that wrote no outbox rows.
    if session.info.pop(_NOTIFY, False):
        hook = session.info.get(_HOOK)
        if hook is not None:
            hook.fire()
    items = session.info.pop(_ITEMS, None)
    if items:
        hook = session.info.get(_HOOK)
        if hook is not None:
            hook.deliver(items)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_NOTIFY, None)
    session.info.pop(_ITEMS, None)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One request or job = one transaction, committed here and nowhere else (also on `return`
    from inside the block; rolled back on any exception)."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
