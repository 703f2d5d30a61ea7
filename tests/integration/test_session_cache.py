"""The session cache (auth/session_cache.py) on a real PostgreSQL: a request it answers runs no
session lookup, and every change that can alter a resolved session takes effect at once: this
process's own writes before their response, another process's writes as soon as their NOTIFY
arrives; a lost LISTEN connection turns the cache off until it listens again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import delete, false, update

from tests.api.test_query_count import count_queries
from tests.integration.test_outbox_notify import pg_url  # noqa: F401 - the fixture
from tests.support.tenants import PASSWORD, Harness
from tests.unit.test_session_cache import an_actor
from whatrack.auth.session_cache import SessionCache
from whatrack.db import connection_tag
from whatrack.models import AuthSession, Lead, Membership, Organization, Role, User


@contextmanager
def session_lookups(harness: Harness) -> Iterator[list[str]]:
    """The statements run meanwhile that read auth_sessions."""
    lookups: list[str] = []
    with count_queries(harness) as statements:
        yield lookups
    lookups += [s for s in statements if "FROM auth_sessions" in s]


async def until(condition: Any, what: str) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never: {what}")


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def test_a_cached_session_needs_no_lookup(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    async with Harness.start(pg_url, tmp_path) as harness:
        t = await harness.tenant("Acme")
        with session_lookups(harness) as lookups:
            assert (await t.client.get("/api/v1/conversations")).status_code == 200
            assert (await t.client.get("/api/v1/conversations")).status_code == 200
            assert (await t.client.get("/api/v1/auth/me")).status_code == 200
        assert len(lookups) <= 1, lookups  # the first request may resolve it; the rest do not


async def test_this_process_changes_take_effect_before_their_response(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    async with Harness.start(pg_url, tmp_path) as harness:
        admin = await harness.tenant("Acme")
        created = await admin.client.post(
            "/api/v1/users", json={"email": "bia@example.com", "name": "Bia", "role": "agent", "password": PASSWORD}
        )
        assert created.status_code == 201, created.text
        bia = await harness.login("bia@example.com")
        assert (await bia.get("/api/v1/auth/me")).json()["role"] == "agent"
        assert (await bia.get("/api/v1/auth/me")).status_code == 200  # served from the cache

        # a role change: the next request sees it
        changed = await admin.client.patch(f"/api/v1/users/{created.json()['id']}", json={"role": "admin"})
        assert changed.status_code == 200, changed.text
        assert (await bia.get("/api/v1/auth/me")).json()["role"] == "admin"

        # a deactivation: the next request is refused
        assert (await admin.client.patch(f"/api/v1/users/{created.json()['id']}", json={"active": False})).is_success
        assert (await bia.get("/api/v1/conversations")).status_code == 401

        # a logout: that cookie is refused at once
        assert (await admin.client.get("/api/v1/auth/me")).status_code == 200
        assert (await admin.client.post("/api/v1/auth/logout")).status_code == 204
        assert (await admin.client.get("/api/v1/auth/me")).status_code == 401


async def test_another_process_change_reaches_the_cache(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    async with Harness.start(pg_url, tmp_path) as harness:
        t = await harness.tenant("Acme", role=Role.AGENT)
        cache: SessionCache = harness.app.state.session_cache
        assert (await t.client.get("/api/v1/auth/me")).status_code == 200
        with session_lookups(harness) as lookups:
            assert (await t.client.get("/api/v1/auth/me")).status_code == 200
        assert lookups == []
        generation = cache.generation
        other = await asyncpg.connect(_dsn(pg_url))  # another process: no engine event sees it
        try:
            await other.execute("UPDATE organizations SET agent_visibility = 'assigned_and_unassigned'")
        finally:
            await other.close()
        await until(lambda: cache.generation != generation, "the NOTIFY dropped the cache")
        with session_lookups(harness) as lookups:
            assert (await t.client.get("/api/v1/auth/me")).status_code == 200
        assert len(lookups) == 1  # resolved again, from the changed rows


async def test_a_lost_listen_connection_turns_the_cache_off(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    async with Harness.start(pg_url, tmp_path) as harness:
        t = await harness.tenant("Acme")
        cache: SessionCache = harness.app.state.session_cache
        assert (await t.client.get("/api/v1/auth/me")).status_code == 200
        name = f"{connection_tag(harness.app.state.engine)} listen whatrack_auth"[:63]
        admin = await asyncpg.connect(_dsn(pg_url))
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", name
            )
            assert killed == 1
            await until(lambda: not cache.live, "the cache noticed the lost connection")
            # off: every request resolves its session
            with session_lookups(harness) as lookups:
                for _ in range(2):
                    assert (await t.client.get("/api/v1/auth/me")).status_code == 200
            assert len(lookups) == 2
            # while nobody listens, a change is missed; the reconnection drops what was kept
            await admin.execute("UPDATE users SET is_active = false")
            await until(lambda: cache.live, "listening again")
            assert (await t.client.get("/api/v1/auth/me")).status_code == 401
        finally:
            await admin.close()


async def test_this_process_writes_drop_the_cache_as_they_run_and_after_commit(harness: Harness) -> None:
    """Without waiting for any NOTIFY (none on SQLite): the engine's own statements."""
    cache = SessionCache()
    cache._up()  # as when listening
    remove = cache.watch(harness.app.state.engine)
    actor = an_actor()
    try:
        for change in (
            update(User).where(false()).values(name="x"),
            delete(AuthSession).where(false()),
            update(Membership).where(false()).values(role=Role.ADMIN),
            update(Organization).where(false()).values(name="x"),
        ):
            cache.put("token", actor, cache.generation)
            assert cache.get("token") is actor
            before = cache.generation
            async with harness.db() as db:
                await db.execute(change)
                assert cache.get("token") is None, change  # dropped as it ran
                # a lookup that begins now reads the rows this transaction has not committed yet
                during = cache.generation
                cache.put("token", actor, during)
            assert cache.get("token") is None, change  # dropped again after the commit
            cache.put("token", actor, before)  # a lookup that began before the change
            assert cache.get("token") is None, change
        cache.put("token", actor, cache.generation)
        async with harness.db() as db:  # other tables leave it alone
            await db.execute(update(Lead).where(false()).values(name="x"))
        assert cache.get("token") is actor
    finally:
        remove()
