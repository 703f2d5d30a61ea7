"""Demo traffic and the real-port SimulatorServer."""

from __future__ import annotations

import json
import re
import time

import httpx

from whatrack.simulator import DemoLeads, SimulatorServer, SimulatorState, payloads
from whatrack.simulator.demo import brazilian_mobile

from .helpers import USER_TOKEN, WEBHOOK_URL, Receiver, Sim

AUTH = {"token": USER_TOKEN}


def _types(receiver: Receiver) -> list[str]:
    return [str(json.loads(c.body)["type"]) for c in receiver.received]


async def test_demo_first_lead_arrives_within_first_delay(sim: Sim) -> None:
    demo = DemoLeads(sim.state, sim.emitter, sim.user, seed=1, first_delay=0.1, interval=(0.05, 0.1), max_events=4)
    started = time.monotonic()
    demo.start()
    await sim.receiver.wait_for(1, limit=2.0)
    assert time.monotonic() - started < 1.0
    first = json.loads(sim.receiver.received[0].body)
    assert first["type"] == "Message"
    info = first["event"]["Info"]
    assert re.fullmatch(r"55\d{2}9[6-9]\d{7}@s\.whatsapp\.net", info["Chat"])
    assert info["PushName"] in {lead.name for lead in demo.leads.values()}
    await sim.receiver.wait_for(4, limit=3.0)
    await demo.stop()
    assert demo.events_emitted == 4


async def test_demo_lead_answers_agent(sim: Sim) -> None:
    demo = DemoLeads(
        sim.state,
        sim.emitter,
        sim.user,
        seed=3,
        first_delay=0,
        max_events=1,
        reply_delay=(0.02, 0.04),
        quiet_ratio=0,
    )
    lead = await demo.new_lead()
    demo.state.send_listeners.append(demo._on_send)
    r = await sim.client.post("/chat/send/text", json={"Phone": lead.phone, "Body": "Olá!"}, headers=AUTH)
    assert r.status_code == 200
    await sim.state.drain()
    types = _types(sim.receiver)
    assert types.count("ReadReceipt") == 2 and "ChatPresence" in types
    replies = [
        json.loads(c.body)
        for c in sim.receiver.received[1:]
        if json.loads(c.body)["type"] == "Message" and "reactionMessage" not in json.loads(c.body)["event"]["Message"]
    ]
    assert replies and replies[-1]["event"]["Info"]["Chat"] == payloads.phone_jid(lead.phone)
    await demo.stop()


async def test_demo_is_deterministic(sim: Sim) -> None:
    async def run(seed: int) -> list[tuple[str, str]]:
        state = SimulatorState()
        user = state.add_user(webhook="")
        demo = DemoLeads(state, sim.emitter, user, seed=seed)
        for _ in range(5):
            await demo.step()
        return [(lead.name, lead.phone) for lead in demo.leads.values()]

    assert await run(11) == await run(11)
    assert await run(11) != await run(12)


def test_brazilian_mobile_numbers() -> None:
    import random

    rng = random.Random(5)
    for _ in range(50):
        assert re.fullmatch(r"55\d{2}9[6-9]\d{7}", brazilian_mobile(rng))


def test_real_server_on_a_port() -> None:
    receiver = Receiver()
    hook_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver.app()))
    state = SimulatorState(admin_token="adm", delivered_delay=0.02, read_delay=0.04)
    with SimulatorServer(state, webhook_client=hook_client) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url) and server.port > 0
        user = server.add_user(token="tok", webhook=WEBHOOK_URL, webhook_format="form", hmac_key="h" * 40)
        r = httpx.post(
            f"{server.base_url}/chat/send/text",
            json={"Phone": "5511988887777", "Body": "x"},
            headers={"token": "tok"},
        )
        assert r.status_code == 200 and r.json()["data"]["Details"] == "Sent"
        assert r.headers["content-type"] == "application/json"
        server.drain()
        server.emit(user, payloads.text_message())
        assert httpx.get(f"{server.base_url}/admin/users", headers={"Authorization": "adm"}).json()["code"] == 200
    assert len(receiver.received) == 3
    assert all(c.headers["content-type"] == "application/x-www-form-urlencoded" for c in receiver.received)
