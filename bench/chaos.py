"""`make chaos` — issue 18 findings 1-3 reproduced against a real `whatrack serve` on PostgreSQL.

    .venv/bin/python -m bench.chaos                       # all scenarios, WuzAPI-like retries on
    .venv/bin/python -m bench.chaos --messages 600 --no-retries
    .venv/bin/python -m bench.chaos --only restart

The WuzAPI simulator posts the webhooks, one task per event like WuzAPI's goroutines, retrying
like WuzAPI (`WEBHOOK_RETRY_*`: count = total attempts, delay x 2^(n-2), any non-2xx or network
error fails), with the delay scaled down (`--retry-delay`, default 1 s: 31 s of retries in all,
where compose's 5 s give 155 s) so a run takes a minute, not ten.

* restart  (finding 1): a stream of webhooks; `kill -9` of the app a third of the way in, a
  restart on the same port a few seconds later.
* overload (finding 2): a burst far above what the app stores, against WEBHOOK_QUEUE_MAX=16.
* send     (finding 3): a send whose answer WuzAPI holds; `kill -9` mid-send; after the restart
  the message is still PENDING, the worker's job (its clock moved past the send timeout) marks
  it FAILED "interrupted", and the browser's re-send with the same clientId sends it with the
  same WhatsApp id.

Printed per scenario: webhooks sent / stored / duplicated / lost, events published (new_message
publications in the conversations' Centrifugo history, when the Centrifugo binary is there),
5xx answers, 503 shed, connection errors. Exit 1 if anything was lost or duplicated with
retries on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from bench.common import REPO_ROOT, free_port, log, recreate_pg_database
from whatrack.auth import service as auth
from whatrack.db import create_engine, create_session_factory, transaction, utcnow
from whatrack.instances import service as instances
from whatrack.messages.service import fail_interrupted_sends, interrupted_after
from whatrack.models import Conversation, Message, Role
from whatrack.simulator import payloads
from whatrack.simulator.server import SimulatorServer, add_user
from whatrack.simulator.state import SimulatorState, SimUser, WebhookRetry

WHATRACK = str(Path(sys.executable).with_name("whatrack"))
SECRET = "chaos-secret-0123456789abcdef-0123456789abcdef"
API_KEY = "chaos-api-key"
PASSWORD = "chaos password 0123"
ADMIN = "chaos-admin@example.com"


@dataclass
class Figures:
    scenario: str
    retries: str
    sent: int = 0
    stored: int = 0
    duplicated: int = 0
    lost: int = 0
    events_published: int | None = None
    attempts: int = 0
    answered_5xx: int = 0
    shed_503: int = 0
    connection_errors: int = 0
    kills: int = 0
    notes: dict[str, Any] = field(default_factory=dict)


class App:
    """`whatrack serve` on a fixed port, killed with SIGKILL and started again on demand."""

    def __init__(self, database_url: str, workdir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("CENTRIFUGO_", "DATABASE_URL", "DEMO"))}
        self.env.update(
            {
                "DATABASE_URL": database_url,
                "MEDIA_DIR": str(workdir / "media"),
                "PUBLIC_URL": self.url,
                "CENTRIFUGO_TOKEN_SECRET": SECRET,
                "ADMIN_EMAIL": ADMIN,
                "ADMIN_PASSWORD": PASSWORD,
                "LOG_LEVEL": "WARNING",
                "DEMO": "false",
            }
        )
        self.env.update(extra_env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "app.log"

    def start(self, timeout: float = 120.0) -> None:
        out = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [WHATRACK, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.workdir,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited: {self.log_path.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            if time.monotonic() > deadline:
                log_tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"app did not start in {timeout} s: {log_tail}")
            time.sleep(0.05)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@contextlib.contextmanager
def _centrifugo(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    try:
        from tests.support.centrifugo import centrifugo_binary, running_centrifugo

        centrifugo_binary(wait_seconds=0)
    except (ImportError, FileNotFoundError):
        log("no Centrifugo binary: events published are not counted")
        yield None
        return
    with running_centrifugo(secret=SECRET, api_key=API_KEY) as cf:
        yield cf


async def _setup(database_url: str, sim: SimulatorServer, app_url: str) -> tuple[uuid.UUID, SimUser]:
    """An organization with one instance on the simulator, whose webhook points at the app."""
    engine = create_engine(database_url)
    try:
        async with transaction(create_session_factory(engine)) as db:
            org = await auth.create_organization(db, "Chaos")
            await auth.create_user(db, org, email=f"agent-{secrets.token_hex(3)}@example.com", name="Agent",
                                   password=PASSWORD, role=Role.ADMIN)  # fmt: skip
            token = secrets.token_hex(16)
            inst = await instances.create_instance(db, org.id, name="Chaos", base_url=sim.base_url, token=token)
            webhook = f"{app_url}/api/v1/whatsapp/w/webhook/{inst.id}?secret={inst.webhook_secret}"
            org_id = org.id
    finally:
        await engine.dispose()
    user = add_user(sim.state, token=token, webhook=webhook, name="chaos")
    return org_id, user


def _stream(sim: SimulatorServer, user: SimUser, ids: list[str], rate: float) -> Any:
    """Post one message per id from its own task (WuzAPI: a goroutine per event), `rate` per second
    (0: all at once). Returns a concurrent future that ends when all are spawned."""

    async def run() -> None:
        assert sim.emitter is not None
        for n, mid in enumerate(ids):
            # a lead per message: each has its own conversation channel (history counts its events)
            phone = f"55119{n % 10**8:08d}"
            sim.state.spawn(sim.emitter.emit(user, payloads.text_message(phone=phone, text=f"m{n}", message_id=mid)))
            if rate > 0:
                await asyncio.sleep(1 / rate)

    assert sim._loop is not None  # started
    return asyncio.run_coroutine_threadsafe(run(), sim._loop)


async def _count(database_url: str, ids: list[str]) -> tuple[int, int, list[uuid.UUID]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(Message.external_id).where(Message.external_id.in_(ids)))).all()
            convs = list((await conn.execute(select(Conversation.id))).scalars())
    finally:
        await engine.dispose()
    return len({r[0] for r in rows}), len(rows) - len({r[0] for r in rows}), convs


def _published(cf: Any, conversations: list[uuid.UUID], ids: set[str]) -> int | None:
    """new_message publications for these messages in the conversations' Centrifugo history."""
    if cf is None:
        return None
    seen = 0
    with httpx.Client(base_url=cf.url, headers={"X-API-Key": API_KEY}, timeout=10) as client:
        for conv in conversations:
            resp = client.post("/api/history", json={"channel": f"chat:conversation:{conv}", "limit": 100})
            for pub in resp.json().get("result", {}).get("publications", []):
                data = pub.get("data", {})
                if data.get("type") == "new_message" and data.get("data", {}).get("externalId") in ids:
                    seen += 1
    return seen


def _tally(fig: Figures, state: SimulatorState, ids: set[str]) -> None:
    mine = [d for d in state.webhooks if not d.skipped and d.payload.get("event", {}).get("Info", {}).get("ID") in ids]
    fig.attempts = len(mine)
    fig.answered_5xx = sum(1 for d in mine if d.status_code is not None and d.status_code >= 500)
    fig.shed_503 = sum(1 for d in mine if d.status_code == 503)
    fig.connection_errors = sum(1 for d in mine if d.status_code is None)


async def _wait_stored(sim: SimulatorServer, limit: float) -> None:
    """Until the simulator has nothing left to post (deliveries and their retries)."""
    deadline = time.monotonic() + limit
    while sim.state.pending_tasks and time.monotonic() < deadline:  # noqa: ASYNC110 - another thread's loop
        await asyncio.sleep(0.2)


def _env_for(cf: Any) -> dict[str, str]:
    return {"CENTRIFUGO_URL": cf.url, "CENTRIFUGO_API_KEY": API_KEY} if cf is not None else {}


async def restart(messages: int, retry: WebhookRetry, *, centrifugo: bool = True, down_seconds: float = 3.0) -> Figures:
    """Finding 1: kill -9 the app a third of the way through a stream, restart it."""
    fig = Figures("restart (kill -9)", _retry_label(retry), sent=messages, kills=1)
    url = await recreate_pg_database(f"whatrack_bench_chaos_{os.getpid()}")
    rate = 100.0
    with tempfile.TemporaryDirectory(prefix="whatrack-chaos-") as tmp, _centrifugo(centrifugo) as cf:
        sim = SimulatorServer(SimulatorState(webhook_retry=retry, delivered_delay=3600, read_delay=3600)).start()
        app = App(url, Path(tmp), _env_for(cf))
        try:
            _, user = await _setup(url, sim, app.url)
            app.start()
            ids = [f"3ACHAOS{n:08d}" for n in range(messages)]
            spawning = _stream(sim, user, ids, rate)
            await asyncio.sleep(messages / rate / 3)
            app.kill9()
            log(f"restart: app killed after ~{messages // 3} webhooks; down {down_seconds} s")
            await asyncio.sleep(down_seconds)
            started = time.monotonic()
            app.start()
            fig.notes["restart_seconds"] = round(time.monotonic() - started + down_seconds, 1)
            await asyncio.wrap_future(spawning)
            await _wait_stored(sim, limit=retry.delay_seconds * 2 ** max(0, retry.attempts() - 1) + 60)
            await asyncio.sleep(1.0)  # the drainer's last batch
            fig.stored, fig.duplicated, convs = await _count(url, ids)
            fig.lost = messages - fig.stored
            fig.events_published = _published(cf, convs, set(ids))
            _tally(fig, sim.state, set(ids))
        finally:
            app.stop()
            sim.stop()
    return fig


async def overload(
    messages: int, retry: WebhookRetry, *, rate: float = 400.0, queue_max: int = 100, centrifugo: bool = True
) -> Figures:
    """Finding 2: a stream faster than the app stores (2 shared cores: ~150-300/s) against a
    small WEBHOOK_QUEUE_MAX: the excess is shed at once (503) and comes back with the retries."""
    fig = Figures(f"overload ({rate:g}/s, WEBHOOK_QUEUE_MAX={queue_max})", _retry_label(retry), sent=messages)
    url = await recreate_pg_database(f"whatrack_bench_chaos_{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="whatrack-chaos-") as tmp, _centrifugo(centrifugo) as cf:
        sim = SimulatorServer(SimulatorState(webhook_retry=retry, delivered_delay=3600, read_delay=3600)).start()
        app = App(url, Path(tmp), {"WEBHOOK_QUEUE_MAX": str(queue_max), **_env_for(cf)})
        try:
            _, user = await _setup(url, sim, app.url)
            app.start()
            ids = [f"3ABURST{n:08d}" for n in range(messages)]
            await asyncio.wrap_future(_stream(sim, user, ids, rate=rate))
            await _wait_stored(sim, limit=retry.delay_seconds * 2 ** max(0, retry.attempts() - 1) + 60)
            await asyncio.sleep(1.0)
            fig.stored, fig.duplicated, convs = await _count(url, ids)
            fig.lost = messages - fig.stored
            fig.events_published = _published(cf, convs, set(ids))
            _tally(fig, sim.state, set(ids))
        finally:
            app.stop()
            sim.stop()
    return fig


async def interrupted_send() -> Figures:
    """Finding 3: kill -9 while WuzAPI holds a send's answer; after the restart the job and a
    re-send with the same clientId. Webhook figures are those of the one incoming message."""
    fig = Figures("send interrupted (kill -9 mid-send)", "-", sent=1, kills=1)
    url = await recreate_pg_database(f"whatrack_bench_chaos_{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="whatrack-chaos-") as tmp:
        sim = SimulatorServer(SimulatorState(delivered_delay=3600, read_delay=3600)).start()
        app = App(url, Path(tmp))
        try:
            _, user = await _setup(url, sim, app.url)
            app.start()
            sim.emit(user, payloads.text_message(text="Oi", message_id="3ACHAOSSEND0001"))
            held = sim.run(_event())
            user.failures.hold_answers = held
            async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
                login = await client.post("/api/v1/auth/login", json={"email": ADMIN, "password": PASSWORD})
                client.headers["X-CSRF-Token"] = login.json()["csrfToken"]
                # the bootstrap admin is in another organization: log in as the chaos agent instead
                conv_id = await _conversation_id(url)
                agent = await _agent_email(url)
                login = await client.post("/api/v1/auth/login", json={"email": agent, "password": PASSWORD})
                client.headers["X-CSRF-Token"] = login.json()["csrfToken"]
                body = {"conversationId": str(conv_id), "content": "vai morrer", "clientId": "chaos-1"}
                sending = asyncio.create_task(client.post("/api/v1/whatsapp/messages", json=body))
                while not sim.state.sent_messages:  # noqa: ASYNC110 - the simulator's own thread
                    await asyncio.sleep(0.05)
                app.kill9()
                with contextlib.suppress(httpx.HTTPError):
                    await sending
            user.failures.hold_answers = None
            sim.run(_set(held))
            app.start()
            engine = create_engine(url)
            factory = create_session_factory(engine)
            async with transaction(factory) as db:
                msg = await db.scalar(select(Message).where(Message.client_id == "chaos-1"))
                assert msg is not None
                fig.notes["after_restart"] = msg.status.value
                # the clock moves past the send timeout (the job runs every 30 s in the app)
                later = utcnow() - interrupted_after(15.0) - timedelta(seconds=1)
                await db.execute(update(Message).where(Message.id == msg.id).values(dispatched_at=later))
            async with transaction(factory) as db:
                fig.notes["job_marked_failed"] = await fail_interrupted_sends(db, utcnow() - interrupted_after(15.0))
            async with transaction(factory) as db:
                msg = await db.scalar(select(Message).where(Message.client_id == "chaos-1"))
                assert msg is not None
                fig.notes["after_job"] = f"{msg.status.value} ({msg.error})"
            await engine.dispose()
            async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
                login = await client.post("/api/v1/auth/login", json={"email": agent, "password": PASSWORD})
                client.headers["X-CSRF-Token"] = login.json()["csrfToken"]
                again = (await client.post("/api/v1/whatsapp/messages", json=body)).json()
            fig.notes["resend_same_client_id"] = again.get("status")
            fig.notes["whatsapp_ids_sent"] = sorted({s.id for s in sim.state.sent_messages})
            fig.notes["same_id"] = {s.id for s in sim.state.sent_messages} == {again.get("externalId")}
            fig.stored, fig.duplicated, _ = await _count(url, ["3ACHAOSSEND0001"])
            fig.lost = 1 - fig.stored
        finally:
            app.stop()
            sim.stop()
    return fig


async def _event() -> asyncio.Event:
    return asyncio.Event()


async def _set(event: asyncio.Event) -> None:
    event.set()


async def _conversation_id(url: str) -> uuid.UUID:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            value = (await conn.execute(select(Conversation.id))).scalar_one()
    finally:
        await engine.dispose()
    return uuid.UUID(str(value))


async def _agent_email(url: str) -> str:
    from whatrack.models import User

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            value = (await conn.execute(select(User.email).where(User.email.like("agent-%")))).scalar_one()
    finally:
        await engine.dispose()
    return str(value)


def _retry_label(retry: WebhookRetry) -> str:
    if not retry.enabled:
        return "off (1 attempt)"
    waits = [retry.delay_before(n) for n in range(2, retry.attempts() + 1)]
    return f"{retry.attempts()} attempts, waits {'+'.join(f'{w:g}' for w in waits)} s"


def _table(figures: list[Figures]) -> str:
    cols = ["scenario", "retries", "sent", "stored", "duplicated", "lost", "events_published",
            "attempts", "answered_5xx", "shed_503", "connection_errors"]  # fmt: skip
    rows = [[str(asdict(f)[c]) if asdict(f)[c] is not None else "n/a" for c in cols] for f in figures]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    line = " | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    out = [line, "-" * len(line)]
    out += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    for f in figures:
        if f.notes:
            out.append(f"{f.scenario}: {json.dumps(f.notes)}")
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> list[Figures]:
    retry = WebhookRetry(enabled=not args.no_retries, count=args.retry_count, delay_seconds=args.retry_delay)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or ["restart", "overload", "send"]
    figures = []
    if "restart" in chosen:
        figures.append(await restart(args.messages, retry, centrifugo=not args.no_centrifugo))
    if "overload" in chosen:
        figures.append(
            await overload(
                args.burst, retry, rate=args.burst_rate, queue_max=args.queue_max, centrifugo=not args.no_centrifugo
            )
        )
    if "send" in chosen:
        figures.append(await interrupted_send())
    return figures


def main() -> None:
    logging.getLogger("whatrack.simulator").setLevel(logging.ERROR)  # one warning per refused attempt
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=600, help="webhooks in the restart stream (100/s)")
    parser.add_argument("--burst", type=int, default=4000, help="webhooks in the overload stream")
    parser.add_argument("--burst-rate", type=float, default=2000.0, help="overload stream, webhooks per second")
    parser.add_argument("--queue-max", type=int, default=50, help="WEBHOOK_QUEUE_MAX of the overload run")
    parser.add_argument("--no-retries", action="store_true", help="WuzAPI's default: one attempt")
    parser.add_argument("--retry-count", type=int, default=6, help="WEBHOOK_RETRY_COUNT (attempts in all)")
    parser.add_argument("--retry-delay", type=float, default=1.0, help="WEBHOOK_RETRY_DELAY_SECONDS (scaled)")
    parser.add_argument("--only", default="", help="comma list of restart, overload, send")
    parser.add_argument("--no-centrifugo", action="store_true", help="embedded hub; events not counted")
    args = parser.parse_args()
    figures = asyncio.run(main_async(args))
    print(_table(figures))
    out = REPO_ROOT / "bench" / "results" / f"chaos-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps([asdict(f) for f in figures], indent=2, default=str))
    log(f"figures written to {out}")
    if not args.no_retries and any(f.lost or f.duplicated for f in figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
