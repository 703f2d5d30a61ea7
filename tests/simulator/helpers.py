"""Shared test helpers: constants, a webhook receiver app and the simulator bundle."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from whatrack.simulator import SimulatorState, SimUser, WebhookEmitter

ADMIN_TOKEN = "admin-secret-token"
USER_TOKEN = "user-token-123"
HMAC_KEY = "k" * 16 + "0123456789abcdef-hmac"
WEBHOOK_URL = "http://receiver.test/hook"


@dataclass
class Captured:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny webhook endpoint that keeps every raw request."""

    received: list[Captured] = field(default_factory=list)
    status_code: int = 200
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            self.received.append(Captured(dict(request.headers), await request.body()))
            self.arrived.set()
            return Response("ok", status_code=self.status_code)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    async def wait_for(self, count: int, limit: float = 5.0) -> list[Captured]:
        async with asyncio.timeout(limit):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.received


@dataclass
class Sim:
    state: SimulatorState
    emitter: WebhookEmitter
    client: httpx.AsyncClient
    receiver: Receiver
    user: SimUser
