"""Real-browser end-to-end harness: the real app over HTTP, a real WuzAPI simulator, Chromium.

Design (SQLite + embedded hub on purpose; nothing here uses the parametrised ``database_url``
fixture of tests/conftest.py):

* :class:`AppServer` runs ``create_app(settings)`` under uvicorn in a daemon thread, on a
  socket bound to 127.0.0.1:0 before the app is built (so ``public_url``/``port`` are right
  from the first request, which demo mode needs). Migrations run first. The outbox drainer
  and job loop run (``run_worker=True``) so events reach the browsers.
* :class:`~whatrack.simulator.SimulatorServer` is a real WuzAPI simulator on its own port;
  each test makes its own tenant (organization, admin user, instance, simulator user whose
  webhook points at the app), so tests share the servers but never their data.
* Chromium is Debian's ``/usr/bin/chromium`` driven by Python Playwright's async API on the
  session event loop; every test gets a fresh browser context (own cookies).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import secrets
import shutil
import socket
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright, expect

from whatrack import migrate
from whatrack.app import create_app
from whatrack.auth import service as auth
from whatrack.db import transaction
from whatrack.instances import service as instances
from whatrack.instances.webhook import webhook_url
from whatrack.models import InstanceStatus, Role
from whatrack.settings import Settings
from whatrack.simulator import SimulatorServer, SimulatorState, SimUser, payloads
from whatrack.simulator.demo import brazilian_mobile

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[2]
FRONTEND = REPO_ROOT / "frontend"
DIST = FRONTEND / "dist"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
# Short receipts so a test sees ✓ -> ✓✓ -> blue within about a second.
DELIVERED_DELAY = 0.3
READ_DELAY = 0.8

expect.set_options(timeout=10_000)


# --- front end -------------------------------------------------------------------------------


def ensure_frontend_built() -> None:
    """`make test` builds the front end first; a bare `pytest tests/e2e` builds it once here."""
    if (DIST / "index.html").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("frontend/dist is missing and npm is not installed: run `make frontend`")
    if not (FRONTEND / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FRONTEND, check=True)
    subprocess.run([npm, "run", "build", "--silent"], cwd=FRONTEND, check=True)


# --- the app over real HTTP ------------------------------------------------------------------


class AppServer:
    """The real app (uvicorn, own event loop) in a daemon thread on a free loopback port."""

    def __init__(self, tmp: Path, port: int = 0, **overrides: Any) -> None:
        """`port`: 0 for a free one; a previous server's port (and `tmp`) to restart it."""
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite+aiosqlite:///{tmp / 'app.db'}"
        options: dict[str, Any] = {
            "database_url": self.database_url,
            "media_dir": tmp / "media",
            "run_worker": True,
            "centrifugo_url": None,
            "public_url": self.url,
            "host": "127.0.0.1",
            "port": self.port,
            "static_dir": DIST,
            "log_level": "WARNING",
            "demo": False,
        }
        options.update(overrides)
        self.settings = Settings(**options)
        self.app = create_app(self.settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def migrate(self) -> None:
        """Alembic upgrade (it runs its own event loop: done on a fresh thread, callable from anywhere)."""
        with ThreadPoolExecutor(1) as pool:
            pool.submit(migrate.upgrade, self.database_url).result()

    def start(self, timeout: float = 30.0) -> AppServer:
        """Migrate, then serve. Blocks until the app answers; from async code use ``to_thread``."""
        self.migrate()
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", ws_per_message_deflate=False)
        self._server = server = uvicorn.Server(config)
        ready = threading.Event()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            serve = asyncio.ensure_future(server.serve(sockets=[self._sock]))
            while not server.started and not serve.done():  # noqa: ASYNC110 - uvicorn has no event
                await asyncio.sleep(0.01)
            ready.set()
            await serve

        def target() -> None:
            try:
                asyncio.run(main())
            finally:
                ready.set()

        self._thread = threading.Thread(target=target, name=f"whatrack-app-{self.port}", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or not server.started:
            self.stop()
            raise RuntimeError("the app did not start")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(15)
        self._sock.close()
        self._thread = None
        self._loop = None

    async def call(self, coro: Coroutine[Any, Any, T], limit: float = 15.0) -> T:
        """Await ``coro`` on the app's own loop (its engine and session factory live there)."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("app not started")
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), limit)

    @property
    def session_factory(self) -> Any:
        return self.app.state.session_factory


# --- tenants ---------------------------------------------------------------------------------

_counter = itertools.count(1)
_rng = random.Random()


def new_phone() -> str:
    """A fresh Brazilian mobile (E.164 digits), unique enough across a test run."""
    return brazilian_mobile(_rng)


@dataclass
class Tenant:
    name: str
    organization_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    instance_id: uuid.UUID
    webhook_url: str
    sim_user: SimUser


async def create_tenant(app: AppServer, sim: SimulatorServer, name: str) -> Tenant:
    """Organization + admin user + instance wired to a fresh simulator user (both ways)."""
    email = f"{name.lower().replace(' ', '-')}-{secrets.token_hex(3)}@example.com"
    token = secrets.token_hex(16)

    async def make() -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, str]:
        async with transaction(app.session_factory) as db:
            org = await auth.create_organization(db, name)
            user = await auth.create_user(
                db, org, email=email, name=f"{name} Agent", password=PASSWORD, role=Role.ADMIN
            )
            inst = await instances.create_instance(
                db, org.id, name=f"{name} WhatsApp", base_url=sim.base_url, token=token
            )
            # The simulator user below is connected and paired: say so, as the first status poll
            # would (otherwise the inbox shows its "WhatsApp status unknown" banner).
            await instances.set_status(db, inst, InstanceStatus.CONNECTED)
            return org.id, user.id, inst.id, webhook_url(inst, app.url)

    org_id, user_id, inst_id, hook = await app.call(make())
    sim_user = sim.add_user(token=token, webhook=hook, name=name)
    return Tenant(name, org_id, user_id, email, inst_id, hook, sim_user)


async def post_webhook(tenant: Tenant, payload: dict[str, Any]) -> None:
    """POST one WuzAPI webhook to the app, as WuzAPI would (JSON format)."""
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.post(tenant.webhook_url, json=payload)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "ok", resp.text


async def lead_writes(tenant: Tenant, text: str, *, phone: str, name: str) -> None:
    await post_webhook(tenant, payloads.text_message(text=text, phone=phone, push_name=name))


# --- browser helpers -------------------------------------------------------------------------


@dataclass
class Shots:
    """Numbered screenshots of each step: tests/e2e/screenshots/<test>-<nn>-<step>.png."""

    page: Page
    prefix: str
    n: int = 0
    taken: list[Path] = field(default_factory=list)

    async def __call__(self, step: str) -> None:
        self.n += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.n:02d}-{step}.png"
        await self.page.screenshot(path=path)
        self.taken.append(path)


async def login(page: Page, email: str, password: str = PASSWORD) -> None:
    """Through the login form, as a person would."""
    await page.goto("/login")
    await page.get_by_test_id("login-email").fill(email)
    await page.get_by_test_id("login-password").fill(password)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("conversation-list")).to_be_visible()
    await expect(page).to_have_url(re.compile(r"/inbox"))


def row(page: Page, text: str) -> Any:
    return page.get_by_test_id("conversation-row").filter(has_text=text)


def bubble(page: Page, text: str) -> Any:
    return page.get_by_test_id("message-list").get_by_test_id("message-bubble").filter(has_text=text)


async def open_conversation(page: Page, name: str) -> None:
    await row(page, name).click()
    await expect(page.get_by_test_id("chat-lead-name")).to_contain_text(name)


async def mark_page(page: Page) -> None:
    """Set a JS global that a reload or navigation would wipe out."""
    await page.evaluate("window.__e2eNoReload = true")


async def assert_not_reloaded(page: Page) -> None:
    assert await page.evaluate("window.__e2eNoReload === true"), "the page was reloaded"


@dataclass
class WsSpy:
    """Records every Centrifugo-protocol frame a page's WebSockets send and receive.

    Frames are newline-delimited JSON (several commands/replies may share one frame).
    Attach before the page opens the connection (i.e. before the first navigation).
    """

    sent: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    raw_received: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page: Page) -> WsSpy:
        spy = cls()
        page.on("websocket", spy._on_socket)
        return spy

    def _on_socket(self, ws: Any) -> None:
        self.urls.append(ws.url)
        ws.on("framesent", lambda payload: self._record(self.sent, payload))
        ws.on("framereceived", lambda payload: self._record(self.received, payload, raw=True))

    def _record(self, into: list[dict[str, Any]], payload: str | bytes, raw: bool = False) -> None:
        text = payload.decode() if isinstance(payload, bytes) else payload
        if raw:
            self.raw_received.append(text)
        for line in text.splitlines():
            line = line.strip()
            if line:
                with contextlib.suppress(ValueError):
                    into.append(json.loads(line))

    def connected(self) -> bool:
        return any("connect" in r and "id" in r and "error" not in r for r in self.received)

    def subscribed(self, channel: str) -> bool:
        ids = {c["id"] for c in self.sent if c.get("subscribe", {}).get("channel") == channel}
        return any(r.get("id") in ids and "subscribe" in r for r in self.received)

    async def wait_subscribed(self, channel: str, limit: float = 10.0) -> None:
        async with asyncio.timeout(limit):
            while not self.subscribed(channel):  # noqa: ASYNC110 - fed by Playwright callbacks
                await asyncio.sleep(0.05)

    def publications(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Pushed publications (``{"push": {"channel", "pub": {"data"}}}``), optionally for one channel."""
        pubs = [r["push"] for r in self.received if "pub" in r.get("push", {})]
        return [p for p in pubs if channel is None or p.get("channel") == channel]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    ensure_frontend_built()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return DIST


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorServer]:
    state = SimulatorState(delivered_delay=DELIVERED_DELAY, read_delay=READ_DELAY)
    with SimulatorServer(state) as server:
        yield server


@pytest.fixture(scope="session")
def app_server(frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = AppServer(tmp_path_factory.mktemp("e2e-app")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/services.sh (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(playwright: Playwright, chromium_path: str) -> AsyncIterator[Browser]:
    browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    await browser.close()


@dataclass
class Browsers:
    """Opens isolated browser contexts (own cookies) on one app; closes them at teardown."""

    browser: Browser
    base_url: str
    contexts: list[BrowserContext] = field(default_factory=list)

    async def page(self, base_url: str | None = None) -> Page:
        context = await self.browser.new_context(
            base_url=base_url or self.base_url,
            locale="pt-BR",
            timezone_id="America/Sao_Paulo",
            viewport={"width": 1280, "height": 800},
        )
        self.contexts.append(context)
        return await context.new_page()


@pytest.fixture
async def browsers(browser: Browser, app_server: AppServer) -> AsyncIterator[Browsers]:
    b = Browsers(browser, app_server.url)
    yield b
    for context in b.contexts:
        await context.close()


@pytest.fixture
def shots_prefix(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)


@pytest.fixture
async def tenant(app_server: AppServer, simulator: SimulatorServer) -> Tenant:
    return await create_tenant(app_server, simulator, f"Org{next(_counter)}")
