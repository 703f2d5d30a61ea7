"""Hot endpoints pin their query count: it must not grow with the number of rows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.support.tenants import Harness
from whatrack.simulator import payloads as p


@contextmanager
def count_queries(harness: Harness, task: asyncio.Task[Any] | None = None) -> Iterator[list[str]]:
    """Statements run meanwhile (only those run by `task`, when given)."""
    statements: list[str] = []
    engine = harness.app.state.engine.sync_engine

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if task is not None and asyncio.current_task() is not task:
            return
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def test_list_and_messages_query_count_is_constant(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    assert (await t.client.get("/api/v1/auth/me")).status_code == 200  # the session cache has it (PostgreSQL)
    counts: list[tuple[int, int]] = []
    phones = iter(range(100))
    for batch in (2, 10):
        for _ in range(batch):
            await harness.webhook(t, p.text_message(phone=f"55119777700{next(phones):02d}", text="oi"))
        with count_queries(harness) as statements:
            resp = await t.client.get("/api/v1/conversations")
        assert resp.status_code == 200
        counts.append((len(resp.json()["items"]), len(statements)))
    (few, q_few), (many, q_many) = counts
    assert (few, many) == (2, 12)
    assert q_few == q_many <= 3, counts  # the list query (+ session lookup without the cache) (+ begin)

    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    for i in range(5):
        await harness.webhook(t, p.text_message(phone=conv["lead"]["phone"].lstrip("+"), text=f"m{i}"))
    with count_queries(harness) as statements:
        resp = await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")
    assert len(resp.json()["items"]) == 6
    assert len(statements) <= 4, statements


@contextmanager
def count_checkouts(harness: Harness) -> Iterator[list[int]]:
    """Pool checkouts (1) and transactions begun (0), as one list of kinds."""
    seen: list[int] = []
    engine = harness.app.state.engine.sync_engine

    def on_checkout(*_args: Any) -> None:
        seen.append(1)

    def on_begin(conn: Any) -> None:
        if conn.get_isolation_level() != "AUTOCOMMIT" and not conn._execution_options.get("isolation_level"):
            seen.append(0)

    event.listen(engine.pool, "checkout", on_checkout)
    event.listen(engine, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(engine.pool, "checkout", on_checkout)
        event.remove(engine, "begin", on_begin)


async def test_hot_reads_take_one_connection_and_no_transaction(harness: Harness) -> None:
    """The list, a conversation, its messages and the search run the session lookup and the
    read on one pooled connection in autocommit: one checkout, no BEGIN/COMMIT."""
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone="5511977770001", text="oi, tudo bem?"))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]["id"]
    for path in (
        "/api/v1/conversations",
        f"/api/v1/conversations/{conv}",
        f"/api/v1/conversations/{conv}/messages",
        "/api/v1/messages/search?q=tudo",
    ):
        with count_checkouts(harness) as checkouts:
            resp = await t.client.get(path)
        assert resp.status_code == 200, (path, resp.text)
        assert checkouts == [1], (path, checkouts)  # one checkout, no transaction begun
    # a write still takes its own transaction, and the session lookup its own connection when
    # the session cache cannot answer (SQLite has none: auth/session_cache.py)
    with count_checkouts(harness) as checkouts:
        resp = await t.client.post(f"/api/v1/conversations/{conv}/read")
    assert resp.status_code in (200, 204), resp.text
    assert sorted(checkouts) == ([0, 1] if harness.app.state.session_cache.live else [0, 1, 1]), checkouts


async def test_a_read_only_session_refuses_to_write(harness: Harness) -> None:
    from whatrack.deps import _READ_ONLY
    from whatrack.models import Organization

    async with harness.app.state.session_factory() as session:
        session.info[_READ_ONLY] = True
        session.add(Organization(name="never"))
        try:
            await session.flush()
        except RuntimeError as exc:
            assert "ReadDb" in str(exc)
        else:
            raise AssertionError("a read-only session flushed")


async def test_a_send_pins_its_statements(harness: Harness) -> None:
    """A reply to an open ticket: 12 statements before WuzAPI is called, 6 to settle it (the
    message, then its conversation with its lead, assignee and policy in one statement, the
    kept receipts, the outbox, two updates). Counted on the request's task only: the simulator's
    receipt webhooks are ingested meanwhile by the worker."""
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone="5511977770001", text="oi"))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]["id"]
    first = await t.client.post(
        "/api/v1/whatsapp/messages", json={"conversationId": conv, "content": "a", "clientId": "a"}
    )
    assert first.status_code == 201, first.text  # the ticket is taken by this agent now
    me = asyncio.current_task()
    with count_queries(harness, task=me) as statements:
        resp = await t.client.post(
            "/api/v1/whatsapp/messages", json={"conversationId": conv, "content": "b", "clientId": "b"}
        )
    assert resp.status_code == 201 and resp.json()["status"] == "SENT", resp.text
    shown = "\n".join(s.split("\n")[0][:90] for s in statements)
    lookup = 0 if harness.app.state.session_cache.live else 1  # SQLite has no session cache
    split_upsert = 0 if harness.settings.database_url.startswith("postgresql") else 1  # metrics: 2 statements
    assert len(statements) == 18 + lookup + split_upsert, shown
    read_by_settle = [s.split("\nFROM ")[1].split()[0] for s in statements[-6:-3]]  # then outbox, 2 updates
    assert read_by_settle == ["messages", "conversations", "pending_receipts"], shown
