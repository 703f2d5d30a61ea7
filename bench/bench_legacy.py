"""Scenario `legacy` (issue 15): `whatrack import legacy` on a big legacy database.

Builds a legacy Whatrack database (the schema tests/legacy builds) with N leads and M messages
by COPY, runs the real command (`python -m whatrack import legacy --from ...`, a subprocess)
into a freshly migrated database with one organization and instance, and reports rows/s per
kind and the wall time. Floor: the same legacy rows moved by COPY (out of the legacy
database, into identical tables of an empty database), per table.

    .venv/bin/python -m bench.bench_legacy                      # 100k leads / 1M messages
    .venv/bin/python -m bench.bench_legacy --leads 20000 --messages 200000
    .venv/bin/python -m bench --only legacy

Shape of the data: 2 % of the leads are the same person as another lead written without the
ninth digit (merged by the import); 1-3 Inbound sessions per lead, 30 days apart; messages
spread over the sessions; 30 % of the messages also in whatsapp_message (same WhatsApp id,
imported once) and 5 % more only there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from tests.legacy.conftest import SCHEMA

from bench.common import PG_DSN_BASE, REPO_ROOT, log, recreate_pg_database
from whatrack.db import create_engine, create_session_factory
from whatrack.instances.service import create_instance
from whatrack.models import Organization

SOURCE_DB = "whatrack_bench_legacy_src"
TARGET_DB = "whatrack_bench_legacy"
FLOOR_DB = "whatrack_bench_legacy_floor"
TABLES = ("leads", "conversations", "inbounds", "messages", "whatsapp_message")
SENDERS = ("CONTACT", "CONTACT", "CONTACT", "USER", "AI_AGENT")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG_DSN_BASE}/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _fresh(name: str, schema: str) -> None:
    assert name.startswith("whatrack_bench"), name
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(f"{PG_DSN_BASE}/{name}")
    try:
        await conn.execute(schema)
    finally:
        await conn.close()


def legacy_rows(leads: int, messages: int, seed: int = 15) -> dict[str, list[tuple[Any, ...]]]:
    """The legacy tables' rows, consistent by construction (naive timestamps, as Prisma writes)."""
    rng = random.Random(seed)
    base = datetime(2023, 1, 1, 8, 0, tzinfo=UTC).replace(tzinfo=None)
    rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
    per_lead = [messages // leads + (1 if i < messages % leads else 0) for i in range(leads)]
    wa_only = messages // 20
    mid = 0
    for i in range(leads):
        lid, cid = f"L{i}", f"C{i}"
        dup = i % 50 == 49  # every 50th lead is the previous person again...
        local = 80_000_000 + (i - 1 if dup else i)
        phone = f"5511{local:08d}" if dup else f"55119{local:08d}"  # ... written without the ninth digit
        created = base + timedelta(minutes=7 * i)
        rows["leads"].append((lid, "org1", phone, f"{phone}@s.whatsapp.net", f"Lead {i} Ação", created))
        rows["conversations"].append((cid, lid, "i1"))
        sessions = [created + timedelta(days=30 * k, minutes=5) for k in range(rng.choice((1, 1, 2, 3)))]
        for k, at in enumerate(sessions):
            rows["inbounds"].append(
                (
                    f"I{i}_{k}",
                    lid,
                    rng.choice(("meta_ads", "organic", "google_ads")),
                    rng.choice((None, "black_friday", "natal")),
                    rng.choice((None, "paid", "cpc")),
                    None,
                    "OPEN" if k == len(sessions) - 1 and i % 10 == 0 else "RESOLVED",
                    at,
                )
            )
        for n in range(per_lead[i]):
            at = sessions[n % len(sessions)] + timedelta(minutes=1 + n)
            wa = f"WA{mid}"
            sender = SENDERS[mid % len(SENDERS)]
            content = f"mensagem {mid} do lead {i}"
            rows["messages"].append((f"M{mid}", cid, wa, sender, None, "TEXT", content, None, None, "READ", at))
            if mid % 10 < 3:
                rows["whatsapp_message"].append((f"W{mid}", lid, wa, sender != "CONTACT", "text", content, at))
            mid += 1
    for n in range(wa_only):
        i = rng.randrange(leads)
        at = rows["leads"][i][5] + timedelta(minutes=30 + n % 60)
        rows["whatsapp_message"].append((f"WX{n}", f"L{i}", f"WAX{n}", False, "text", f"só no whatsapp {n}", at))
    return rows


async def build_source(rows: dict[str, list[tuple[Any, ...]]]) -> float:
    await _fresh(SOURCE_DB, SCHEMA)
    conn = await asyncpg.connect(f"{PG_DSN_BASE}/{SOURCE_DB}")
    t0 = time.perf_counter()
    try:
        for table in TABLES:
            await conn.copy_records_to_table(table, records=rows[table])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - t0


async def floor() -> dict[str, Any]:
    """COPY every legacy table out of the source and into identical tables elsewhere."""
    await _fresh(FLOOR_DB, SCHEMA)
    src = await asyncpg.connect(f"{PG_DSN_BASE}/{SOURCE_DB}")
    dst = await asyncpg.connect(f"{PG_DSN_BASE}/{FLOOR_DB}")
    out: dict[str, Any] = {}
    t_all = time.perf_counter()
    try:
        for table in TABLES:
            t0 = time.perf_counter()
            records = await src.fetch(f"SELECT * FROM {table}")  # noqa: S608 - our table names
            await dst.copy_records_to_table(table, records=[tuple(r) for r in records])
            seconds = time.perf_counter() - t0
            out[table] = {
                "rows": len(records),
                "seconds": round(seconds, 2),
                "rows_per_s": round(len(records) / seconds),
            }
    finally:
        await src.close()
        await dst.close()
    out["total_seconds"] = round(time.perf_counter() - t_all, 2)
    await _admin(f'DROP DATABASE IF EXISTS "{FLOOR_DB}" WITH (FORCE)')
    return out


async def _target() -> str:
    """A migrated database with one organization and one instance (the import's target)."""
    url = await recreate_pg_database(TARGET_DB)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as db:
            org = Organization(name="Legado", timezone="America/Sao_Paulo")
            db.add(org)
            await db.flush()
            await create_instance(db, org.id, name="Legado", base_url="http://127.0.0.1:9", token="bench")
            await db.commit()
    finally:
        await engine.dispose()
    return url


async def _counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return {t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in ("leads", "tickets", "messages")}  # noqa: S608
    finally:
        await conn.close()


async def run(*, quick: bool = False, leads: int = 0, messages: int = 0, batch_size: int = 500) -> dict[str, Any]:
    leads = leads or (10_000 if quick else 100_000)
    messages = messages or leads * 10
    t0 = time.perf_counter()
    rows = legacy_rows(leads, messages)
    generate_s = time.perf_counter() - t0
    copy_s = await build_source(rows)
    legacy = {t: len(r) for t, r in rows.items()}
    del rows
    log(f"legacy: {legacy} generated in {generate_s:.1f} s, copied in {copy_s:.1f} s")
    target_url = await _target()
    env = {**os.environ, "DATABASE_URL": target_url, "COLUMNS": "160"}
    args = [str(Path(sys.executable).with_name("whatrack")), "import", "legacy", "--from", f"{PG_DSN_BASE}/{SOURCE_DB}"]
    args += ["--batch-size", str(batch_size)]
    t0 = time.perf_counter()
    done = await asyncio.to_thread(subprocess.run, args, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    output = done.stdout
    table_start = output.find("Verification")
    verification = output[output.rfind("\n", 0, table_start) + 1 :] if table_start >= 0 else output[-4000:]
    log(f"import exit {done.returncode} in {wall:.1f} s\n{verification}")
    imported = await _counts(target_url)
    kinds = {
        "leads": (legacy["leads"], imported["leads"]),
        "tickets": (legacy["inbounds"], imported["tickets"]),
        "messages": (legacy["messages"] + legacy["whatsapp_message"], imported["messages"]),
    }
    per_kind = {
        k: {"legacy_rows": src, "imported": dst, "rows_per_s": round(dst / wall)} for k, (src, dst) in kinds.items()
    }
    legacy_total = sum(legacy.values())
    fl = await floor()
    return {
        "config": {"leads": leads, "messages": messages, "batch_size": batch_size, "legacy_rows": legacy},
        "exit_code": done.returncode,
        "stderr_tail": done.stderr[-2000:],
        "wall_seconds": round(wall, 1),
        "per_kind": per_kind,
        "legacy_rows_per_s": round(legacy_total / wall),
        "imported_rows_per_s": round(sum(imported.values()) / wall),
        "verification": verification,
        "floor": fl,
        "floor_rows_per_s": round(legacy_total / fl["total_seconds"]),
        "ratio_to_floor": round((legacy_total / wall) / (legacy_total / fl["total_seconds"]), 3),
        "setup_seconds": {"generate": round(generate_s, 1), "copy_source": round(copy_s, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k leads / 100k messages")
    parser.add_argument("--leads", type=int, default=0, help="legacy leads (default 100,000)")
    parser.add_argument("--messages", type=int, default=0, help="legacy messages (default 10 per lead)")
    parser.add_argument("--batch-size", type=int, default=500, help="passed to the import")
    args = parser.parse_args()
    result = asyncio.run(run(quick=args.quick, leads=args.leads, messages=args.messages, batch_size=args.batch_size))
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
