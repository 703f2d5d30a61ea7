"""Test harness: the real app (ASGI, in-process) wired to the WuzAPI simulator both ways."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.transport import TimeoutASGITransport
from whatrack.app import create_app
from whatrack.auth import service as auth
from whatrack.db import transaction
from whatrack.instances import service as instances
from whatrack.models import Instance, Role
from whatrack.realtime import ephemeral
from whatrack.settings import Settings
from whatrack.simulator.app import create_simulator_app
from whatrack.simulator.emitter import WebhookEmitter
from whatrack.simulator.server import add_user
from whatrack.simulator.state import SimulatorState

APP_BASE = "http://app.test"
WUZAPI_BASE = "http://wuzapi.test"
PASSWORD = "correct horse battery staple"


@dataclass
class Tenant:
    organization_id: uuid.UUID
    user_id: uuid.UUID
    email: str
    client: httpx.AsyncClient  # logged in, CSRF header set
    instance: Instance
    wuzapi_token: str
    user_jid_name: str = ""

    @property
    def webhook_path(self) -> str:
        return f"/api/v1/whatsapp/w/webhook/{self.instance.id}?secret={self.instance.webhook_secret}"


@dataclass
class Harness:
    app: FastAPI
    settings: Settings
    sim: SimulatorState
    emitter: WebhookEmitter
    anon: httpx.AsyncClient
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, database_url: str, tmp_path: Path, **overrides: Any) -> AsyncIterator[Harness]:
        options: dict[str, Any] = {
            "database_url": database_url,
            "media_dir": tmp_path / "media",
            "run_worker": False,
            "centrifugo_url": None,
            "public_url": APP_BASE,
        }
        settings = Settings(**(options | overrides))
        sim = SimulatorState(delivered_delay=0.01, read_delay=0.02)
        holder: dict[str, FastAPI] = {}

        async def to_app_asgi(scope: Any, receive: Any, send: Any) -> None:
            await holder["app"](scope, receive, send)

        to_app = httpx.AsyncClient(transport=httpx.ASGITransport(app=to_app_asgi), base_url=APP_BASE)
        emitter = WebhookEmitter(sim, to_app)
        sim_app = create_simulator_app(sim, emitter)
        # timeouts kept (the app's WuzAPI timeout fires when the simulator answers late)
        app = holder["app"] = create_app(
            settings, http_transport=TimeoutASGITransport(httpx.ASGITransport(app=sim_app))
        )
        async with app.router.lifespan_context(app):
            if app.state.engine.dialect.name == "postgresql":  # requests hit the session cache
                await asyncio.wait_for(app.state.session_cache.listening.wait(), 10)
            harness = cls(app=app, settings=settings, sim=sim, emitter=emitter, anon=to_app)
            try:
                yield harness
            finally:
                await sim.drain()
                for c in harness.clients:
                    await c.aclose()
                await to_app.aclose()

    def client(self) -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=APP_BASE)
        self.clients.append(c)
        return c

    @contextlib.asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        async with transaction(self.app.state.session_factory) as session:
            yield session

    async def tenant(self, name: str = "Acme", *, role: Role = Role.ADMIN, hmac_key: str | None = None) -> Tenant:
        email = f"{name.lower()}-{secrets.token_hex(3)}@example.com"
        token = secrets.token_hex(16)
        async with self.db() as db:
            org = await auth.create_organization(db, name)
            user = await auth.create_user(db, org, email=email, name=f"{name} Agent", password=PASSWORD, role=role)
            inst = await instances.create_instance(
                db, org.id, name=f"{name} WhatsApp", base_url=WUZAPI_BASE, token=token, hmac_key=hmac_key
            )
            org_id, user_id = org.id, user.id
        add_user(
            self.sim,
            token=token,
            webhook=f"{APP_BASE}/api/v1/whatsapp/w/webhook/{inst.id}?secret={inst.webhook_secret}",
            hmac_key=hmac_key,
            name=name,
        )
        client = await self.login(email)
        return Tenant(org_id, user_id, email, client, inst, token)

    async def login(self, email: str, password: str = PASSWORD) -> httpx.AsyncClient:
        client = self.client()
        resp = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert resp.status_code == 200, resp.text
        client.headers["X-CSRF-Token"] = resp.json()["csrfToken"]
        return client

    async def webhook(self, tenant: Tenant, payload: dict[str, Any]) -> httpx.Response:
        return await self.anon.post(tenant.webhook_path, json=payload)

    @contextlib.asynccontextmanager
    async def recording(self) -> AsyncIterator[list[tuple[str, dict[str, Any]]]]:
        """Everything published while the block runs: outbox (if drained) and ephemeral (typing)."""
        published: list[tuple[str, dict[str, Any]]] = []
        publisher = self.app.state.publisher
        original = publisher.publish

        async def spy(channel: str, data: dict[str, Any]) -> None:
            published.append((channel, data))
            await original(channel, data)

        publisher.publish = spy
        try:
            yield published
            await ephemeral.settle()
        finally:
            publisher.publish = original

    async def drain(self) -> list[tuple[str, dict[str, Any]]]:
        """Publish the outbox now (jobs run inline in tests); returns what was published."""
        published: list[tuple[str, dict[str, Any]]] = []
        publisher = self.app.state.publisher
        original = publisher.publish

        async def spy(channel: str, data: dict[str, Any]) -> None:
            published.append((channel, data))
            await original(channel, data)

        publisher.publish = spy
        try:
            await self.app.state.drainer.drain_once()
        finally:
            publisher.publish = original
        return published
