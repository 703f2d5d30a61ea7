"""Scenario 5: memory. App RSS idle, and RSS per WebSocket connection on the embedded hub.

Connections are raw `websockets` clients speaking Centrifugo's JSON protocol (connect +
subscribe to the org channel, answering pings), opened in batches from this process.
The same count is opened against the real Centrifugo v6 (memory engine): its RSS per
connection is the floor the hub is compared with. RSS comes from /proc/<pid>/status.
App RSS under scenario 1's load is measured by bench_ingest (peak during the run).

    .venv/bin/python -m bench.bench_memory [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.common import API_KEY, SECRET, child_pids, log, recreate_pg_database, rss_mb, running_app
from bench.seed import seed_tenant
from whatrack.realtime.tokens import connection_token, subscription_token

USERS = 50


class Fleet:
    def __init__(self, ws_url: str, channel: str) -> None:
        self.ws_url = ws_url
        self.channel = channel
        self.conns: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.failed = 0
        self.tokens = [
            (connection_token(f"mem-{u}", SECRET), subscription_token(f"mem-{u}", channel, SECRET))
            for u in range(USERS)
        ]

    async def _one(self, i: int) -> None:
        conn_token, sub_token = self.tokens[i % USERS]
        try:
            ws = await connect(self.ws_url, compression=None, open_timeout=30, ping_interval=None)
            await ws.send(json.dumps({"id": 1, "connect": {"token": conn_token}}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if "error" in reply:
                raise RuntimeError(reply["error"])
            await ws.send(json.dumps({"id": 2, "subscribe": {"channel": self.channel, "token": sub_token}}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if "error" in reply:
                raise RuntimeError(reply["error"])
        except (OSError, TimeoutError, RuntimeError, ConnectionClosed):
            self.failed += 1
            return
        self.conns.append(ws)
        self.readers.append(asyncio.create_task(self._pong(ws)))

    @staticmethod
    async def _pong(ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for frame in ws:
                if frame == "{}":
                    await ws.send("{}")

    async def grow_to(self, n: int, batch: int = 200) -> float:
        started = time.perf_counter()
        while len(self.conns) + self.failed < n:
            todo = min(batch, n - len(self.conns) - self.failed)
            base = len(self.conns) + self.failed
            await asyncio.gather(*(self._one(base + k) for k in range(todo)))
        return round(time.perf_counter() - started, 1)

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.conns), return_exceptions=True)
        await asyncio.gather(*self.readers, return_exceptions=True)


async def measure(ws_url: str, pid: int, channel: str, counts: list[int]) -> dict[str, Any]:
    await asyncio.sleep(0.5)
    base = rss_mb(pid)
    fleet = Fleet(ws_url, channel)
    points = []
    try:
        for n in counts:
            seconds = await fleet.grow_to(n)
            await asyncio.sleep(1.0)
            now = rss_mb(pid)
            open_ = len(fleet.conns)
            points.append(
                {
                    "connections": open_,
                    "failed": fleet.failed,
                    "open_seconds": seconds,
                    "rss_mb": now,
                    "kb_per_connection": round((now - base) * 1024 / max(1, open_), 1),
                }
            )
            log(
                f"  {open_} connections ({fleet.failed} failed): RSS {now} MiB, "
                f"{points[-1]['kb_per_connection']} kB each"
            )
    finally:
        await fleet.close()
    return {"rss_before_mb": base, "points": points}


async def run(*, quick: bool) -> dict[str, Any]:
    from tests.support.centrifugo import running_centrifugo

    counts = [200, 1000] if quick else [1000, 5000]
    config = {"connections": counts, "client": "websockets (raw Centrifugo JSON protocol), one subscription each"}
    log(f"memory: {config}")
    url = await recreate_pg_database("whatrack_bench_memory")
    tenant = await seed_tenant(url, leads=5, outbound_per_lead=1, base_url="")
    channel = f"chat:org:{tenant.organization_id}"
    out: dict[str, Any] = {"config": config}
    with running_app(url) as app:
        await asyncio.sleep(2.0)
        out["app_idle_rss_mb"] = app.rss_mb()
        log(f"memory: app idle RSS {out['app_idle_rss_mb']} MiB; embedded hub:")
        out["hub"] = await measure(app.ws_url, app.pid, channel, counts)
    with running_centrifugo(SECRET, API_KEY) as cf:
        pids = child_pids("centrifugo")
        if pids:
            log("memory: Centrifugo (floor):")
            out["centrifugo"] = await measure(cf.ws_url, pids[0], channel, counts)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(quick=args.quick)), indent=2))


if __name__ == "__main__":
    main()
