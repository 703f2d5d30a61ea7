"""Scenario 7: the manager's reports (issue 11) over one big organization, 90 days, PostgreSQL.

One organization holds 100,000 conversations / 1,000,000 messages (`--scale 0.5` halves both;
`--quick` is a tenth), seeded with `seed.seed_sized` (the reads dataset's generator, with
explicit organization sizes: the big one plus two of one conversation). `ticket_metrics` is
then filled from the messages by one SQL statement per ticket aggregate (messages in/out, first
lead message, first response, last message, one response time per ticket) — the shape the
incremental path writes, not its exact figures; the reports only aggregate these rows.

Each report (overview; attribution first_touch / last_touch / any_touch by source; agents) is
timed as the in-process service call over the 90 days before the seed's "now" (wall time) and,
as its floor, the time spent inside the database driver for the same call; EXPLAIN (ANALYZE,
BUFFERS) of every statement of one call is checked for sequential scans of messages (and of the
other big tables, reported). Target: p95 < 300 ms, no sequential scan of messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.bench_reads import SEQ_PG, _actor, _capture, instrument
from bench.common import database_comment, log, pg_url, recreate_pg_database, set_database_comment, summary_ms
from bench.seed import dataset_from_json, dataset_to_json, seed_sized
from whatrack import migrate
from whatrack.auth.service import Actor
from whatrack.db import create_engine, create_session_factory
from whatrack.reports import service as reports

SEED_VERSION = "reports-v1"
END = date(2026, 11, 1)  # seed_reads' "now"; conversations are spread over the 180 days before
DAYS = 90
MODELS = ("first_touch", "last_touch", "any_touch")

FILL_METRICS = """
INSERT INTO ticket_metrics (ticket_id, organization_id, conversation_id, messages_in, messages_out,
    first_lead_at, first_response_seconds, first_responder_id, waiting_since, last_message_at,
    response_count, response_seconds_total, response_seconds, responders)
SELECT f.ticket_id, f.organization_id, f.conversation_id, f.n_in, f.n_out, f.first_lead,
    CASE WHEN f.first_user > f.first_lead THEN extract(epoch FROM f.first_user - f.first_lead)::int END,
    CASE WHEN f.first_user > f.first_lead THEN f.responder END,
    NULL, f.last_at,
    CASE WHEN f.first_user > f.first_lead THEN 1 ELSE 0 END,
    CASE WHEN f.first_user > f.first_lead THEN extract(epoch FROM f.first_user - f.first_lead)::int ELSE 0 END,
    CASE WHEN f.first_user > f.first_lead
         THEN jsonb_build_array(extract(epoch FROM f.first_user - f.first_lead)::int) ELSE '[]'::jsonb END,
    CASE WHEN f.responder IS NOT NULL THEN jsonb_build_array(f.responder::text) ELSE '[]'::jsonb END
FROM (
    SELECT m.ticket_id, min(m.organization_id::text)::uuid AS organization_id,
        min(m.conversation_id::text)::uuid AS conversation_id,
        count(*) FILTER (WHERE m.sender_type = 'LEAD') AS n_in,
        count(*) FILTER (WHERE m.sender_type = 'USER') AS n_out,
        min(m.sent_at) FILTER (WHERE m.sender_type = 'LEAD') AS first_lead,
        min(m.sent_at) FILTER (WHERE m.sender_type = 'USER') AS first_user,
        (array_agg(m.sender_id ORDER BY m.sent_at) FILTER (WHERE m.sender_type = 'USER'))[1] AS responder,
        max(m.sent_at) AS last_at
    FROM messages m GROUP BY m.ticket_id
) f
ON CONFLICT (ticket_id) DO NOTHING
"""
FILL_RESPONDERS = """
INSERT INTO ticket_responders (ticket_id, user_id)
SELECT m.ticket_id, r.value::uuid FROM ticket_metrics m, jsonb_array_elements_text(m.responders) r
ON CONFLICT DO NOTHING
"""


async def explain(engine: AsyncEngine, statements: list[tuple[str, Any, float]]) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement of one call, in one transaction as the call
    ran: its SET LOCAL statements (the reports' planner settings) are executed, not explained."""
    plans = []
    async with engine.connect() as conn:
        for statement, params, _ in statements:
            if statement.lstrip().upper().startswith("SET "):
                await conn.exec_driver_sql(statement, params)
                continue
            rows = (await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)).all()
            plan = "\n".join(str(r[-1]) for r in rows)
            seq = sorted(set(SEQ_PG.findall(plan)))
            plans.append({"sql": " ".join(statement.split())[:600], "plan": plan, "seq_scans_on_big_tables": seq})
        await conn.rollback()
    return plans


async def _backend_pid(db: AsyncSession) -> int:
    """The server process of the session's connection (asyncpg knows it: no statement sent)."""
    raw = await (await db.connection()).get_raw_connection()
    return int(raw.driver_connection.get_server_pid())  # type: ignore[union-attr]


def _cpu_seconds(pid: int) -> float | None:
    """CPU time a local PostgreSQL backend has used so far (/proc/<pid>/schedstat, ns)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def shape(quick: bool, scale: float) -> dict[str, int]:
    factor = 0.1 if quick else scale
    return {"conversations": int(100_000 * factor), "messages": int(1_000_000 * factor), "huge_messages": 1_000}


async def prepare(quick: bool, scale: float, reseed: bool) -> tuple[str, dict[str, Any], bool]:
    s = shape(quick, scale)
    signature = f"{SEED_VERSION}:{s['conversations']}:{s['messages']}"
    name = f"whatrack_bench_reports_{s['conversations']}"
    comment = await database_comment(name)
    if not reseed and comment and comment.startswith(signature + "|"):
        await asyncio.to_thread(migrate.upgrade, pg_url(name))
        return pg_url(name), json.loads(comment.split("|", 1)[1]), True
    url = await recreate_pg_database(name)
    big = s["conversations"]
    ds = await seed_sized(url, [big, 1, 1], messages=s["messages"] + 2, huge_messages=s["huge_messages"])
    t0 = time.perf_counter()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(FILL_METRICS))
            await conn.execute(text(FILL_RESPONDERS))  # a kept dataset got them from migration 0024
            await conn.execute(text("ANALYZE ticket_metrics"))
            await conn.execute(text("ANALYZE ticket_responders"))
    finally:
        await engine.dispose()
    meta = {"dataset": json.loads(dataset_to_json(ds)), "metrics_seconds": round(time.perf_counter() - t0, 1)}
    log(f"ticket_metrics filled in {meta['metrics_seconds']} s")
    await set_database_comment(name, signature + "|" + json.dumps(meta))
    return url, meta, False


def calls(actor: Actor) -> dict[str, Any]:
    start, end = END - timedelta(days=DAYS - 1), END

    async def overview(db: AsyncSession) -> None:
        await reports.overview(db, await reports.scope(db, actor, start, end))

    def attribution(model: str) -> Any:
        async def run(db: AsyncSession) -> None:
            await reports.attribution(db, await reports.scope(db, actor, start, end), model, "source")

        return run

    async def agents(db: AsyncSession) -> None:
        await reports.agents(db, await reports.scope(db, actor, start, end))

    return {"overview": overview, **{f"attribution_{m}": attribution(m) for m in MODELS}, "agents": agents}


async def run(
    quick: bool = False, repeats: int = 1, scale: float = 1.0, reseed: bool = False, samples: int = 0
) -> dict[str, Any]:
    url, meta, reused = await prepare(quick, scale, reseed)
    ds = dataset_from_json(json.dumps(meta["dataset"]))
    engine = create_engine(url)
    instrument(engine)
    factory = create_session_factory(engine)
    samples = samples or (5 if quick else 30)
    out: dict[str, Any] = {
        "config": {
            **shape(quick, scale),
            "days": DAYS,
            "from": (END - timedelta(days=DAYS - 1)).isoformat(),
            "to": END.isoformat(),
            "samples": samples * repeats,
            "reused_dataset": reused,
            "seed_seconds": ds.seconds,
            "metrics_seconds": meta.get("metrics_seconds"),
        },
        "reports": {},
    }
    try:
        async with factory() as db:
            actor = await _actor(db, ds.big_org["email"])
            counts = (
                await db.execute(
                    text(
                        "SELECT (SELECT count(*) FROM tickets WHERE organization_id = :o),"
                        " (SELECT count(*) FROM ticket_metrics WHERE organization_id = :o)"
                    ),
                    {"o": actor.organization_id},
                )
            ).one()
            out["config"]["tickets"], out["config"]["ticket_metrics"] = int(counts[0]), int(counts[1])
        floor: list[float] = []
        for name, call in calls(actor).items():
            try:
                out["reports"][name] = await measure(engine, factory, name, call, repeats, samples, floor)
            except Exception as exc:  # a failing report is a finding; the others still get measured
                out["reports"][name] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}
                log(f"{name}: FAILED {out['reports'][name]['error']}")
        out["select1_ms"] = summary_ms(floor)
    finally:
        await engine.dispose()
    return out


async def measure(
    engine: Any, factory: Any, name: str, call: Any, repeats: int, samples: int, floor: list[float]
) -> dict[str, Any]:
    wall: list[float] = []
    sql: list[float] = []
    cpu: list[float] = []
    for _ in range(repeats):
        for _ in range(samples):
            captured: list[tuple[str, Any, float]] = []
            token = _capture.set(captured)
            try:
                async with factory() as db:
                    pid = await _backend_pid(db)
                    c0 = _cpu_seconds(pid)
                    t0 = time.perf_counter()
                    await call(db)
                    wall.append(time.perf_counter() - t0)
                    c1 = _cpu_seconds(pid)
                    if c0 is not None and c1 is not None:
                        cpu.append(c1 - c0)
                    await db.rollback()
            finally:
                _capture.reset(token)
            sql.append(sum(c[2] for c in captured))
    async with factory() as db:
        t0 = time.perf_counter()
        await db.execute(text("SELECT 1"))
        floor.append(time.perf_counter() - t0)
    captured = []
    token = _capture.set(captured)
    try:
        async with factory() as db:
            await call(db)
            await db.rollback()
    finally:
        _capture.reset(token)
    plans = await explain(engine, captured)
    seq = sorted({t for p in plans for t in p["seq_scans_on_big_tables"]})
    for p in plans:  # where the time goes: each statement's own execution time
        found = re.search(r"Execution Time: ([0-9.]+) ms", p["plan"])
        p["execution_ms"] = float(found.group(1)) if found else None
    slowest = max(plans, key=lambda p: p["execution_ms"] or 0.0, default=None)
    w, q = summary_ms(wall), summary_ms(sql)
    wp95, qp95 = float(w["p95_ms"]), float(q["p95_ms"])
    result = {
        "service_ms": w,
        "sql_ms": q,
        # CPU the server process spent on the call (parallel workers not included): what the
        # report costs whatever else the machine runs; None when the server is not local
        "backend_cpu_ms": summary_ms(cpu) if cpu else None,
        "ratio_p95": round(wp95 / qp95, 2) if qp95 else None,
        "statements": len(plans),  # queries; the SET LOCAL ones are not counted
        "seq_scans": seq,
        "seq_scan_messages": "messages" in seq,
        "target_p95_ms": 300,
        "ok": wp95 < 300 and "messages" not in seq,
        "plans": plans,
        "slowest_statement": None if slowest is None else {k: slowest[k] for k in ("sql", "execution_ms")},
    }
    cpu_p50 = f", backend CPU p50 {float(summary_ms(cpu)['p50_ms']):.1f} ms" if cpu else ""
    log(f"{name}: p95 {wp95:.1f} ms (SQL {qp95:.1f} ms{cpu_p50}), {len(plans)} statements, seq scans {seq}")
    if slowest is not None:
        log(f"  slowest: {slowest['execution_ms']} ms: {slowest['sql'][:300]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 100k conversations / 1M messages")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--samples", type=int, default=0, help="calls per report and repeat (default 30)")
    args = parser.parse_args()
    result = asyncio.run(
        run(quick=args.quick, repeats=args.repeats, scale=args.scale, reseed=args.reseed, samples=args.samples)
    )
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
