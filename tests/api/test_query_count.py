"""Hot endpoints pin their query count: it must not grow with the number of rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.support.tenants import Harness
from whatrack.simulator import payloads as p


@contextmanager
def count_queries(harness: Harness) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = harness.app.state.engine.sync_engine

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def test_list_and_messages_query_count_is_constant(harness: Harness) -> None:
    t = await harness.tenant("Acme")
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
    assert q_few == q_many <= 3, counts  # session lookup + one list query (+ begin)

    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    for i in range(5):
        await harness.webhook(t, p.text_message(phone=conv["lead"]["phone"].lstrip("+"), text=f"m{i}"))
    with count_queries(harness) as statements:
        resp = await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")
    assert len(resp.json()["items"]) == 6
    assert len(statements) <= 4, statements
