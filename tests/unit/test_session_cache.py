"""SessionCache's own rules, without a database: served only while listening, never past its
TTL or the session's expiry, and a lookup that straddles a drop is not kept."""

from __future__ import annotations

import uuid
from datetime import timedelta

from whatrack.auth.service import Actor
from whatrack.auth.session_cache import _WRITES, SessionCache
from whatrack.db import utcnow
from whatrack.models import Role


def an_actor(expires_in: timedelta | None = timedelta(hours=1)) -> Actor:
    return Actor(
        user_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        role=Role.AGENT,
        name="Bia",
        email="bia@example.com",
        csrf_token="csrf",
        session_id="digest",
        session_expires_at=None if expires_in is None else utcnow() + expires_in,
    )


def test_served_only_while_listening() -> None:
    cache, actor = SessionCache(), an_actor()
    cache.put("t", actor, cache.generation)
    assert cache.get("t") is None  # never listened: nothing kept
    cache._up()
    cache.put("t", actor, cache.generation)
    assert cache.get("t") is actor
    cache._down()
    assert cache.get("t") is None
    cache._up()
    assert cache.get("t") is None  # what was kept before the loss is gone


def test_a_lookup_that_straddles_a_drop_is_not_kept() -> None:
    cache, actor = SessionCache(), an_actor()
    cache._up()
    began = cache.generation
    cache.drop()  # a change committed while the lookup ran
    cache.put("t", actor, began)
    assert cache.get("t") is None


def test_never_past_the_ttl_nor_the_session_expiry() -> None:
    stale = SessionCache(ttl_seconds=0)
    stale._up()
    stale.put("t", an_actor(), stale.generation)
    assert stale.get("t") is None
    cache = SessionCache()
    cache._up()
    cache.put("expired", an_actor(timedelta(seconds=-1)), cache.generation)
    assert cache.get("expired") is None
    cache.put("api-token", an_actor(None), cache.generation)  # not a browser session
    assert cache.get("api-token") is None


def test_bounded() -> None:
    cache = SessionCache(max_entries=3)
    cache._up()
    actors = [an_actor() for _ in range(4)]
    for i, a in enumerate(actors):
        cache.put(str(i), a, cache.generation)
    assert cache.get("3") is actors[3]
    assert sum(cache.get(str(i)) is not None for i in range(4)) <= 3


def test_the_writes_that_drop_it() -> None:
    """UPDATE / DELETE of the four tables and a TRUNCATE naming one; nothing else (an UPDATE of
    another table fails at its name: the check runs on every statement)."""
    drops = [
        "UPDATE users SET name=$1::VARCHAR WHERE users.id = $2::UUID",
        'UPDATE "users" SET is_active=false',
        "DELETE FROM auth_sessions WHERE auth_sessions.id = $1",
        "delete from memberships where user_id = $1",
        "UPDATE organizations SET agent_visibility=$1",
        "TRUNCATE leads, messages, users RESTART IDENTITY CASCADE",
    ]
    keeps = [
        "UPDATE conversations SET unread_count=$1 WHERE conversations.id = $2",
        "UPDATE user_settings SET x=1",
        "INSERT INTO auth_sessions (id, user_id) VALUES ($1, $2)",
        "SELECT users.name FROM users WHERE users.id = $1",
        "DELETE FROM outbox WHERE outbox.id = ANY ($1)",
        "TRUNCATE leads",
    ]
    for statement in drops:
        assert _WRITES.match(statement), statement
    for statement in keeps:
        assert not _WRITES.match(statement), statement


def test_serves_once_its_own_notify_came_back() -> None:
    """A LISTEN that hears nothing (a pooler in transaction mode) never turns it on."""
    cache = SessionCache()
    cache._probe = "probe 1234"
    cache._heard("")  # a trigger's NOTIFY: a drop, not the proof
    cache._heard("probe 9999")
    assert not cache.live
    cache._heard("probe 1234")
    assert cache.live and cache._probe is None
    cache._heard("probe 1234")  # a repeat only drops
    assert cache.live
    cache._down()
    assert not cache.live and cache._probe is None


def test_off_when_its_seconds_are_zero() -> None:
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    cache = SessionCache(ttl_seconds=0)
    asyncio.run(asyncio.wait_for(cache.run(engine), 1))  # returns at once: never connects
    assert not cache.live
