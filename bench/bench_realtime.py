"""Publish -> receive latency and throughput: embedded hub vs real Centrifugo v6, side by side.

    .venv/bin/python -m bench.bench_realtime            # 1000 clients
    .venv/bin/python -m bench.bench_realtime --quick    # 100 clients

Both servers run in their own process on loopback with the same config (derived from
config/centrifugo.json, memory engine). Both are published to over HTTP (the hub through
a tiny bench-only endpoint that calls Hub.publish, Centrifugo through CentrifugoPublisher);
the subscribers are centrifuge-python 0.7 clients in this process. Prints JSON.

Scenarios, per server:
  one_channel   N subscribers on one channel. Latency: publications sent one at a time, each
                waited for on all N clients. Throughput: a burst of publications, timed until
                every client has them all.
  n_channels    N channels with one subscriber each; one publication per channel, sent with
                bounded concurrency; timed until every client has its one.
Numbers are bounded by this single Python client process (it decodes every delivery), so
compare the two servers with each other rather than with published Centrifugo figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from centrifuge import Client, PublicationContext, SubscriptionEventHandler
from tests.support.centrifugo import free_port, memory_config, running_centrifugo

from whatrack.realtime.centrifugo import CentrifugoPublisher
from whatrack.realtime.tokens import connection_token, subscription_token

SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"
API_KEY = "bench-api-key"
REPO_ROOT = Path(__file__).resolve().parents[1]


# --- the hub in its own process ----------------------------------------------------------


def serve_hub(port: int) -> None:
    """Child process: uvicorn + Hub + POST /publish (bench only)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route, WebSocketRoute

    from whatrack.realtime.hub import Hub, HubConfig

    hub = Hub(HubConfig.from_centrifugo_dict(memory_config(SECRET, API_KEY, port), token_secret=SECRET))
    gc.freeze()  # as whatrack.app does once started (see its lifespan)

    async def publish(request: Request) -> JSONResponse:
        body = await request.json()
        await hub.publish(body["channel"], body["data"])
        return JSONResponse({})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({})

    app = Starlette(
        routes=[
            Route("/publish", publish, methods=["POST"]),
            Route("/health", health),
            WebSocketRoute("/connection/websocket", hub.websocket_endpoint),
        ]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws_per_message_deflate=False, lifespan="off")


@contextlib.contextmanager
def running_hub() -> Any:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_realtime", "--serve-hub", str(port)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + str(REPO_ROOT / "src")},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("hub did not start")
            time.sleep(0.05)
        yield url, f"ws://127.0.0.1:{port}/connection/websocket"
    finally:
        proc.terminate()
        proc.wait(10)


# --- subscribers ---------------------------------------------------------------------------


@dataclass
class Collector(SubscriptionEventHandler):
    latencies: list[float]
    counter: list[int]
    seen: int = 0

    async def on_publication(self, ctx: PublicationContext) -> None:
        self.latencies.append(time.time() - ctx.pub.data["t"])
        self.seen += 1
        self.counter[0] += 1


@dataclass
class Fleet:
    clients: list[Client] = field(default_factory=list)
    collectors: list[Collector] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    counter: list[int] = field(default_factory=lambda: [0])

    async def start(self, ws_url: str, channels: list[str]) -> None:
        async def one(i: int, channel: str) -> None:
            user = f"u{i}"
            client = Client(ws_url, token=connection_token(user, SECRET), proxy=None, timeout=30)
            collector = Collector(self.latencies, self.counter)
            sub = client.new_subscription(channel, events=collector, token=subscription_token(user, channel, SECRET))
            self.clients.append(client)
            self.collectors.append(collector)
            await client.connect()
            await sub.subscribe()
            await sub.ready(timeout=60)

        batch = 100
        for start in range(0, len(channels), batch):
            await asyncio.gather(*(one(i, ch) for i, ch in enumerate(channels[start : start + batch], start)))

    async def wait_total(self, total: int, within: float) -> bool:
        deadline = time.monotonic() + within
        while self.counter[0] < total:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.001)
        return True

    async def stop(self) -> None:
        await asyncio.gather(*(c.disconnect() for c in self.clients), return_exceptions=True)


def _summary(latencies: list[float]) -> dict[str, float]:
    if not latencies:
        return {}
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(p99 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


Publish = Callable[[str, dict[str, Any]], Awaitable[None]]


async def one_channel(ws_url: str, publish: Publish, n: int, sequential: int, burst: int) -> dict[str, Any]:
    channel = f"chat:bench-one-{time.time_ns()}"
    fleet = Fleet()
    started = time.monotonic()
    await fleet.start(ws_url, [channel] * n)
    connect_s = time.monotonic() - started
    # latency, one publication in flight
    for i in range(sequential):
        await publish(channel, {"t": time.time(), "seq": i})
        if not await fleet.wait_total(n * (i + 1), 30):
            break
    latency = _summary(fleet.latencies)
    delivered_seq = fleet.counter[0]
    # throughput, a burst
    fleet.latencies.clear()
    base = fleet.counter[0]
    started = time.monotonic()
    for i in range(burst):
        await publish(channel, {"t": time.time(), "seq": sequential + i})
    publish_s = time.monotonic() - started
    complete = await fleet.wait_total(base + n * burst, 120)
    total_s = time.monotonic() - started
    delivered = fleet.counter[0] - base
    await fleet.stop()
    return {
        "clients": n,
        "connect_and_subscribe_s": round(connect_s, 2),
        "latency_sequential": {"publications": sequential, "deliveries": delivered_seq, **latency},
        "burst": {
            "publications": burst,
            "deliveries": delivered,
            "complete": complete,
            "publish_calls_per_s": round(burst / publish_s, 1),
            "publications_per_s_delivered_to_all": round(burst / total_s, 1),
            "deliveries_per_s": round(delivered / total_s, 1),
            **_summary(fleet.latencies),
        },
    }


async def n_channels(ws_url: str, publish: Publish, n: int, concurrency: int = 32) -> dict[str, Any]:
    prefix = f"chat:bench-n-{time.time_ns()}"
    channels = [f"{prefix}-{i}" for i in range(n)]
    fleet = Fleet()
    started = time.monotonic()
    await fleet.start(ws_url, channels)
    connect_s = time.monotonic() - started
    gate = asyncio.Semaphore(concurrency)

    async def send(ch: str) -> None:
        async with gate:
            await publish(ch, {"t": time.time()})

    started = time.monotonic()
    await asyncio.gather(*(send(ch) for ch in channels))
    complete = await fleet.wait_total(n, 60)
    total_s = time.monotonic() - started
    await fleet.stop()
    return {
        "channels": n,
        "connect_and_subscribe_s": round(connect_s, 2),
        "publish_concurrency": concurrency,
        "complete": complete,
        "publications_per_s": round(fleet.counter[0] / total_s, 1),
        **_summary(fleet.latencies),
    }


async def bench_server(name: str, ws_url: str, publish: Publish, n: int, sequential: int, burst: int) -> Any:
    print(f"[{name}] one channel x {n} subscribers", file=sys.stderr)
    one = await one_channel(ws_url, publish, n, sequential, burst)
    print(f"[{name}] {n} channels x 1 subscriber", file=sys.stderr)
    many = await n_channels(ws_url, publish, n)
    return {"one_channel": one, "n_channels": many}


async def run(n: int, sequential: int, burst: int) -> dict[str, Any]:
    results: dict[str, Any] = {
        "clients": n,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    with running_hub() as (hub_url, hub_ws):
        # aiohttp, like `cent` for Centrifugo (httpx costs ~3 ms per request here).
        async with aiohttp.ClientSession() as http:

            async def hub_publish(channel: str, data: dict[str, Any]) -> None:
                async with http.post(f"{hub_url}/publish", json={"channel": channel, "data": data}) as resp:
                    resp.raise_for_status()

            results["hub"] = await bench_server("hub", hub_ws, hub_publish, n, sequential, burst)
    with running_centrifugo(SECRET, API_KEY) as cf:
        publisher = CentrifugoPublisher(cf.url, cf.api_key, timeout=30)
        try:
            results["centrifugo"] = await bench_server("centrifugo", cf.ws_url, publisher.publish, n, sequential, burst)
        finally:
            await publisher.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100 clients, fewer publications")
    parser.add_argument("--serve-hub", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_hub:
        serve_hub(args.serve_hub)
        return
    n = 100 if args.quick else args.clients
    sequential, burst = (20, 50) if args.quick else (30, 100)
    print(json.dumps(asyncio.run(run(n, sequential, burst)), indent=2))


if __name__ == "__main__":
    main()
