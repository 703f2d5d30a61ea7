"""Scenario 4 (and 6b on SQLite): inbox read paths on a big, skewed dataset.

PostgreSQL: 100,000 conversations, 1,000,000 messages, 200 organizations (one holds half,
one a tenth, the rest on a 1/rank curve); `--quick` 10,000 / 100,000. SQLite: a tenth of that.
The dataset is seeded once and reused while its description (kept as the database's COMMENT
on PostgreSQL, next to the file on SQLite) matches; `--reseed` forces a fresh one.

Each path is measured three ways, in the same run:
  http     aiohttp against the real app under uvicorn (logged-in agent, cookie auth), like the
           pipeline and real-time benches: httpx spends ~0.6 ms of its own per request here, twice
           the app's `/healthz` (both floors are in the report)
  sql      the same service call in-process; only the time spent inside the database driver
           (SQLAlchemy before/after_cursor_execute), summed over the call's statements
  plan     EXPLAIN (ANALYZE, BUFFERS) of every statement of one call, checked for sequential
           scans on the big tables (EXPLAIN QUERY PLAN full scans on SQLite)
Floors: `GET /healthz` through the same HTTP stack, and `SELECT 1` on the same connection pool.
Targets: p95 < 30 ms for list/open/scroll, < 100 ms for text search.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.common import (
    PASSWORD,
    database_comment,
    log,
    pg_url,
    recreate_pg_database,
    recreate_sqlite_database,
    running_app,
    set_database_comment,
    summary_ms,
)
from bench.seed import ReadsDataset, dataset_from_json, dataset_to_json, seed_reads
from whatrack import migrate
from whatrack.auth.service import Actor
from whatrack.conversations import service as conversations
from whatrack.conversations.schemas import ListFilters
from whatrack.db import create_engine, create_session_factory
from whatrack.messages import service as messages
from whatrack.models import Role

SEED_VERSION = "reads-v1"
BIG_TABLES = ("messages", "conversations", "leads", "tickets")
LIST_LIKE = {"list", "unread", "mine", "open", "scroll"}


def shape(quick: bool, sqlite: bool) -> dict[str, int]:
    c, m, o, huge = (10_000, 100_000, 200, 600) if quick else (100_000, 1_000_000, 200, 1_000)
    if sqlite:
        c, m, o = c // 10, m // 10, o // 10
        huge = 600
    return {"conversations": c, "messages": m, "organizations": o, "huge_messages": huge}


def _analyze_sqlite(path: Path) -> None:
    db = sqlite3.connect(path)
    try:
        db.execute("ANALYZE")
        db.commit()
    finally:
        db.close()


async def prepare(quick: bool, sqlite: bool, reseed: bool) -> tuple[str, ReadsDataset, bool]:
    """(database url, dataset, reused?)"""
    s = shape(quick, sqlite)
    signature = f"{SEED_VERSION}:{s['conversations']}:{s['messages']}:{s['organizations']}:{s['huge_messages']}"
    if sqlite:
        path = Path(tempfile.gettempdir()) / f"whatrack_bench_reads_{s['conversations']}.db"
        meta = path.with_suffix(".json")
        if not reseed and path.exists() and meta.exists():
            saved = json.loads(meta.read_text())
            if saved.get("signature") == signature:
                url = f"sqlite+aiosqlite:///{path}"
                await asyncio.to_thread(migrate.upgrade, url)  # schema follows the code (new indexes)
                # The seed ran ANALYZE; an index added since has no statistics and SQLite then
                # takes it for the most selective one (the list query went 0.4 -> 14 ms).
                await asyncio.to_thread(_analyze_sqlite, path)
                return url, dataset_from_json(saved["dataset"]), True
        url = await recreate_sqlite_database(path)
        ds = await seed_reads(url, **s)
        meta.write_text(json.dumps({"signature": signature, "dataset": dataset_to_json(ds)}))
        return url, ds, False
    name = f"whatrack_bench_reads_{s['conversations']}"
    comment = await database_comment(name)
    if not reseed and comment and comment.startswith(signature + "|"):
        await asyncio.to_thread(migrate.upgrade, pg_url(name))  # schema follows the code (new indexes)
        return pg_url(name), dataset_from_json(comment.split("|", 1)[1]), True
    url = await recreate_pg_database(name)
    ds = await seed_reads(url, **s)
    await set_database_comment(name, signature + "|" + dataset_to_json(ds))
    return url, ds, False


# -- SQL timing and plans ------------------------------------------------------------------------

_capture: ContextVar[list[tuple[str, Any, float]] | None] = ContextVar("capture", default=None)


def instrument(engine: AsyncEngine) -> None:
    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        sink = _capture.get()
        if sink is not None:
            sink.append((statement, parameters, time.perf_counter() - conn.info.pop("bench_t0")))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)


SEQ_PG = re.compile(r"Seq Scan on (" + "|".join(BIG_TABLES) + r")\b")
SEQ_SQLITE = re.compile(r"\bSCAN (" + "|".join(BIG_TABLES) + r")\b(?! USING)")


async def explain(engine: AsyncEngine, statements: list[tuple[str, Any, float]]) -> list[dict[str, Any]]:
    plans = []
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as conn:
        for statement, params, _ in statements:
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
            rows = (await conn.exec_driver_sql(prefix + statement, params)).all()
            plan = "\n".join(str(r[-1]) for r in rows)
            seq = sorted(set((SEQ_SQLITE if sqlite else SEQ_PG).findall(plan)))
            plans.append({"sql": " ".join(statement.split())[:600], "plan": plan, "seq_scans_on_big_tables": seq})
        await conn.rollback()
    return plans


# -- the paths ----------------------------------------------------------------------------------------


@dataclass
class Path_:
    name: str
    http: Callable[[aiohttp.ClientSession], Awaitable[int]]  # returns number of requests made
    service: Callable[[AsyncSession], Awaitable[None]]


def build_paths(org: dict[str, Any], ds: ReadsDataset, conv_id: str, actor: Actor) -> list[Path_]:
    def list_path(name: str, params: dict[str, str], filters: ListFilters) -> Path_:
        async def http(c: aiohttp.ClientSession) -> int:
            await get(c, "/api/v1/conversations", params)
            return 1

        async def svc(db: AsyncSession) -> None:
            await conversations.list_conversations(db, actor, filters)

        return Path_(name, http, svc)

    cid = uuid.UUID(conv_id)

    async def open_http(c: aiohttp.ClientSession) -> int:
        await get(c, f"/api/v1/conversations/{conv_id}")
        await get(c, f"/api/v1/conversations/{conv_id}/messages", {"limit": "50"})
        return 2

    async def open_svc(db: AsyncSession) -> None:  # what the two routes run
        await conversations.read_visible(db, actor, cid)
        await messages.list_messages(db, actor, cid, None, 50)

    return [
        list_path("list", {"limit": "50"}, ListFilters()),
        list_path("unread", {"limit": "50", "unread": "true"}, ListFilters(unread=True)),
        list_path("mine", {"limit": "50", "assigned": "me"}, ListFilters(assigned="me")),
        list_path("search_phone", {"q": ds.phone_fragment}, ListFilters(q=ds.phone_fragment)),
        list_path("search_name", {"q": ds.name_query}, ListFilters(q=ds.name_query)),
        list_path("search_text", {"q": ds.text_query}, ListFilters(q=ds.text_query)),
        Path_("open", open_http, open_svc),
    ]


async def scroll_cursors(db: AsyncSession, actor: Actor, conv_id: uuid.UUID, pages: int) -> list[str | None]:
    cursors: list[str | None] = [None]
    for _ in range(pages):
        _, nxt = await messages.list_messages(db, actor, conv_id, cursors[-1], 50)
        if nxt is None:
            break
        cursors.append(nxt)
    return cursors[1 : pages + 1]


async def get(c: aiohttp.ClientSession, path: str, params: dict[str, str] | None = None) -> Any:
    async with c.get(path, params=params) as r:
        r.raise_for_status()
        return await r.json()


async def login(base_url: str, email: str) -> aiohttp.ClientSession:
    """A logged-in agent (session cookie); reads need no CSRF token."""
    client = aiohttp.ClientSession(
        base_url, cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=30)
    )
    async with client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}) as r:
        r.raise_for_status()
    return client


async def _actor(db: AsyncSession, email: str) -> Actor:
    row = (
        await db.execute(
            text(
                "SELECT u.id, m.organization_id, u.name FROM users u JOIN memberships m ON m.user_id = u.id "
                "WHERE u.email = :e"
            ),
            {"e": email},
        )
    ).one()
    uid = row[0] if isinstance(row[0], uuid.UUID) else uuid.UUID(str(row[0]))
    oid = row[1] if isinstance(row[1], uuid.UUID) else uuid.UUID(str(row[1]))
    return Actor(uid, oid, Role.ADMIN, row[2], email, "x", "x")


async def measure_org(
    label: str,
    org: dict[str, Any],
    ds: ReadsDataset,
    base_url: str,
    engine: AsyncEngine,
    samples: int,
    repeats: int,
) -> dict[str, Any]:
    factory = create_session_factory(engine)
    client = await login(base_url, org["email"])
    async with factory() as db:
        actor = await _actor(db, org["email"])
    try:
        if label == "big":
            conv_id = ds.huge_conversation_id
        else:
            first = (await get(client, "/api/v1/conversations", {"limit": "1"}))["items"][0]
            conv_id = first["id"]
        paths = build_paths(org, ds, conv_id, actor)
        async with factory() as db:
            cursors = await scroll_cursors(db, actor, uuid.UUID(conv_id), 10)

        async def scroll_http(c: aiohttp.ClientSession, cursor: str | None) -> None:
            params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
            await get(c, f"/api/v1/conversations/{conv_id}/messages", params)

        http_t: dict[str, list[float]] = {name: [] for name in [*(p.name for p in paths), "scroll"]}
        sql_t: dict[str, list[float]] = {name: [] for name in [*(p.name for p in paths), "scroll"]}
        statements: dict[str, list[tuple[str, Any, float]]] = {}
        counts: dict[str, int] = {}
        for p in paths:  # warm-up: plans cached, pages in shared buffers, pools filled
            await p.http(client)
        for _ in range(repeats):
            for p in paths:
                for _ in range(samples):
                    t0 = time.perf_counter()
                    counts[p.name] = await p.http(client)
                    http_t[p.name].append(time.perf_counter() - t0)
                for _ in range(samples):
                    captured: list[tuple[str, Any, float]] = []
                    token = _capture.set(captured)
                    try:
                        async with factory() as db:
                            await p.service(db)
                    finally:
                        _capture.reset(token)
                    sql_t[p.name].append(sum(c[2] for c in captured))
                    statements[p.name] = captured
            for _ in range(max(1, samples // max(1, len(cursors))) if cursors else 0):
                for cursor in cursors:
                    t0 = time.perf_counter()
                    await scroll_http(client, cursor)
                    http_t["scroll"].append(time.perf_counter() - t0)
                    captured = []
                    token = _capture.set(captured)
                    try:
                        async with factory() as db:
                            await messages.list_messages(db, actor, uuid.UUID(conv_id), cursor, 50)
                    finally:
                        _capture.reset(token)
                    sql_t["scroll"].append(sum(c[2] for c in captured))
                    statements["scroll"] = captured
        counts["scroll"] = 1
        results: dict[str, Any] = {}
        for name in http_t:
            if not http_t[name]:
                continue
            plans = await explain(engine, statements[name])
            seq = sorted({t for pl in plans for t in pl["seq_scans_on_big_tables"]})
            results[name] = {
                "requests_per_sample": counts.get(name, 1),
                "http": summary_ms(http_t[name]),
                "sql": summary_ms(sql_t[name]),
                "statements": len(statements[name]),
                "seq_scans_on_big_tables": seq,
                "plans": plans,
            }
        return {"org": org, "conversation_opened": conv_id, "scroll_pages": len(cursors), "paths": results}
    finally:
        await client.close()


async def floors(base_url: str, engine: AsyncEngine, n: int) -> dict[str, Any]:
    """`GET /healthz` through the bench's client, and through httpx for what that client would add."""
    http: list[float] = []
    via_httpx: list[float] = []
    sql: list[float] = []
    async with aiohttp.ClientSession(base_url) as c:
        await get(c, "/healthz")
        for _ in range(n):
            t0 = time.perf_counter()
            await get(c, "/healthz")
            http.append(time.perf_counter() - t0)
    async with httpx.AsyncClient(base_url=base_url) as hc:
        await hc.get("/healthz")
        for _ in range(n):
            t0 = time.perf_counter()
            (await hc.get("/healthz")).raise_for_status()
            via_httpx.append(time.perf_counter() - t0)
    async with engine.connect() as conn:
        for _ in range(n):
            t0 = time.perf_counter()
            await conn.execute(text("SELECT 1"))
            sql.append(time.perf_counter() - t0)
    return {
        "http_healthz": summary_ms(http),
        "http_healthz_httpx": summary_ms(via_httpx),
        "sql_select_1": summary_ms(sql),
    }


async def run(*, quick: bool, repeats: int, sqlite: bool = False, reseed: bool = False) -> dict[str, Any]:
    kind = "sqlite" if sqlite else "postgresql"
    url, ds, reused = await prepare(quick, sqlite, reseed)
    samples = 8 if quick else 15
    config = {
        "database": kind,
        **shape(quick, sqlite),
        "dataset_reused": reused,
        "seed_seconds": ds.seconds,
        "samples_per_path_per_repeat": samples,
        "repeats": repeats,
        "page_size": 50,
        "client": "aiohttp, keep-alive, same machine; app under uvicorn in its own process",
    }
    log(f"reads[{kind}]: {config}")
    engine = create_engine(url)
    instrument(engine)
    out: dict[str, Any] = {"config": config, "dataset": ds.__dict__}
    try:
        with running_app(url, run_worker=False) as app:
            out["floors"] = await floors(app.url, engine, 50)
            for label, org in (("big", ds.big_org), ("tenth", ds.tenth_org), ("small", ds.small_org)):
                log(f"reads[{kind}]: org '{label}' ({org['conversations']:,} conversations)")
                out[label] = await measure_org(label, org, ds, app.url, engine, samples, repeats)
                for name, r in out[label]["paths"].items():
                    log(
                        f"  {name:13s} http p50 {r['http']['p50_ms']:7.2f} p95 {r['http']['p95_ms']:7.2f} | "
                        f"sql p50 {r['sql']['p50_ms']:7.2f} p95 {r['sql']['p95_ms']:7.2f} ms "
                        f"({r['statements']} stmts) seq scans: {r['seq_scans_on_big_tables'] or '-'}"
                    )
    finally:
        await engine.dispose()
    return out


def target_ms(path: str) -> float:
    return 100.0 if path.startswith("search") else 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--repeats", type=int, default=0)
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 2)
    result = asyncio.run(run(quick=args.quick, repeats=repeats, sqlite=args.sqlite, reseed=args.reseed))
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
