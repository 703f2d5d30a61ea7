"""Scenario 1 (and 6a on SQLite): WuzAPI webhooks into the real app, against a raw-SQL floor.

The app runs under uvicorn in its own process (run_worker on, so the outbox drains to the real
Centrifugo on PostgreSQL, to the embedded hub on SQLite). Payloads come from the simulator's
builders: 70 % text, 10 % media (a small image, stored to disk), 20 % delivery receipts for
messages we sent. 95 % of messages come from existing leads, 5 % from new numbers.

Baseline, same run, same concurrency, same database: a raw asyncpg loop (sqlite3 on SQLite)
doing the minimum the flow must write, one message INSERT + one conversation UPDATE per
transaction. Reported: webhooks/s, messages/s (text+media only), p50/p99, errors, how long the
outbox took to drain after the last response, app RSS.

    .venv/bin/python -m bench.bench_ingest [--quick] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy import text

from bench.common import (
    API_KEY,
    SECRET,
    AppProcess,
    log,
    median,
    ratio,
    recreate_pg_database,
    recreate_sqlite_database,
    running_app,
    summary_ms,
)
from bench.seed import IngestTenant, seed_tenant
from whatrack.db import create_engine, register_sqlite_functions
from whatrack.simulator import payloads as p

LEVELS = (1, 20, 100)


@dataclass
class Load:
    bodies: list[bytes]
    kinds: list[str]  # "text" | "media" | "receipt"

    @property
    def messages(self) -> int:
        return sum(1 for k in self.kinds if k != "receipt")


class PayloadMaker:
    """Builds the webhook mix; receipts consume the tenant's outbound message ids once each."""

    def __init__(self, tenant: IngestTenant, seed: int = 3) -> None:
        self.rng = random.Random(seed)
        self.tenant = tenant
        self.receipts = iter(tenant.outbound_ids)
        self.new_phone = 0

    def _phone(self) -> str:
        if self.rng.random() < 0.05:
            self.new_phone += 1
            return f"55219{self.rng.randrange(10**8):08d}"
        return self.rng.choice(self.tenant.phones)

    def make(self, n: int) -> Load:
        bodies, kinds = [], []
        for _ in range(n):
            roll = self.rng.random()
            payload: dict[str, Any]
            if roll < 0.2:
                ext, phone = next(self.receipts, (None, None)) or (None, None)
                if ext is not None and phone is not None:
                    payload = p.read_receipt(message_ids=[ext], phone=phone, state="Delivered")
                    kinds.append("receipt")
                    bodies.append(json.dumps(payload).encode())
                    continue
            phone = self._phone()
            name = self.tenant.push_names.get(phone, "Cliente Novo")
            if roll < 0.3:
                payload = p.media_message(
                    kind="image", phone=phone, caption="foto do produto", push_name=name, rng=self.rng
                )
                kinds.append("media")
            else:
                text = f"Oi, quanto custa o modelo {self.rng.randrange(1000)}?"
                payload = p.text_message(phone=phone, text=text, push_name=name, rng=self.rng)
                kinds.append("text")
            bodies.append(json.dumps(payload).encode())
        return Load(bodies, kinds)


async def fire(url: str | list[str], load: Load, concurrency: int) -> dict[str, Any]:
    """POST every body with `concurrency` requests in flight (round-robin over several URLs: web
    processes behind a balancer); per-request latency."""
    urls = [url] if isinstance(url, str) else url
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0
    queue = iter(range(len(load.bodies)))
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    headers = {"content-type": "application/json"}
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:

        async def worker() -> None:
            nonlocal errors
            for i in queue:
                t0 = time.perf_counter()
                try:
                    async with http.post(urls[i % len(urls)], data=load.bodies[i], headers=headers) as resp:
                        body = await resp.read()
                        if resp.status != 200:
                            errors += 1
                        else:
                            key = json.loads(body).get("status", "?")
                            statuses[key] = statuses.get(key, 0) + 1
                except (aiohttp.ClientError, TimeoutError):
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(load.bodies),
        "messages": load.messages,
        "seconds": round(elapsed, 3),
        "webhooks_per_s": round(len(load.bodies) / elapsed, 1),
        "messages_per_s": round(load.messages / elapsed, 1),
        "errors": errors,
        "answers": statuses,
        **summary_ms(latencies),
    }


# -- the floor --------------------------------------------------------------------------------------

INSERT_SQL = """INSERT INTO messages (id, organization_id, conversation_id, ticket_id, instance_id, sender_type,
 sender_name, message_type, content, status, external_id, edited, deleted, reactions, metadata, sent_at, created_at)
 VALUES ($1, $2, $3, $4, $5, 'LEAD', 'Maria Souza', 'TEXT', $6, 'DELIVERED', $7, false, false, '[]'::jsonb,
 '{}'::jsonb, $8, $8)"""
UPDATE_SQL = """UPDATE conversations SET last_message_at = $2, last_message_preview = $3,
 last_message_sender_type = 'LEAD', last_message_status = 'DELIVERED', last_message_id = $4,
 unread_count = unread_count + 1 WHERE id = $1"""


async def pg_floor(dsn: str, tenant: IngestTenant, n: int, concurrency: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    org, inst = uuid.UUID(tenant.organization_id), uuid.UUID(tenant.instance_id)
    pairs = [(uuid.UUID(c), uuid.UUID(t)) for c, t in zip(tenant.conversation_ids, tenant.ticket_ids, strict=True)]
    work = [rng.choice(pairs) for _ in range(n)]
    latencies: list[float] = []
    queue = iter(work)
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:

        async def worker() -> None:
            for conv, ticket in queue:
                t0 = time.perf_counter()
                mid, now = uuid.uuid4(), datetime.now(UTC)
                content = f"Oi, quanto custa o modelo {rng.randrange(1000)}?"
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute(INSERT_SQL, mid, org, conv, ticket, inst, content, f"FLOOR{mid.hex}", now)
                    await conn.execute(UPDATE_SQL, conv, now, content, mid)
                latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    return {"transactions": n, "seconds": round(elapsed, 3), "tx_per_s": round(n / elapsed, 1), **summary_ms(latencies)}


def _sqlite_floor_sync(path: str, tenant: IngestTenant, n: int, seed: int) -> dict[str, Any]:
    """One writer, like the app's single SQLite connection: concurrency does not apply."""
    rng = random.Random(seed)
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    register_sqlite_functions(db)  # the messages_fts triggers call wt_fold()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
        db.execute(f"PRAGMA {pragma}")
    org, inst = uuid.UUID(tenant.organization_id).hex, uuid.UUID(tenant.instance_id).hex
    pairs = list(zip(tenant.conversation_ids, tenant.ticket_ids, strict=True))
    latencies: list[float] = []
    ins = INSERT_SQL.replace("'[]'::jsonb", "'[]'").replace("'{}'::jsonb", "'{}'").replace("false", "0")
    for i in range(8, 0, -1):
        ins = ins.replace(f"${i}", "?")
    started = time.perf_counter()
    for _ in range(n):
        conv, ticket = rng.choice(pairs)
        t0 = time.perf_counter()
        mid = uuid.uuid4().hex
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        content = f"Oi, quanto custa o modelo {rng.randrange(1000)}?"
        db.execute("BEGIN IMMEDIATE")
        db.execute(ins, (mid, org, uuid.UUID(conv).hex, uuid.UUID(ticket).hex, inst, content, f"FLOOR{mid}", now, now))
        db.execute(
            "UPDATE conversations SET last_message_at = ?, last_message_preview = ?, last_message_sender_type = 'LEAD',"
            " last_message_status = 'DELIVERED', last_message_id = ?, unread_count = unread_count + 1 WHERE id = ?",
            (now, content, mid, uuid.UUID(conv).hex),
        )
        db.execute("COMMIT")
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    db.close()
    return {"transactions": n, "seconds": round(elapsed, 3), "tx_per_s": round(n / elapsed, 1), **summary_ms(latencies)}


async def batch_counts(app_url: str) -> tuple[float, float]:
    """(batches, deliveries) so far, from the app's /metrics."""
    async with aiohttp.ClientSession() as http, http.get(f"{app_url}/metrics") as resp:
        text_ = await resp.text()
    values = {
        line.split()[0]: float(line.split()[1])
        for line in text_.splitlines()
        if line.startswith(("whatrack_webhook_batch_size_count", "whatrack_webhook_batch_size_sum"))
    }
    return values.get("whatrack_webhook_batch_size_count", 0.0), values.get("whatrack_webhook_batch_size_sum", 0.0)


# -- outbox and memory ------------------------------------------------------------------------------


async def wait_outbox_empty(database_url: str, limit: float = 60.0) -> float:
    engine = create_engine(database_url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < limit:
            async with engine.connect() as conn:
                pending = await conn.scalar(text("SELECT count(*) FROM outbox"))
            if not pending:
                break
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()
    return round(time.perf_counter() - started, 2)


@contextlib.asynccontextmanager
async def rss_sampler(app: AppProcess) -> Any:
    peak = [app.rss_mb()]

    async def sample() -> None:
        while True:
            peak[0] = max(peak[0], app.rss_mb())
            await asyncio.sleep(0.1)

    task = asyncio.create_task(sample())
    try:
        yield peak
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# -- the scenario ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _realtime(kind: str) -> Iterator[str | None]:
    if kind == "postgresql":
        from tests.support.centrifugo import running_centrifugo

        with running_centrifugo(SECRET, API_KEY) as cf:
            yield cf.url
    else:
        yield None


def sizes(quick: bool, sqlite: bool) -> dict[int, int]:
    if quick:
        return {1: 60, 20: 300, 100: 300}
    if sqlite:
        return {1: 200, 20: 600, 100: 600}
    return {1: 300, 20: 1500, 100: 1500}


async def run(*, quick: bool, repeats: int, sqlite: bool = False, workers: int = 1) -> dict[str, Any]:
    kind = "sqlite" if sqlite else "postgresql"
    counts = sizes(quick, sqlite)
    leads = 200 if sqlite else 2000
    total_receipts = int(sum(counts.values()) * repeats * 0.25) + 100
    tmp = Path(tempfile.mkdtemp(prefix="whatrack-bench-ingest-"))
    if sqlite:
        db_path = tmp / "ingest.db"
        url = await recreate_sqlite_database(db_path)
    else:
        url = await recreate_pg_database("whatrack_bench_ingest")
    tenant = await seed_tenant(url, leads=leads, outbound_per_lead=max(1, total_receipts // leads + 1), base_url="")
    maker = PayloadMaker(tenant)
    config = {
        "database": kind,
        "realtime": "centrifugo" if not sqlite else "embedded hub",
        "levels": list(LEVELS),
        "requests_per_level": counts,
        "repeats": repeats,
        "existing_leads": leads,
        "mix": "70% text, 10% image (base64, stored), 20% delivery receipts; 5% of messages from new numbers",
        "client": "aiohttp, keep-alive, same machine",
        "app_workers": workers,
    }
    log(f"ingest[{kind}]: {config}")
    runs: dict[int, list[dict[str, Any]]] = {c: [] for c in LEVELS}
    with _realtime(kind) as centrifugo_url, running_app(url, centrifugo_url=centrifugo_url, workers=workers) as app:
        webhook = f"{app.url}/api/v1/whatsapp/w/webhook/{tenant.instance_id}?secret={tenant.webhook_secret}"
        await asyncio.sleep(1.0)
        idle_rss = app.rss_mb()
        await fire(webhook, maker.make(40), 4)  # warm-up: pools, caches, first-import costs
        await wait_outbox_empty(url)
        warm_rss = app.rss_mb()
        for rep in range(repeats):
            for c in LEVELS:
                load = maker.make(counts[c])
                floor_first = rep % 2 == 1  # alternate who goes first: drift hits both sides
                floor: dict[str, Any] = {}
                if floor_first:
                    floor = await _floor(url, tenant, counts[c], c, seed=rep * 100 + c)
                before = await batch_counts(app.url)
                async with rss_sampler(app) as peak:
                    result = await fire(webhook, load, c)
                    result["outbox_drain_s"] = await wait_outbox_empty(url)
                after = await batch_counts(app.url)
                batches = after[0] - before[0]
                # with several workers, two /metrics calls may reach two processes: no figure
                result["mean_batch"] = round((after[1] - before[1]) / batches, 1) if batches and workers == 1 else None
                result["rss_peak_mb"] = peak[0]
                if not floor_first:
                    floor = await _floor(url, tenant, counts[c], c, seed=rep * 100 + c)
                result["floor"] = floor
                result["ratio_vs_floor"] = ratio(result["webhooks_per_s"], floor["tx_per_s"])
                runs[c].append(result)
                log(
                    f"ingest[{kind}] rep {rep + 1} c={c}: {result['webhooks_per_s']} webhooks/s "
                    f"({result['messages_per_s']} msg/s) p50 {result['p50_ms']} p99 {result['p99_ms']} ms, "
                    f"errors {result['errors']}, drain {result['outbox_drain_s']} s, mean batch {result['mean_batch']}"
                    f" | floor {floor['tx_per_s']} tx/s"
                )
        final_rss = app.rss_mb()
    levels: dict[str, Any] = {}
    for c, rs in runs.items():
        levels[str(c)] = {
            "webhooks_per_s": median([r["webhooks_per_s"] for r in rs]),
            "webhooks_per_s_range": [min(r["webhooks_per_s"] for r in rs), max(r["webhooks_per_s"] for r in rs)],
            "messages_per_s": median([r["messages_per_s"] for r in rs]),
            "p50_ms": median([r["p50_ms"] for r in rs]),
            "p99_ms": median([r["p99_ms"] for r in rs]),
            "errors": sum(r["errors"] for r in rs),
            "outbox_drain_s": median([r["outbox_drain_s"] for r in rs]),
            "mean_batch": median([r["mean_batch"] or 0 for r in rs]),
            "rss_peak_mb": max(r["rss_peak_mb"] for r in rs),
            "floor_tx_per_s": median([r["floor"]["tx_per_s"] for r in rs]),
            "floor_p50_ms": median([r["floor"]["p50_ms"] for r in rs]),
            "floor_p99_ms": median([r["floor"]["p99_ms"] for r in rs]),
            "ratio_vs_floor": median([r["ratio_vs_floor"] for r in rs]),
            "runs": rs,
        }
    return {
        "config": config,
        "levels": levels,
        "rss_mb": {"idle": idle_rss, "after_warmup": warm_rss, "end": final_rss},
    }


async def _floor(url: str, tenant: IngestTenant, n: int, concurrency: int, seed: int) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return await asyncio.to_thread(_sqlite_floor_sync, url.split("///", 1)[1], tenant, n, seed)
    return await pg_floor(url.replace("postgresql+asyncpg://", "postgresql://"), tenant, n, concurrency, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--repeats", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL only)")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    result = asyncio.run(run(quick=args.quick, repeats=repeats, sqlite=args.sqlite, workers=args.workers))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
