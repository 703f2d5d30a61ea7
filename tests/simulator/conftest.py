"""Fixtures: a simulator reached through httpx.ASGITransport and a webhook receiver app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from whatrack.simulator import SimulatorState, WebhookEmitter, create_simulator_app

from .helpers import ADMIN_TOKEN, USER_TOKEN, WEBHOOK_URL, Receiver, Sim


@pytest.fixture
async def sim() -> AsyncIterator[Sim]:
    state = SimulatorState(admin_token=ADMIN_TOKEN, delivered_delay=0.05, read_delay=0.1)
    receiver = Receiver()
    hook_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver.app()))
    emitter = WebhookEmitter(state, hook_client)
    user = state.add_user(name="shop-1", token=USER_TOKEN, webhook=WEBHOOK_URL)
    app = create_simulator_app(state, emitter)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wuzapi.test")
    try:
        yield Sim(state, emitter, client, receiver, user)
    finally:
        await state.cancel_all()
        await client.aclose()
        await hook_client.aclose()
