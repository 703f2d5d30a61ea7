"""The multi-node topology on loopback, without Docker (`make cluster`, tests/integration/test_cluster.py).

PostgreSQL and Redis from scripts/services.sh (a fresh database and a fresh Redis key prefix per
run), two Centrifugo v6 nodes on the Redis engine, two `whatrack serve` (RUN_WORKER=false) each
publishing through its own node, two `whatrack worker`, SeaweedFS (S3 media), and the WuzAPI
simulator. `check()` proves that they work as one:

- a webhook POSTed to web A reaches a subscriber on Centrifugo node B (latency measured);
- a send through web B reaches the simulator and its SENT status reaches a subscriber on node A;
- typing through web A reaches a subscriber on node B; presence lists subscribers of both nodes;
- a client that leaves node B and comes back on node A recovers what it missed (Redis history);
- a media file received through web A is served through web B (S3, presigned redirect);
- SIGKILL of web A and worker 1 mid-load: every webhook answered 2xx is stored, the outbox
  drains, and no message reaches a subscriber twice;
- scheduled messages falling due as the load starts (both workers race for them, one is killed
  mid-wave) and after the kill: none reaches WhatsApp or a subscriber twice; a row the killed
  worker held stays leased (never re-sent: its outcome is unknown), every other one is SENT.

    .venv/bin/python -m tests.support.cluster          # start, check, print the figures, stop
    .venv/bin/python -m tests.support.cluster --keep   # ... then keep running until Ctrl+C
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from centrifuge import Client, PublicationContext, StreamPosition, SubscribedContext, SubscriptionEventHandler

from tests.support.centrifugo import centrifugo_binary, free_port, memory_config
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, new_bucket, s3_endpoint
from whatrack.simulator import payloads as p
from whatrack.simulator.server import SimulatorServer
from whatrack.simulator.state import SimUser

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_PORT = int(os.environ.get("WHATRACK_TEST_PG_PORT", "55432"))
REDIS_PORT = int(os.environ.get("WHATRACK_TEST_REDIS_PORT", "56379"))
PG_ADMIN = f"postgresql://whatrack:whatrack@127.0.0.1:{PG_PORT}/postgres"
SECRET = "cluster-token-secret-0123456789abcdef0123456789"
API_KEY = "cluster-api-key"
ADMIN_EMAIL = "admin@cluster.local"
ADMIN_PASSWORD = "cluster-Pass-7d1f"
SIM_TOKEN = "cluster-wuzapi-token"
T = TypeVar("T")


def _in_thread(coro: Awaitable[T]) -> T:
    """Run a coroutine to completion on a fresh loop in another thread (callable from a running loop)."""
    out: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out.append(asyncio.run(coro))  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return out[0]


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str = ""  # web and Centrifugo: http://127.0.0.1:PORT

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/connection/websocket"

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, in-flight requests cut."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


@dataclass
class Cluster:
    database_url: str  # postgresql+asyncpg://
    dsn: str  # postgresql:// for asyncpg
    bucket: str
    nodes: list[Proc]
    webs: list[Proc]
    workers: list[Proc]
    sim: SimulatorServer
    user: SimUser
    workdir: Path
    figures: dict[str, Any] = field(default_factory=dict)


def _wait_http(url: str, proc: Proc, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited:\n{proc.log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{proc.name} not ready at {url} in {timeout}s:\n{proc.log.read_text(errors='replace')[-3000:]}")


def _spawn(name: str, cmd: list[str], env: dict[str, str], workdir: Path) -> Proc:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Proc(name, popen, log)


def _centrifugo(name: str, workdir: Path, prefix: str) -> Proc:
    port = free_port()
    config = memory_config(SECRET, API_KEY, port)
    config["engine"] = {"type": "redis", "redis": {"address": f"127.0.0.1:{REDIS_PORT}", "prefix": prefix}}
    path = workdir / f"{name}.json"
    path.write_text(json.dumps(config, indent=2))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRIFUGO_")}
    proc = _spawn(name, [str(centrifugo_binary()), "-c", str(path)], env, workdir)
    proc.url = f"http://127.0.0.1:{port}"
    _wait_http(proc.url + "/health", proc, 20)
    return proc


def _app_env(database_url: str, node: Proc, bucket: str, public_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CENTRIFUGO_", "DATABASE_URL", "DEMO", "MEDIA_", "S3_", "RUN_WORKER"))
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "PUBLIC_URL": public_url,
            "RUN_WORKER": "false",
            "CENTRIFUGO_URL": node.url,
            "CENTRIFUGO_API_KEY": API_KEY,
            "CENTRIFUGO_TOKEN_SECRET": SECRET,
            "CENTRIFUGO_WS_URL": node.ws_url,
            "MEDIA_STORE_URL": f"s3://{bucket}/media",
            "S3_ENDPOINT_URL": s3_endpoint(),
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            "LOG_LEVEL": "WARNING",
            "DEMO": "false",
        }
    )
    return env


WHATRACK = str(Path(sys.executable).parent / "whatrack")


def _web(name: str, database_url: str, node: Proc, bucket: str, workdir: Path) -> Proc:
    """Spawned, not waited for (see _wait_http)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _app_env(database_url, node, bucket, url)
    proc = _spawn(name, [WHATRACK, "serve", "--no-demo", "--port", str(port)], env, workdir)
    proc.url = url
    return proc


async def _recreate_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _wait_listening(dsn: str, count: int, workers: list[Proc], within: float = 90) -> None:
    """Until every worker's drainer LISTENs (it is then connected and draining)."""
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + within
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'"
        while await conn.fetchval(query) < count:
            for w in workers:
                if w.popen.poll() is not None:
                    raise RuntimeError(f"{w.name} exited:\n{w.log.read_text(errors='replace')[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError("the workers did not start draining")
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


@contextlib.contextmanager
def running_cluster(keep_database: bool = False) -> Iterator[Cluster]:
    s3_endpoint()  # starts scripts/services.sh when SeaweedFS (and so the rest) is not up
    run = secrets.token_hex(4)
    db_name = f"whatrack_cluster_{run}"
    _in_thread(_recreate_database(db_name))
    dsn = f"postgresql://whatrack:whatrack@127.0.0.1:{PG_PORT}/{db_name}"
    database_url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    procs: list[Proc] = []
    sim = SimulatorServer().start()
    with tempfile.TemporaryDirectory(prefix="whatrack-cluster-") as tmp:
        workdir = Path(tmp)
        try:
            user = sim.add_user(token=SIM_TOKEN, name="Cluster")
            prefix = f"wt{run}"
            nodes = [_centrifugo("centrifugo-a", workdir, prefix), _centrifugo("centrifugo-b", workdir, prefix)]
            procs += nodes
            bucket = new_bucket()
            # web A migrates the database and creates the admin; then web B and both workers
            # start side by side (their migration step finds the database at head)
            webs = [_web("web-a", database_url, nodes[0], bucket, workdir)]
            procs.append(webs[0])
            _wait_http(webs[0].url + "/readyz", webs[0], 90)
            webs.append(_web("web-b", database_url, nodes[1], bucket, workdir))
            procs.append(webs[1])
            workers: list[Proc] = []
            for name, node in (("worker-1", nodes[0]), ("worker-2", nodes[1])):
                env = _app_env(database_url, node, bucket, webs[0].url)
                workers.append(_spawn(name, [WHATRACK, "worker"], env, workdir))
                procs.append(workers[-1])
            _wait_http(webs[1].url + "/readyz", webs[1], 90)
            _in_thread(_wait_listening(dsn, len(workers), workers))
            yield Cluster(database_url, dsn, bucket, nodes, webs, workers, sim, user, workdir)
        except BaseException:
            for proc in procs:
                if proc.log.exists():
                    sys.stderr.write(f"--- {proc.name}\n{proc.log.read_text(errors='replace')[-2000:]}\n")
            raise
        finally:
            for proc in reversed(procs):
                proc.stop()
            sim.stop()
            if not keep_database:
                _in_thread(_drop_database(db_name))


# --- the checks -----------------------------------------------------------------------------------
class Collector(SubscriptionEventHandler):
    def __init__(self) -> None:
        self.items: list[tuple[float, dict[str, Any]]] = []
        self.changed = asyncio.Event()

    async def on_publication(self, ctx: PublicationContext) -> None:
        self.items.append((time.perf_counter(), ctx.pub.data))
        self.changed.set()

    async def wait_for(self, match: Callable[[dict[str, Any]], bool], within: float = 10) -> float:
        """The arrival time of the first publication that matches."""
        deadline = time.perf_counter() + within
        while True:
            for at, data in self.items:
                if match(data):
                    return at
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("no matching publication")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)


async def _login(url: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=30)
    resp = await client.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert resp.status_code == 200, resp.text
    client.headers["X-CSRF-Token"] = resp.json()["csrfToken"]
    return client


async def _subscribe(api: httpx.AsyncClient, ws_url: str, channel: str) -> tuple[Client, Collector]:
    """A browser-side client: tokens from the app, WebSocket to the given Centrifugo node."""
    token = (await api.post("/api/v1/chat/centrifugo/token")).json()["token"]
    sub_token = await api.post("/api/v1/chat/centrifugo/subscription-token", json={"channel": channel})
    assert sub_token.status_code == 200, sub_token.text
    client = Client(ws_url, token=token)
    collector = Collector()
    sub = client.new_subscription(channel, token=sub_token.json()["token"], events=collector)
    await client.connect()
    await sub.subscribe()
    await sub.ready(10)
    return client, collector


def _webhook_url(c: Cluster, web: Proc) -> str:
    """The instance's webhook URL (set on the simulator user by the app) on the given web."""
    path = c.user.webhook.split("/api/", 1)[1]
    return f"{web.url}/api/{path}"


def _is_new_message(external_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda d: d.get("type") == "new_message" and d["data"].get("externalId") == external_id


async def check(c: Cluster, *, load: int = 240, concurrency: int = 12, scheduled: int = 20) -> dict[str, Any]:
    web_a, web_b = c.webs
    node_a, node_b = c.nodes
    api_a, api_b = await _login(web_a.url), await _login(web_b.url)
    clients: list[Client] = []
    try:
        created = await api_a.post(
            "/api/v1/instances", json={"name": "Cluster", "baseUrl": c.sim.base_url, "token": SIM_TOKEN}
        )
        assert created.status_code == 201, created.text
        assert c.user.webhook.startswith(web_a.url), c.user.webhook  # the app pointed WuzAPI at web A
        org_id = (await api_a.get("/api/v1/auth/me")).json()["organization"]["id"]
        org_channel = f"chat:org:{org_id}"
        client_b, on_b = await _subscribe(api_b, node_b.ws_url, org_channel)
        clients.append(client_b)

        # 1. webhook into web A -> subscriber on node B (the worker publishes: webs run no jobs)
        latencies = []
        for i in range(5):
            payload = p.text_message(phone="5511900000001", text=f"Olá {i}")
            external_id = payload["event"]["Info"]["ID"]
            t0 = time.perf_counter()
            async with httpx.AsyncClient() as http:
                resp = await http.post(_webhook_url(c, web_a), json=payload)
            assert resp.status_code == 200, resp.text
            latencies.append((await on_b.wait_for(_is_new_message(external_id))) - t0)
        c.figures["webhook_to_other_node_ms"] = [round(x * 1000) for x in latencies]
        conv = (await api_b.get("/api/v1/conversations")).json()["items"][0]

        # 2. send through web B -> simulator; SENT reaches a subscriber on node A
        client_a, on_a = await _subscribe(api_a, node_a.ws_url, f"chat:conversation:{conv['id']}")
        clients.append(client_a)
        before = len(c.sim.state.requests)
        sent = await api_b.post(
            "/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "Oi!", "clientId": "c-1"}
        )
        assert sent.status_code == 201 and sent.json()["status"] == "SENT", sent.text
        msg_id = sent.json()["id"]
        assert any(r.path == "/chat/send/text" for r in c.sim.state.requests[before:]), "the simulator got no send"
        await on_a.wait_for(
            lambda d: (
                d.get("type") in ("message_status", "message_updated", "new_message")
                and (d["data"].get("messageId") or d["data"].get("id")) == msg_id
                and d["data"].get("status") in ("SENT", "DELIVERED", "READ")
            )
        )

        # 3. typing through web A (published directly by web A to node A) -> subscriber on node B
        client_b2, on_b2 = await _subscribe(api_b, node_b.ws_url, f"chat:conversation:{conv['id']}")
        clients.append(client_b2)
        typed = await api_a.post(f"/api/v1/conversations/{conv['id']}/typing", json={"isTyping": True})
        assert typed.status_code == 204, typed.text
        await on_b2.wait_for(lambda d: d.get("type") == "typing")

        # presence is shared: the conversation's subscribers on node A and node B are both listed
        sub_b2 = client_b2.get_subscription(f"chat:conversation:{conv['id']}")
        assert sub_b2 is not None
        assert len((await sub_b2.presence()).clients) >= 2

        # history recovery on the other node: a client leaves node B, a message arrives, a new
        # client on node A resumes from the position the first one had and gets what it missed
        c.figures["recovered_on_other_node"] = await _recovers_across_nodes(c, api_a, api_b, org_channel)

        # 4. media received through web A, served through web B (S3)
        image = b"\x89PNG\r\n\x1a\n" + os.urandom(20_000)
        media = p.media_message(kind="image", data=image, mime_type="image/png", phone="5511900000001")
        async with httpx.AsyncClient() as http:
            assert (await http.post(_webhook_url(c, web_a), json=media)).status_code == 200
            items = (await api_b.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
            received = next(m for m in items if m["messageType"] == "IMAGE")
            redirect = await api_b.get(f"/api/v1/media/{received['id']}")
            assert redirect.status_code == 307, redirect.text
            got = await http.get(redirect.headers["location"])
            assert got.status_code == 200 and got.content == image

        # 5. load through both webs; SIGKILL web A and worker 1 a third of the way in. Mixed in:
        # scheduled messages falling due during the load (both workers race for them), then more
        # after the kill (the surviving worker sends them all)
        first_wave = await _schedule(api_b, conv["id"], "agendada-1", scheduled)
        await _claimed(c, first_wave)  # the workers are on it: the load (and the kill) start now
        c.figures.update(await _load_with_kills(c, on_b, load, concurrency))
        second_wave = await _schedule(api_b, conv["id"], "agendada-2", scheduled)
        c.figures.update(await _scheduled_sent_once(c, on_b, first_wave, second_wave))
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await client.disconnect()
        await api_a.aclose()
        await api_b.aclose()
    return c.figures


class Positioned(Collector):
    def __init__(self) -> None:
        super().__init__()
        self.subscribed: list[SubscribedContext] = []

    async def on_subscribed(self, ctx: SubscribedContext) -> None:
        self.subscribed.append(ctx)


async def _recoverable(
    api: httpx.AsyncClient, ws_url: str, channel: str, since: StreamPosition | None
) -> tuple[Client, Positioned]:
    token = (await api.post("/api/v1/chat/centrifugo/token")).json()["token"]
    sub_token = (await api.post("/api/v1/chat/centrifugo/subscription-token", json={"channel": channel})).json()
    client = Client(ws_url, token=token)
    handler = Positioned()

    async def state(_: str) -> StreamPosition:
        assert since is not None
        return since

    sub = client.new_subscription(
        channel, token=sub_token["token"], events=handler, recoverable=True, get_state=state if since else None
    )
    await client.connect()
    await sub.subscribe()
    await sub.ready(10)
    return client, handler


async def _recovers_across_nodes(c: Cluster, api_a: httpx.AsyncClient, api_b: httpx.AsyncClient, channel: str) -> int:
    first, on_first = await _recoverable(api_b, c.nodes[1].ws_url, channel, None)
    position = on_first.subscribed[0].stream_position
    assert position is not None, "the org channel has no history stream"
    await first.disconnect()
    missed = p.text_message(phone="5511900000002", text="enquanto estava fora")
    async with httpx.AsyncClient() as http:
        assert (await http.post(_webhook_url(c, c.webs[0]), json=missed)).status_code == 200
    # published (and kept in the Redis history) before the client comes back
    conn = await asyncpg.connect(c.dsn)
    try:
        deadline = time.monotonic() + 20
        while await conn.fetchval("SELECT count(*) FROM outbox") and time.monotonic() < deadline:  # noqa: ASYNC110 - another process's table
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    second, on_second = await _recoverable(api_a, c.nodes[0].ws_url, channel, position)
    try:
        await on_second.wait_for(_is_new_message(missed["event"]["Info"]["ID"]))
        assert on_second.subscribed[0].recovered, "the subscription did not recover"
        return sum(1 for _, d in on_second.items if d.get("type") == "new_message")
    finally:
        await second.disconnect()


async def _schedule(api: httpx.AsyncClient, conversation_id: str, label: str, count: int) -> list[str]:
    """`count` scheduled messages due two seconds from now; their texts."""
    send_at = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    texts = [f"{label} {i}" for i in range(count)]
    for text in texts:
        resp = await api.post(
            "/api/v1/scheduled-messages", json={"conversationId": conversation_id, "content": text, "sendAt": send_at}
        )
        assert resp.status_code == 201, resp.text
    return texts


async def _claimed(c: Cluster, texts: list[str], within: float = 20) -> None:
    """Until a worker has claimed (or sent) one of these scheduled messages."""
    conn = await asyncpg.connect(c.dsn)
    try:
        deadline = time.monotonic() + within
        query = (
            "SELECT count(*) FROM scheduled_messages"
            " WHERE content = ANY($1::text[]) AND (not_before IS NOT NULL OR status = 'SENT')"
        )
        while not await conn.fetchval(query, texts):
            if time.monotonic() > deadline:
                raise TimeoutError("no worker claimed a due scheduled message")
            await asyncio.sleep(0.02)
    finally:
        await conn.close()


async def _scheduled_sent_once(
    c: Cluster, on_b: Collector, first_wave: list[str], second_wave: list[str]
) -> dict[str, Any]:
    """No scheduled message reached WhatsApp (the simulator) or a subscriber twice. The first wave
    fell due while both workers ran: a row held by the killed worker stays leased (its outcome is
    unknown, so it is never sent again); every other row is SENT. The second wave fell due after the
    kill: the surviving worker sends all of it."""
    conn = await asyncpg.connect(c.dsn)
    try:
        deadline = time.monotonic() + 30
        while True:  # until the second wave is out and no first-wave row is unclaimed
            rows = await conn.fetch("SELECT content, status, not_before FROM scheduled_messages")
            by_text = {r["content"]: r for r in rows}
            settled = all(by_text[t]["status"] == "SENT" for t in second_wave) and all(
                by_text[t]["status"] == "SENT" or by_text[t]["not_before"] is not None for t in first_wave
            )
            if settled or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    statuses = {t: by_text[t]["status"] for t in first_wave + second_wave}
    assert all(statuses[t] == "SENT" for t in second_wave), statuses
    held = [t for t in first_wave if statuses[t] != "SENT"]
    assert all(statuses[t] == "PENDING" and by_text[t]["not_before"] is not None for t in held), statuses
    sent = [m.text for m in c.sim.state.sent_messages]
    twice = [t for t in first_wave + second_wave if sent.count(t) > 1]
    assert not twice, f"sent twice to WhatsApp: {twice}"
    assert all(sent.count(t) == 1 for t in first_wave + second_wave if statuses[t] == "SENT")
    deadline = time.monotonic() + 15
    wanted = {t for t, s in statuses.items() if s == "SENT"}
    while time.monotonic() < deadline:
        seen = [d["data"].get("content") for _, d in on_b.items if d.get("type") == "new_message"]
        if wanted <= set(seen):
            break
        await asyncio.sleep(0.1)
    seen = [d["data"].get("content") for _, d in on_b.items if d.get("type") == "new_message"]
    assert wanted <= set(seen), f"never reached the subscriber: {wanted - set(seen)}"
    assert not [t for t in wanted if seen.count(t) > 1], "a scheduled message reached the subscriber twice"
    return {
        "scheduled": len(first_wave) + len(second_wave),
        "scheduled_sent": len(wanted),
        "scheduled_held_by_killed_worker": len(held),
    }


async def _load_with_kills(c: Cluster, on_b: Collector, load: int, concurrency: int) -> dict[str, Any]:
    web_a, web_b = c.webs
    urls = [_webhook_url(c, web_a), _webhook_url(c, web_b)]
    payloads = [p.text_message(phone=f"55119{7000000 + i:08d}", text=f"carga {i}") for i in range(load)]
    ok: list[str] = []
    errors: list[str] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(load):
        queue.put_nowait(i)
    killed = asyncio.Event()

    async def sender(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            if i == load // 3 and not killed.is_set():
                killed.set()
                c.webs[0].kill()
                c.workers[0].kill()
            try:
                resp = await http.post(urls[i % 2], json=payloads[i])
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            if 200 <= resp.status_code < 300:
                ok.append(payloads[i]["event"]["Info"]["ID"])
            else:
                errors.append(str(resp.status_code))

    t0 = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(*(sender(http) for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0

    conn = await asyncpg.connect(c.dsn)
    try:
        stored = await conn.fetchval("SELECT count(*) FROM messages WHERE external_id = ANY($1::text[])", ok)
        deadline = time.monotonic() + 30
        while (left := await conn.fetchval("SELECT count(*) FROM outbox")) and time.monotonic() < deadline:  # noqa: ASYNC110 - another process's table
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    assert stored == len(ok), f"{len(ok) - stored} webhooks answered 2xx are not stored"
    assert left == 0, f"{left} outbox rows left"
    # every stored message reaches the subscriber on node B, once
    want = set(ok)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        seen = [d["data"]["externalId"] for _, d in on_b.items if d.get("type") == "new_message"]
        if want <= set(seen):
            break
        await asyncio.sleep(0.1)
    seen = [d["data"]["externalId"] for _, d in on_b.items if d.get("type") == "new_message"]
    missing = want - set(seen)
    assert not missing, f"{len(missing)} stored messages never reached the subscriber"
    twice = [x for x in set(seen) if seen.count(x) > 1]
    assert not twice, f"{len(twice)} messages reached the subscriber twice"
    return {
        "load_webhooks": load,
        "load_2xx": len(ok),
        "load_errors": len(errors),
        "load_error_kinds": sorted(set(errors)),
        "load_seconds": round(elapsed, 2),
        "load_webhooks_per_s": round(len(ok) / elapsed, 1),
    }


def main() -> None:
    keep = "--keep" in sys.argv
    t0 = time.perf_counter()
    with running_cluster() as c:
        started = time.perf_counter() - t0
        figures = _in_thread(check(c))
        figures["startup_seconds"] = round(started, 1)
        figures["webhook_to_other_node_ms_median"] = statistics.median(figures["webhook_to_other_node_ms"])
        print(json.dumps(figures, indent=2))
        if keep:
            print(
                f"web B {c.webs[1].url} (web A and worker 1 were killed by the check), "
                f"Centrifugo {c.nodes[0].url} {c.nodes[1].url}; log in as {ADMIN_EMAIL} / {ADMIN_PASSWORD}. "
                "Ctrl+C stops."
            )
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(1)


if __name__ == "__main__":
    main()
