"""The sessions this process resolved, so an authenticated request needs no lookup statement.

A resolved session (auth.service.Actor) is built from four tables: auth_sessions, users,
memberships, organizations. Any change to one of them drops the whole cache, in every process:
- another process, the CLI or an operator's SQL: the trigger of migration 0029 sends a NOTIFY
  'whatrack_auth' at commit, heard on this process's LISTEN connection (db.listen);
- this process: the statement is seen as it runs on the engine (UPDATE, DELETE or TRUNCATE
  of one of the four tables); the cache is dropped then, and again when its connection returns
  to the pool after the commit, before the response of the logout, deactivation or role
  change is sent.

The cache serves only while its LISTEN connection is up and proven: after each (re)connection
it sends itself a NOTIFY and serves once that comes back (behind a pooler in transaction mode a
LISTEN hears nothing, so the cache stays off). A lost connection may have missed a NOTIFY: the
cache is dropped and bypassed until it listens again. Only on PostgreSQL (SQLite has no NOTIFY,
and its lookup is in-process); an entry lives SESSION_CACHE_SECONDS at most (0: no cache) and
never past its session's expiry. A lookup that straddles a drop is not stored (the generation check).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

from whatrack.auth.service import Actor, token_digest
from whatrack.db import listen, utcnow

log = logging.getLogger(__name__)
CHANNEL = "whatrack_auth"
AUTH_TABLES = ("auth_sessions", "users", "memberships", "organizations")
_TABLE = "(?:" + "|".join(AUTH_TABLES) + ")"
# the table right after UPDATE / DELETE FROM (any other table fails at once), any for TRUNCATE
_WRITES = re.compile(rf'\s*(?:(?:UPDATE|DELETE\s+FROM)\s+"?{_TABLE}\b|TRUNCATE\b[^;]*?\b{_TABLE}\b)', re.IGNORECASE)


class SessionCache:
    def __init__(self, *, ttl_seconds: float = 60.0, max_entries: int = 10_000) -> None:
        self._entries: dict[str, tuple[Actor, datetime, float]] = {}
        self._ttl = ttl_seconds
        self._max = max_entries
        self.generation = 0  # bumped by every drop
        self.live = False  # listening: entries may be served
        self.listening = asyncio.Event()  # set while live
        # in Connection.info: this connection wrote one of the tables since its checkout
        self._dirty = f"whatrack.auth_written.{id(self)}"
        self._probe: str | None = None  # the NOTIFY payload that proves the LISTEN works

    def get(self, token: str) -> Actor | None:
        if not self.live:
            return None
        entry = self._entries.get(token_digest(token))
        if entry is None:
            return None
        actor, expires_at, stored = entry
        if time.monotonic() - stored > self._ttl or expires_at <= utcnow():
            return None
        return actor

    def put(self, token: str, actor: Actor, generation: int) -> None:
        """Keep a resolved session, unless the cache was dropped since its lookup began
        (`generation` read before it): the lookup may have read what the drop's change replaced."""
        if not self.live or generation != self.generation or actor.session_expires_at is None:
            return
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[token_digest(token)] = (actor, actor.session_expires_at, time.monotonic())

    def drop(self) -> None:
        self.generation += 1
        self._entries.clear()

    def _up(self) -> None:
        self.drop()  # what changed while nobody listened
        self.live = True
        self.listening.set()

    def _down(self) -> None:
        self._probe = None
        self.live = False
        self.listening.clear()
        self.drop()

    def _heard(self, payload: str) -> None:
        if self._probe is not None and payload == self._probe:
            self._probe = None
            self._up()
        else:
            self.drop()

    async def run(self, engine: AsyncEngine) -> None:
        """Until cancelled: serves while its LISTEN is proven to work. Each (re)connection
        sends itself a NOTIFY through the engine's pool and serves once it comes back: behind a
        pooler in transaction mode (PgBouncer) a LISTEN hears nothing, and the cache stays off."""
        if engine.dialect.name != "postgresql" or self._ttl <= 0:
            return
        remove = self.watch(engine)
        probes: set[asyncio.Task[None]] = set()

        def connected() -> None:
            self._probe = f"probe {secrets.token_hex(8)}"
            task = asyncio.get_running_loop().create_task(_notify(engine, self._probe))
            probes.add(task)
            task.add_done_callback(probes.discard)

        try:
            await listen(engine, CHANNEL, self._heard, up=connected, down=self._down)
        finally:
            remove()
            self._down()
            for task in probes:
                task.cancel()

    def watch(self, engine: AsyncEngine) -> Callable[[], None]:
        """Drop on this process's own writes to the four tables: as the statement runs, and
        when its connection returns to the pool, after the commit (a lookup that read the old
        rows in between is dropped then)."""

        def executed(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
            if _WRITES.match(statement):
                conn.info[self._dirty] = True
                self.drop()

        def returned(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
            if record.info.pop(self._dirty, False):
                self.drop()

        event.listen(engine.sync_engine, "after_cursor_execute", executed)
        event.listen(engine.sync_engine.pool, "checkin", returned)

        def remove() -> None:
            event.remove(engine.sync_engine, "after_cursor_execute", executed)
            event.remove(engine.sync_engine.pool, "checkin", returned)

        return remove


async def _notify(engine: AsyncEngine, payload: str) -> None:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})
            await conn.commit()
    except Exception:  # the cache stays off; the next reconnection probes again
        log.warning("session cache: its LISTEN probe could not be sent", exc_info=True)
