"""Issue 16: what one request costs, beside the floor — SQL statements, commits, outbox rows, app
CPU and PostgreSQL CPU per message webhook and per read.

The app runs under uvicorn (one process) on PostgreSQL with the real Centrifugo. Requests go one
at a time, so every figure is the cost of one request, not of a batch. Counters are read from
another database's connection (`postgres`), so reading them costs nothing that is counted:

- statements and commits: `pg_stat_statements` calls in the bench database (scripts/services.sh
  preloads it, with utility statements tracked): BEGIN / COMMIT / ROLLBACK are transaction
  control, everything else (LISTEN / NOTIFY included) is a statement;
- outbox rows: the rows of the `INSERT INTO outbox` statements (pg_stat_statements `rows`);
- app CPU: user + system time of the uvicorn process (/proc/<pid>/stat);
- PostgreSQL CPU: user + system time of every backend connected to the bench database.

Webhook: text messages from existing leads (open tickets), sent one at a time (each answered
before the next), the outbox drained at the end, so publication and deletion are part of the
cost, as they are in a steady stream. Its floor is
the raw asyncpg transaction of scenario 1 (one message INSERT + one conversation UPDATE).
Reads (a second app process without jobs, so no poll is counted): list, unread, mine, search by
phone, open (conversation + first page of messages). Their floor is `GET /healthz`.

    .venv/bin/python -m bench.bench_cost [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.bench_ingest import INSERT_SQL, UPDATE_SQL, _realtime
from bench.common import PASSWORD, PG_BASE, log, recreate_pg_database, running_app
from bench.seed import IngestTenant, seed_tenant
from whatrack.simulator import payloads as p

DB = "whatrack_bench_cost"
_TICK = os.sysconf("SC_CLK_TCK")
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "END")
_OWN = "SELECT count(*) FROM outbox /* bench_cost */"  # the bench's own wait for the drain: not counted


def _cpu_ms(pid: int) -> float:
    """User + system CPU of a process so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / _TICK


@dataclass
class Snapshot:
    calls: dict[str, int]  # statement text -> calls
    rows: dict[str, int]  # statement text -> rows
    app_cpu_ms: float
    pg_cpu_ms: dict[int, float]  # backend pid -> CPU


class Meter:
    """Counters of the bench database, read from a connection to `postgres`."""

    def __init__(self, conn: asyncpg.Connection, app_pid: int) -> None:
        self.conn = conn
        self.app_pid = app_pid

    @classmethod
    async def open(cls, app_pid: int) -> Meter:
        conn = await asyncpg.connect(f"{PG_BASE.replace('postgresql+asyncpg://', 'postgresql://')}/postgres")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return cls(conn, app_pid)

    async def snapshot(self) -> Snapshot:
        stats = await self.conn.fetch(
            # the app's role only: autovacuum's ANALYZE evaluates index expressions as postgres
            "SELECT query, calls, rows FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE d.datname = $1 AND s.userid = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
            DB,
        )
        pids = await self.conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", DB
        )
        calls: dict[str, int] = {}
        rows: dict[str, int] = {}
        for r in stats:
            calls[r["query"]] = calls.get(r["query"], 0) + r["calls"]
            rows[r["query"]] = rows.get(r["query"], 0) + r["rows"]
        return Snapshot(calls, rows, _cpu_ms(self.app_pid), {r["pid"]: _cpu_ms(r["pid"]) for r in pids})

    async def close(self) -> None:
        await self.conn.close()


# Statements counted but not sent for one request: the batched DELETE of rows already published
# (one per 200 rows), the worker's 1-s probe for due scheduled messages, the drain's idle polls,
# asyncpg's setup of a new pooled connection. Reported apart, beside the request's own.
_BACKGROUND = {
    "deletes of published rows (batched)": ("DELETE FROM outbox WHERE outbox.id = ANY",),
    "jobs (due scheduled messages probe, housekeeping)": ("scheduled_messages", "FROM jobs"),
    "the drain's polls (every 0.5 s idle; nothing due)": ("DELETE FROM outbox WHERE outbox.id IN (SELECT",),
    "new pooled connections (asyncpg setup)": ("typeinfo_tree", "set_config(", "current_setting("),
}


def _background(query: str) -> str | None:
    return next((k for k, marks in _BACKGROUND.items() if any(m in query for m in marks)), None)


def _internal(query: str) -> bool:
    """PostgreSQL's own evaluation of wt_fold() (a SQL function it cannot inline, its body reported
    as a statement) for the trigram indexes of inserted rows: not a statement the app sends."""
    return query.startswith("SELECT lower(") and "unaccent(" in query


def cost(before: Snapshot, after: Snapshot, n: int) -> dict[str, Any]:
    """Per request: statements, commits, outbox rows, CPU; the statements that cost most."""
    delta = {
        q: c - before.calls.get(q, 0)
        for q, c in after.calls.items()
        if c - before.calls.get(q, 0) > 0 and "bench_cost" not in q and not _internal(q)
    }
    control = {q: c for q, c in delta.items() if q.strip().upper().startswith(_CONTROL)}
    commits = sum(c for q, c in control.items() if q.strip().upper().startswith(("COMMIT", "END")))
    statements = {q: c for q, c in delta.items() if q not in control}
    outbox = sum(
        after.rows.get(q, 0) - before.rows.get(q, 0)
        for q in delta
        if q.lstrip().upper().startswith("INSERT INTO OUTBOX")
    )
    pg_cpu = sum(cpu - before.pg_cpu_ms.get(pid, 0.0) for pid, cpu in after.pg_cpu_ms.items())
    top = sorted(statements.items(), key=lambda qc: -qc[1])
    background: dict[str, float] = {}
    for q, c in statements.items():
        kind = _background(q)
        if kind is not None:
            background[kind] = background.get(kind, 0) + c
    return {
        "requests": n,
        "statements": round(sum(statements.values()) / n, 2),
        # the statements run for (nearly) every request: its own transaction(s)
        "statements_each": round(sum(c for c in statements.values() if c >= n / 2) / n, 2),
        "statements_own": round((sum(statements.values()) - sum(background.values())) / n, 2),
        "statements_background": {k: round(c / n, 3) for k, c in background.items()},
        "commits": round(commits / n, 2),
        "outbox_rows": round(outbox / n, 2),
        "app_cpu_ms": round((after.app_cpu_ms - before.app_cpu_ms) / n, 3),
        "pg_cpu_ms": round(pg_cpu / n, 3),
        "by_statement": [{"per_request": round(c / n, 2), "query": " ".join(q.split())[:160]} for q, c in top[:25]],
    }


async def measure(
    meter: Meter, n: int, one: Callable[[int], Awaitable[None]], settle: Callable[[], Awaitable[Any]]
) -> dict[str, Any]:
    await settle()
    before = await meter.snapshot()
    for i in range(n):  # one at a time: each answered before the next is sent
        await one(i)
    await settle()  # everything they caused is done (for a webhook: published and deleted)
    after = await meter.snapshot()
    return cost(before, after, n)


async def floor_cost(meter: Meter, tenant: IngestTenant, n: int) -> dict[str, Any]:
    """Scenario 1's raw transaction, one at a time: its statements, commits and CPU (the client's
    CPU is this process's: asyncpg without the app)."""
    dsn = f"{PG_BASE.replace('postgresql+asyncpg://', 'postgresql://')}/{DB}"
    conn = await asyncpg.connect(dsn)
    rng = random.Random(5)
    org, inst = uuid.UUID(tenant.organization_id), uuid.UUID(tenant.instance_id)
    pairs = [(uuid.UUID(c), uuid.UUID(t)) for c, t in zip(tenant.conversation_ids, tenant.ticket_ids, strict=True)]
    try:
        before = await meter.snapshot()
        cpu0 = time.process_time()
        for _ in range(n):
            conv, ticket = rng.choice(pairs)
            mid, now = uuid.uuid4(), datetime.now(UTC)
            content = f"Oi, quanto custa o modelo {rng.randrange(1000)}?"
            async with conn.transaction():
                await conn.execute(INSERT_SQL, mid, org, conv, ticket, inst, content, f"FLOOR{mid.hex}", now)
                await conn.execute(UPDATE_SQL, conv, now, content, mid)
        client_ms = (time.process_time() - cpu0) * 1000
        after = await meter.snapshot()
    finally:
        await conn.close()
    out = cost(before, after, n)
    out["app_cpu_ms"] = round(client_ms / n, 3)  # the raw client stands in for the app
    return out


async def run(*, quick: bool, profile_to: Path | None = None) -> dict[str, Any]:
    n = 100 if quick else 400
    url = await recreate_pg_database(DB)
    tenant = await seed_tenant(url, leads=200, outbound_per_lead=1, base_url="")
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("VACUUM ANALYZE")  # now, rather than autovacuum in the middle of a measure
    finally:
        await conn.close()
    rng = random.Random(3)
    result: dict[str, Any] = {"config": {"requests": n, "leads": 200, "one_at_a_time": True}}
    with (
        _realtime("postgresql") as centrifugo_url,
        running_app(url, centrifugo_url=centrifugo_url, profile_to=profile_to) as app,
    ):
        webhook = f"{app.url}/api/v1/whatsapp/w/webhook/{tenant.instance_id}?secret={tenant.webhook_secret}"
        meter = await Meter.open(app.pid)
        try:
            async with httpx.AsyncClient(timeout=30) as http:

                async def one_webhook(i: int) -> None:
                    phone = rng.choice(tenant.phones)
                    body = p.text_message(
                        phone=phone, text=f"Oi, tem o modelo {i}?", push_name=tenant.push_names[phone], rng=rng
                    )
                    r = await http.post(webhook, json=body)
                    r.raise_for_status()

                own = await asyncpg.connect(f"{PG_BASE.replace('postgresql+asyncpg://', 'postgresql://')}/{DB}")

                async def drained() -> None:
                    deadline = time.monotonic() + 30
                    while time.monotonic() < deadline:
                        if not await own.fetchval(_OWN):
                            return
                        await asyncio.sleep(0.002)
                    raise RuntimeError("the outbox did not drain in 30 s")

                for i in range(30):  # warm-up: pools, prepared statements, imports
                    await one_webhook(i)
                await drained()
                result["webhook"] = await measure(meter, n, one_webhook, drained)
                await own.close()
                log(f"cost webhook: {_line(result['webhook'])}")
            result["webhook_floor"] = await floor_cost(meter, tenant, n)
            log(f"cost webhook floor: {_line(result['webhook_floor'])}")
        finally:
            await meter.close()
    reads_profile = profile_to.with_name(f"{profile_to.stem}-reads.txt") if profile_to else None
    with running_app(url, run_worker=False, profile_to=reads_profile) as app:
        meter = await Meter.open(app.pid)
        try:
            result["reads"] = await _reads(meter, app.url, tenant, n)
        finally:
            await meter.close()
    return result


async def _reads(meter: Meter, base_url: str, tenant: IngestTenant, n: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as c:
        r = await c.post("/api/v1/auth/login", json={"email": tenant.email, "password": PASSWORD})
        r.raise_for_status()
        conv = tenant.conversation_ids[0]
        fragment = tenant.phones[0][-6:]
        paths: dict[str, list[tuple[str, dict[str, str]]]] = {
            "healthz (floor)": [("/healthz", {})],
            "list": [("/api/v1/conversations", {"limit": "50"})],
            "unread": [("/api/v1/conversations", {"limit": "50", "unread": "true"})],
            "mine": [("/api/v1/conversations", {"limit": "50", "assigned": "me"})],
            "search_phone": [("/api/v1/conversations", {"q": fragment})],
            "open": [
                (f"/api/v1/conversations/{conv}", {}),
                (f"/api/v1/conversations/{conv}/messages", {"limit": "50"}),
            ],
        }
        out: dict[str, Any] = {}
        for name, calls in paths.items():

            async def one(_: int, calls: list[tuple[str, dict[str, str]]] = calls) -> None:
                for path, params in calls:
                    (await c.get(path, params=params)).raise_for_status()

            async def nothing() -> None:
                return None

            for i in range(10):
                await one(i)
            out[name] = await measure(meter, n, one, nothing)
            log(f"cost {name}: {_line(out[name])}")
        return out


def _line(c: dict[str, Any]) -> str:
    return (
        f"{c['statements']} statements, {c['commits']} commits, {c['outbox_rows']} outbox rows, "
        f"app {c['app_cpu_ms']} ms CPU, PostgreSQL {c['pg_cpu_ms']} ms CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", default="", help="write a pyinstrument profile of the webhook app here")
    args = parser.parse_args()
    profile = Path(args.profile) if args.profile else None
    print(json.dumps(asyncio.run(run(quick=args.quick, profile_to=profile)), indent=2))


if __name__ == "__main__":
    main()
