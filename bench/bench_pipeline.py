"""Scenarios 2 and 3: end-to-end latency of one message, one at a time.

2. Webhook -> subscriber: from the webhook POST to a centrifuge-python subscriber of
   chat:conversation:{id} receiving `new_message`; on the real Centrifugo v6 and on the embedded
   hub. Floor: a bare Centrifugo publish (server HTTP API, `cent`) -> the same kind of subscriber.
3. Send: POST /api/v1/whatsapp/messages (agent session) with a WuzAPI simulator on loopback that
   answers at once; response time and time to the `message_status` SENT event on the
   conversation channel (real Centrifugo). Floors: a direct POST to the simulator's
   /chat/send/text, and the bare Centrifugo round trip.

The app runs under uvicorn in its own process on PostgreSQL with the outbox drainer on.
Targets: webhook->subscriber p99 < 50 ms and within 20 ms of the floor's p99; send p99 < 50 ms.

    .venv/bin/python -m bench.bench_pipeline [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from centrifuge import Client, PublicationContext, SubscriptionEventHandler

from bench.common import API_KEY, PASSWORD, SECRET, log, recreate_pg_database, running_app, summary_ms
from bench.seed import IngestTenant, seed_tenant
from whatrack.realtime.centrifugo import CentrifugoPublisher
from whatrack.realtime.tokens import connection_token, subscription_token
from whatrack.simulator import payloads as p
from whatrack.simulator.server import SimulatorServer
from whatrack.simulator.state import SimulatorState


class Arrivals(SubscriptionEventHandler):
    """Stamps each publication with perf_counter() under a key derived from its data."""

    def __init__(self, key: Callable[[dict[str, Any]], str | None]) -> None:
        self.key = key
        self.at: dict[str, float] = {}
        self.changed = asyncio.Event()

    async def on_publication(self, ctx: PublicationContext) -> None:
        k = self.key(ctx.pub.data)
        if k is not None:
            self.at.setdefault(k, time.perf_counter())
            self.changed.set()

    async def wait(self, key: str, within: float = 5.0) -> float | None:
        deadline = time.perf_counter() + within
        while key not in self.at:
            self.changed.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                return None
        return self.at[key]


async def subscribe(ws_url: str, user_id: str, channel: str, handler: Arrivals) -> Client:
    client = Client(ws_url, token=connection_token(user_id, SECRET), timeout=10)
    sub = client.new_subscription(channel, events=handler, token=subscription_token(user_id, channel, SECRET))
    await client.connect()
    await sub.subscribe()
    await sub.ready(10)
    return client


async def bare_centrifugo(cf_url: str, ws_url: str, n: int) -> dict[str, Any]:
    channel = f"chat:bench-floor-{time.time_ns()}"
    handler = Arrivals(lambda d: str(d.get("seq")))
    client = await subscribe(ws_url, "floor-user", channel, handler)
    publisher = CentrifugoPublisher(cf_url, API_KEY)
    latencies: list[float] = []
    try:
        for i in range(n):
            t0 = time.perf_counter()
            await publisher.publish(channel, {"seq": i})
            at = await handler.wait(str(i))
            if at is not None:
                latencies.append(at - t0)
    finally:
        await publisher.close()
        await client.disconnect()
    return {**summary_ms(latencies), "samples_ms": [round(x * 1000, 2) for x in latencies]}


def _new_message_key(data: dict[str, Any]) -> str | None:
    if data.get("type") == "new_message":
        return str(data["data"].get("content"))
    return None


async def webhook_to_subscriber(app_url: str, ws_url: str, tenant: IngestTenant, n: int, tag: str) -> dict[str, Any]:
    phone, conv_id = tenant.phones[0], tenant.conversation_ids[0]
    handler = Arrivals(_new_message_key)
    client = await subscribe(ws_url, tenant.user_id, f"chat:conversation:{conv_id}", handler)
    url = f"{app_url}/api/v1/whatsapp/w/webhook/{tenant.instance_id}?secret={tenant.webhook_secret}"
    e2e: list[float] = []
    answer: list[float] = []
    lost = 0
    try:
        async with aiohttp.ClientSession() as http:
            for i in range(n + 3):  # 3 warm-up messages
                marker = f"{tag}-{i}-{time.time_ns()}"
                body = json.dumps(p.text_message(phone=phone, text=marker)).encode()
                t0 = time.perf_counter()
                async with http.post(url, data=body, headers={"content-type": "application/json"}) as resp:
                    await resp.read()
                    assert resp.status == 200, resp.status
                t1 = time.perf_counter()
                at = await handler.wait(marker)
                if i < 3:
                    continue
                answer.append(t1 - t0)
                if at is None:
                    lost += 1
                else:
                    e2e.append(at - t0)
    finally:
        await client.disconnect()
    return {
        "webhook_to_subscriber": {**summary_ms(e2e), "samples_ms": [round(x * 1000, 2) for x in e2e]},
        "webhook_response": summary_ms(answer),
        "lost": lost,
    }


async def send_path(app_url: str, ws_url: str, tenant: IngestTenant, n: int) -> dict[str, Any]:
    conv_id = tenant.conversation_ids[1]
    ids_by_client: dict[str, str] = {}

    def key(data: dict[str, Any]) -> str | None:
        if data.get("type") == "message_status" and data["data"].get("status") == "SENT":
            return str(data["data"]["messageId"])
        return None

    handler = Arrivals(key)
    client = await subscribe(ws_url, tenant.user_id, f"chat:conversation:{conv_id}", handler)
    response: list[float] = []
    to_sent: list[float] = []
    statuses: dict[str, int] = {}
    lost = 0
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.post(
                f"{app_url}/api/v1/auth/login", json={"email": tenant.email, "password": PASSWORD}
            ) as r:
                csrf = (await r.json())["csrfToken"]
            headers = {"X-CSRF-Token": csrf, "content-type": "application/json"}
            for i in range(n + 3):
                client_id = f"bench-{i}-{time.time_ns()}"
                body = json.dumps({"conversationId": conv_id, "content": f"Resposta {i}", "clientId": client_id})
                t0 = time.perf_counter()
                async with http.post(f"{app_url}/api/v1/whatsapp/messages", data=body, headers=headers) as resp:
                    msg = await resp.json()
                    t1 = time.perf_counter()
                if resp.status != 201:
                    raise RuntimeError(f"send answered {resp.status}: {msg}")
                status = str(msg.get("status"))
                statuses[status] = statuses.get(status, 0) + 1
                ids_by_client[client_id] = str(msg.get("id"))
                at = await handler.wait(str(msg.get("id")))
                if i < 3:
                    continue
                response.append(t1 - t0)
                if at is None:
                    lost += 1
                else:
                    to_sent.append(at - t0)
    finally:
        await client.disconnect()
    return {
        "response": {**summary_ms(response), "samples_ms": [round(x * 1000, 2) for x in response]},
        "to_sent_event": {**summary_ms(to_sent), "samples_ms": [round(x * 1000, 2) for x in to_sent]},
        "answers": statuses,
        "lost": lost,
    }


async def simulator_floor(base_url: str, token: str, phone: str, n: int) -> dict[str, Any]:
    latencies: list[float] = []
    async with aiohttp.ClientSession() as http:
        for i in range(n + 3):
            t0 = time.perf_counter()
            async with http.post(
                f"{base_url}/chat/send/text", json={"Phone": phone, "Body": f"floor {i}"}, headers={"Token": token}
            ) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            if i >= 3:
                latencies.append(time.perf_counter() - t0)
    return summary_ms(latencies)


async def run(*, quick: bool, repeats: int) -> dict[str, Any]:
    from tests.support.centrifugo import running_centrifugo

    n = 40 if quick else 150
    config = {
        "database": "postgresql",
        "samples_per_repeat": n,
        "repeats": repeats,
        "mode": "one message at a time (latency, not load)",
        "subscriber": "centrifuge-python 0.7, same machine",
        "wuzapi": "SimulatorServer on loopback (thread in the bench process), no receipts",
    }
    log(f"pipeline: {config}")
    sim = SimulatorServer(SimulatorState(delivered_delay=3600, read_delay=3600)).start()
    out: dict[str, Any] = {"config": config}
    try:
        url = await recreate_pg_database("whatrack_bench_pipeline")
        tenant = await seed_tenant(url, leads=20, outbound_per_lead=1, base_url=sim.base_url)
        sim.add_user(token=tenant.instance_token, webhook="", name="bench")
        runs: dict[str, list[dict[str, Any]]] = {"floor": [], "centrifugo": [], "embedded": [], "send": [], "sim": []}
        with running_centrifugo(SECRET, API_KEY) as cf:
            with running_app(url, centrifugo_url=cf.url) as app:
                for rep in range(repeats):
                    runs["floor"].append(await bare_centrifugo(cf.url, cf.ws_url, n))
                    runs["centrifugo"].append(await webhook_to_subscriber(app.url, cf.ws_url, tenant, n, f"cf{rep}"))
                    runs["send"].append(await send_path(app.url, cf.ws_url, tenant, n))
                    runs["sim"].append(await simulator_floor(sim.base_url, tenant.instance_token, tenant.phones[1], n))
                    log(
                        f"pipeline rep {rep + 1}: floor p99 {runs['floor'][-1].get('p99_ms')} | centrifugo e2e p99 "
                        f"{runs['centrifugo'][-1]['webhook_to_subscriber'].get('p99_ms')} | send p99 "
                        f"{runs['send'][-1]['response'].get('p99_ms')} / SENT event p99 "
                        f"{runs['send'][-1]['to_sent_event'].get('p99_ms')} ms"
                    )
            with running_app(url) as app:
                for rep in range(repeats):
                    runs["embedded"].append(await webhook_to_subscriber(app.url, app.ws_url, tenant, n, f"hub{rep}"))
                    log(
                        f"pipeline rep {rep + 1}: embedded e2e p99 "
                        f"{runs['embedded'][-1]['webhook_to_subscriber'].get('p99_ms')} ms"
                    )
    finally:
        sim.stop()
    out["runs"] = runs
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=0)
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    print(json.dumps(asyncio.run(run(quick=args.quick, repeats=repeats)), indent=2))


if __name__ == "__main__":
    main()
