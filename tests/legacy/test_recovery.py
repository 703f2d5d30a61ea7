"""Messages sent while the app was down come back from WuzAPI's history (simulator: same wire)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.support.tenants import Harness
from whatrack.legacy import recovery
from whatrack.models import Instance
from whatrack.simulator import payloads as p
from whatrack.simulator import wire


def _down(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


async def test_twenty_messages_sent_while_down_appear_once_in_order(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    user = harness.sim.user_by_token(t.wuzapi_token)
    assert user is not None
    user.history = 100
    up = harness.emitter._client
    harness.emitter._client = httpx.AsyncClient(transport=httpx.MockTransport(_down))  # the app is down
    start = wire.now_local() - timedelta(minutes=30)
    try:
        for i in range(20):
            await harness.emitter.emit(
                user,
                p.text_message(
                    text=f"mensagem {i + 1}",
                    phone="5511988887777" if i % 2 == 0 else "5521977776666",
                    timestamp=start + timedelta(seconds=i),
                ),
            )
    finally:
        await harness.emitter._client.aclose()
        harness.emitter._client = up
    assert len(harness.sim.undelivered(user.id)) == 20  # the simulator records the failed deliveries

    async def recover() -> recovery.Recovery:
        return await recovery.recover_instance(
            harness.app.state.session_factory, harness.app.state.http, t.instance.id, harness.app.state.media
        )

    async with harness.recording() as published:
        result = await recover()
        await harness.drain()
    assert (result.enabled, result.chats, result.seen, result.inserted) == (True, 2, 20, 20)
    new_messages = [d for _, d in published if d.get("type") == "new_message"]
    assert len(new_messages) >= 20  # published like live messages (org and conversation channels)

    convs = (await t.client.get("/api/v1/conversations")).json()["items"]
    assert sorted(c["unreadCount"] for c in convs) == [10, 10]
    texts: list[str] = []
    for conv in sorted(convs, key=lambda c: c["lead"]["phone"]):
        page = (await t.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"]
        texts += [m["content"] for m in sorted(page, key=lambda m: m["sentAt"])]
    assert texts == [f"mensagem {i}" for i in range(1, 21, 2)] + [f"mensagem {i}" for i in range(2, 21, 2)]

    again = await recover()  # a second start: nothing new
    assert (again.seen, again.inserted) == (20, 0)


async def test_an_instance_without_history_recovers_nothing_and_says_so(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    result = await recovery.recover_instance(
        harness.app.state.session_factory, harness.app.state.http, t.instance.id, harness.app.state.media
    )
    assert (result.enabled, result.inserted, result.error) == (False, 0, None)


@pytest.mark.parametrize("query", ["", "?chat_jid=", "?chat_jid=x&limit=abc"])
async def test_simulator_history_errors_like_wuzapi(harness: Harness, query: str) -> None:
    t = await harness.tenant("Acme")
    user = harness.sim.user_by_token(t.wuzapi_token)
    assert user is not None
    user.history = 10
    async with httpx.AsyncClient(transport=harness.app.state.http._transport, base_url="http://wuzapi.test") as sim:
        resp = await sim.get(f"/chat/history{query}", headers={"token": t.wuzapi_token})
    expected = "invalid limit" if "limit" in query else "chat_jid is required"
    assert (resp.status_code, resp.json()) == (400, {"code": 400, "error": expected, "success": False})


async def test_a_reconnect_recovers_in_the_background_once(harness: Harness) -> None:
    """Instance disconnected, messages whose webhooks fail, then Connected: they appear once, in order."""
    t = await harness.tenant("Acme")
    user = harness.sim.user_by_token(t.wuzapi_token)
    assert user is not None
    user.history = 100
    recoverer: recovery.Recoverer = harness.app.state.recoverer
    await harness.emitter.emit(user, p.disconnected())
    up = harness.emitter._client
    harness.emitter._client = httpx.AsyncClient(transport=httpx.MockTransport(_down))  # webhooks fail
    start = wire.now_local() - timedelta(minutes=5)
    try:
        for i in range(6):
            await harness.emitter.emit(
                user,
                p.text_message(text=f"perdida {i + 1}", phone="5511988887777", timestamp=start + timedelta(seconds=i)),
            )
    finally:
        await harness.emitter._client.aclose()
        harness.emitter._client = up
    assert len(harness.sim.undelivered(user.id)) == 6
    assert recoverer.results == []

    deliveries = await harness.emitter.emit(user, p.connected())  # answered; recovery runs after the commit
    assert [d.status_code for d in deliveries] == [200]
    await recoverer.settle()
    await harness.emitter.emit(user, p.connected())  # already connected: no second run
    await recoverer.settle()
    assert [(r.enabled, r.seen, r.inserted) for r in recoverer.results] == [(True, 6, 6)]

    convs = (await t.client.get("/api/v1/conversations")).json()["items"]
    assert len(convs) == 1
    page = (await t.client.get(f"/api/v1/conversations/{convs[0]['id']}/messages")).json()["items"]
    assert [m["content"] for m in sorted(page, key=lambda m: m["sentAt"])] == [f"perdida {i}" for i in range(1, 7)]
    assert len({m["id"] for m in page}) == 6

    async with harness.db() as db:
        inst = await db.get(Instance, t.instance.id)
        assert inst is not None and inst.wuzapi_history is True


async def test_a_reconnect_without_wuzapi_history_is_remembered(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    user = harness.sim.user_by_token(t.wuzapi_token)
    assert user is not None
    await harness.emitter.emit(user, p.disconnected())
    await harness.emitter.emit(user, p.connected())
    await harness.app.state.recoverer.settle()
    read = (await t.client.get(f"/api/v1/instances/{t.instance.id}")).json()
    assert read["wuzapiHistory"] is False
