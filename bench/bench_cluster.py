"""Issue 14's figures: the multi-node topology of tests/support/cluster.py (two `whatrack serve`
without jobs, two `whatrack worker`, two Centrifugo v6 nodes on Redis, SeaweedFS, the simulator)
under load.

- Ingest through one web process vs two (round-robin, as a load balancer would), webhooks/s and
  latency at concurrency 20 and 100, interleaved per repeat; the outbox drains between runs.
- Webhook → subscriber latency on the node that published vs across nodes: worker 2 is stopped,
  so worker 1 publishes every event through node A; a subscriber on node A and one on node B
  receive the same publications (through Redis either way: the Redis engine routes every
  publication, even to its own node's clients).

Text webhooks from 300 leads (the first message of each creates its lead). On one machine both
webs share its cores with the workers, PostgreSQL, Redis and Centrifugo: read the ratio as what a
second web process buys when the CPU is already shared, not as what a second host buys.

    .venv/bin/python -m bench --only cluster
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

import httpx
from tests.support.cluster import (
    SIM_TOKEN,
    Cluster,
    _is_new_message,
    _login,
    _subscribe,
    _webhook_url,
    running_cluster,
)

from bench.bench_ingest import Load, fire, wait_outbox_empty
from bench.common import log, median, ratio, summary_ms
from whatrack.simulator import payloads as p

LEVELS = (20, 100)


def _load(n: int, rng: random.Random) -> Load:
    phones = [f"55119{6000000 + i:08d}" for i in range(300)]
    bodies = [
        json.dumps(p.text_message(phone=rng.choice(phones), text=f"Oi, tem o modelo {i}?", rng=rng)).encode()
        for i in range(n)
    ]
    return Load(bodies, ["text"] * n)


async def _latency(c: Cluster, api_a: httpx.AsyncClient, api_b: httpx.AsyncClient, org_channel: str, n: int) -> Any:
    """Worker 2 stopped: node A publishes. Each webhook's arrival at a subscriber on A and on B."""
    c.workers[1].stop()
    client_a, on_a = await _subscribe(api_a, c.nodes[0].ws_url, org_channel)
    client_b, on_b = await _subscribe(api_b, c.nodes[1].ws_url, org_channel)
    same: list[float] = []
    across: list[float] = []
    rng = random.Random(7)
    try:
        async with httpx.AsyncClient() as http:
            for i in range(n):
                payload = p.text_message(phone="5511955550000", text=f"latência {i}", rng=rng)
                external_id = payload["event"]["Info"]["ID"]
                t0 = time.perf_counter()
                resp = await http.post(_webhook_url(c, c.webs[0]), json=payload)
                assert resp.status_code == 200, resp.text
                same.append(await on_a.wait_for(_is_new_message(external_id)) - t0)
                across.append(await on_b.wait_for(_is_new_message(external_id)) - t0)
    finally:
        await client_a.disconnect()
        await client_b.disconnect()
    return {"same_node": summary_ms(same), "across_nodes": summary_ms(across)}


async def run(*, quick: bool, repeats: int) -> dict[str, Any]:
    n = {20: 400, 100: 600} if quick else {20: 2000, 100: 3000}
    rng = random.Random(3)
    results: dict[str, Any] = {"levels": {}, "note": __doc__.split("\n\n")[1] if __doc__ else ""}
    with running_cluster() as c:
        api_a, api_b = await _login(c.webs[0].url), await _login(c.webs[1].url)
        try:
            created = await api_a.post(
                "/api/v1/instances", json={"name": "Bench", "baseUrl": c.sim.base_url, "token": SIM_TOKEN}
            )
            assert created.status_code == 201, created.text
            org_id = (await api_a.get("/api/v1/auth/me")).json()["organization"]["id"]
            urls = [_webhook_url(c, web) for web in c.webs]
            await fire(urls[0], _load(300, rng), 20)  # warm-up: every lead exists, pools are open
            await wait_outbox_empty(c.database_url)
            for level, count in n.items():
                runs: dict[str, list[dict[str, Any]]] = {"one_web": [], "two_webs": []}
                for r in range(repeats):
                    for name, target in (("one_web", urls[0]), ("two_webs", urls)):
                        figures = await fire(target, _load(count, rng), level)
                        figures["outbox_drain_s"] = await wait_outbox_empty(c.database_url)
                        runs[name].append(figures)
                        rate, p99 = figures["webhooks_per_s"], figures["p99_ms"]
                        log(f"cluster c={level} {name} #{r + 1}: {rate}/s p99 {p99} ms")
                one = median([f["webhooks_per_s"] for f in runs["one_web"]])
                two = median([f["webhooks_per_s"] for f in runs["two_webs"]])
                results["levels"][str(level)] = {
                    "one_web_per_s": one,
                    "two_webs_per_s": two,
                    "two_over_one": ratio(two, one),
                    "one_web_p99_ms": median([f["p99_ms"] for f in runs["one_web"]]),
                    "two_webs_p99_ms": median([f["p99_ms"] for f in runs["two_webs"]]),
                    "errors": sum(f["errors"] for fs in runs.values() for f in fs),
                    "runs": runs,
                }
            results["latency"] = await _latency(c, api_a, api_b, f"chat:org:{org_id}", 40 if quick else 200)
        finally:
            await api_a.aclose()
            await api_b.aclose()
    return results
