"""Scheduled messages (issue 10): N messages due at the same instant across C conversations
(default 10,000 across 1,000), sent by the app's own job loop — `whatrack serve` under uvicorn
with RUN_WORKER=true on PostgreSQL, i.e. jobs/worker.py → followups/jobs.send_due → claim_one
(conversation locked, row FOR UPDATE SKIP LOCKED, Message PENDING committed) → inbox.send.dispatch
→ settle. `--job-workers 2` runs two app processes' job loops racing for the same rows.

Counted in the WuzAPI simulator (a thread of this process): every send is recorded with the time
it was accepted; 0 duplicates (a row's text twice) and 0 missing are asserted, and the database
must end with every row SENT and one Message SENT per row. Reported: the send rate (msgs/s, from
the due time to the last accepted send) and the lag between the due time and the simulator
accepting each message (p50/p99), beside the plain send floor: direct POSTs to the simulator's
/chat/send/text (one at a time, as scenario 3's floor, and CONCURRENCY at a time for a rate).

    .venv/bin/python -m bench.bench_scheduled [--quick] [--scheduled 10000] [--conversations 1000]
    make bench BENCH_ARGS="--only scheduled --scheduled 10000 --conversations 1000"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.bench_pipeline import simulator_floor
from bench.common import log, recreate_pg_database, running_app, summary_ms
from bench.seed import open_sink, seed_tenant
from whatrack.followups import jobs
from whatrack.simulator.server import SimulatorServer
from whatrack.simulator.state import SentMessage, SimulatorState, SimUser

DB_NAME = "whatrack_bench_scheduled"
PREFIX = "bench scheduled #"
LEAD_SECONDS = 4.0  # rows are inserted this long before they fall due (the job loop idles, probing)


async def rate_floor(base_url: str, token: str, phone: str, n: int, concurrency: int) -> dict[str, Any]:
    """Direct POST /chat/send/text, `concurrency` at a time: what the simulator itself sustains."""
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as http:

        async def one(i: int) -> None:
            async with (
                gate,
                http.post(
                    f"{base_url}/chat/send/text", json={"Phone": phone, "Body": f"floor {i}"}, headers={"Token": token}
                ) as resp,
            ):
                await resp.read()
                assert resp.status == 200, resp.status

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - t0
    return {"n": n, "concurrency": concurrency, "seconds": round(wall, 2), "msgs_per_s": round(n / wall, 1)}


async def insert_due(
    url: str, org_id: str, user_id: str, conv_ids: list[str], ticket_ids: list[str], n: int, due: datetime
) -> None:
    """`n` PENDING rows ("enviar depois", step NULL), round-robin over the conversations, all due at `due`."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "organization_id": uuid.UUID(org_id),
            "ticket_id": uuid.UUID(ticket_ids[i % len(conv_ids)]),
            "conversation_id": uuid.UUID(conv_ids[i % len(conv_ids)]),
            "sequence_id": None,
            "created_by": uuid.UUID(user_id),
            "content": f"{PREFIX}{i}",
            "step": None,
            "scheduled_for": due,
            "status": "PENDING",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    sink = await open_sink(url)
    try:
        await sink.write("scheduled_messages", rows)
        await sink.analyze()
    finally:
        await sink.close()


async def db_counts(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT status, count(*) AS n FROM scheduled_messages GROUP BY status")
        msgs = await conn.fetch(
            "SELECT status, count(*) AS n, count(DISTINCT client_id) AS distinct_ids FROM messages "
            "WHERE client_id LIKE 'scheduled-%' GROUP BY status"
        )
        return {
            "rows": {r["status"]: r["n"] for r in rows},
            "messages": {r["status"]: r["n"] for r in msgs},
            "message_client_ids": sum(r["distinct_ids"] for r in msgs),
        }
    finally:
        await conn.close()


async def run(
    *,
    quick: bool,
    scheduled: int = 0,
    conversations: int = 0,
    job_workers: int = 1,
    profile_to: Path | None = None,
) -> dict[str, Any]:
    n = scheduled or (1000 if quick else 10_000)
    c = conversations or (100 if quick else 1000)
    config = {
        "database": "postgresql",
        "scheduled": n,
        "conversations": c,
        "due": "all at the same instant",
        "job_workers": job_workers,
        "job": f"app's embedded worker: send_due batches of {jobs.BATCH}, {jobs.CONCURRENCY} WuzAPI calls at a time",
        "wuzapi": "SimulatorServer on loopback (thread in the bench process), no receipts",
        "lag": "simulator accepted the send − due time",
    }
    log(f"scheduled: {config}")
    accepted: dict[str, list[float]] = {}
    ids: Counter[str] = Counter()
    sim = SimulatorServer(SimulatorState(delivered_delay=3600, read_delay=3600)).start()
    out: dict[str, Any] = {"config": config}
    try:
        url = await recreate_pg_database(DB_NAME)
        tenant = await seed_tenant(url, leads=c, outbound_per_lead=1, base_url=sim.base_url)
        sim.add_user(token=tenant.instance_token, webhook="", name="bench")
        sim.add_user(token="bench-floor-token", webhook="", name="floor")

        def listen(user: SimUser, sent: SentMessage) -> None:
            if sent.text.startswith(PREFIX):
                accepted.setdefault(sent.text, []).append(time.time())
                ids[sent.id] += 1

        sim.state.send_listeners.append(listen)
        floor_phone = tenant.phones[0]
        out["floor_sequential"] = await simulator_floor(sim.base_url, "bench-floor-token", floor_phone, 150)
        out["floor_rate"] = await rate_floor(
            sim.base_url, "bench-floor-token", floor_phone, min(n, 2000), jobs.CONCURRENCY
        )
        log(f"scheduled: floor {out['floor_sequential']} / {out['floor_rate']}")
        with running_app(url, workers=job_workers, profile_to=profile_to) as _app:
            due = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
            await insert_due(
                url, tenant.organization_id, tenant.user_id, tenant.conversation_ids, tenant.ticket_ids, n, due
            )
            due_epoch = due.timestamp()
            deadline = time.monotonic() + max(300.0, n / 5)
            settled_at: float | None = None
            counts: dict[str, Any] = {}
            last_log = 0.0
            while time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                if len(accepted) >= n or time.monotonic() - last_log > 10:
                    counts = await db_counts(url)
                    last_log = time.monotonic()
                    log(f"scheduled: {len(accepted):,}/{n:,} accepted, rows {counts['rows']}")
                    if not counts["rows"].get("PENDING"):
                        settled_at = time.time()
                        break
            await asyncio.sleep(2.0)  # a late duplicate would land here
            counts = await db_counts(url)
        firsts = sorted(times[0] for times in accepted.values())
        duplicates = sum(len(t) - 1 for t in accepted.values())
        missing = n - len(accepted)
        lags = [t - due_epoch for t in firsts]
        span = (firsts[-1] - due_epoch) if firsts else float("nan")
        out.update(
            {
                "accepted": len(accepted),
                "duplicates": duplicates,
                "duplicate_ids": sum(v - 1 for v in ids.values() if v > 1),
                "missing": missing,
                "db": counts,
                "msgs_per_s": round(len(firsts) / span, 1) if firsts else 0.0,
                "burst_msgs_per_s": round(len(firsts) / max(firsts[-1] - firsts[0], 1e-9), 1) if firsts else 0.0,
                "first_send_after_due_s": round(firsts[0] - due_epoch, 2) if firsts else None,
                "all_sent_after_due_s": round(span, 2),
                "all_settled_after_due_s": round(settled_at - due_epoch, 2) if settled_at else None,
                "lag": summary_ms(lags),
            }
        )
        log(
            f"scheduled: {out['accepted']:,} sent, {duplicates} duplicates, {missing} missing, "
            f"{out['msgs_per_s']} msg/s, lag p50 {out['lag'].get('p50_ms')} p99 {out['lag'].get('p99_ms')} ms"
        )
        problems = []
        if duplicates or out["duplicate_ids"]:
            problems.append(f"{duplicates} duplicate sends")
        if missing:
            problems.append(f"{missing} missing")
        if counts["rows"] != {"SENT": n} or counts["messages"] != {"SENT": n} or counts["message_client_ids"] != n:
            problems.append(f"database: {counts}")
        out["ok"] = not problems
        out["problems"] = problems  # bench/__main__ turns them into a scenario failure
    finally:
        sim.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scheduled", type=int, default=0, help="messages due (default 10,000; quick 1,000)")
    parser.add_argument("--conversations", type=int, default=0, help="conversations (default 1,000; quick 100)")
    parser.add_argument("--job-workers", type=int, default=1, help="app processes whose job loops race")
    parser.add_argument("--profile", default="", help="run the app under pyinstrument, report to this file")
    args = parser.parse_args()
    result = asyncio.run(
        run(
            quick=args.quick,
            scheduled=args.scheduled,
            conversations=args.conversations,
            job_workers=args.job_workers,
            profile_to=Path(args.profile) if args.profile else None,
        )
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
