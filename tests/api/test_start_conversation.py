"""Starting a conversation with a number (issue 12): POST /api/v1/conversations."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.support.tenants import PASSWORD, Harness, Tenant
from whatrack.auth import service as auth
from whatrack.models import Conversation, Instance, InstanceStatus, Lead, Message, Organization, Role
from whatrack.models.enums import AgentVisibility
from whatrack.simulator import payloads as p
from whatrack.simulator.app import create_simulator_app
from whatrack.simulator.state import SimulatorState


async def _connected(harness: Harness, t: Tenant) -> None:
    async with harness.db() as db:
        inst = await db.get(Instance, t.instance.id)
        assert inst is not None
        inst.status = InstanceStatus.CONNECTED


async def _counts(harness: Harness, org_id: uuid.UUID) -> tuple[int, int, int]:
    async with harness.db() as db:
        leads = await db.scalar(select(func.count()).select_from(Lead).where(Lead.organization_id == org_id))
        convs = await db.scalar(
            select(func.count()).select_from(Conversation).where(Conversation.organization_id == org_id)
        )
        msgs = await db.scalar(select(func.count()).select_from(Message).where(Message.organization_id == org_id))
    return int(leads or 0), int(convs or 0), int(msgs or 0)


def _start(t: Tenant, phone: str, content: str = "Olá! Aqui é da loja.", **extra: Any) -> Any:
    body = {"instanceId": str(t.instance.id), "phone": phone, "content": content} | extra
    return t.client.post("/api/v1/conversations", json=body)


async def test_new_number_gets_lead_conversation_and_outbound_ticket(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _connected(harness, t)
    resp = await _start(t, "(11) 97777-6666", name="Carla Nova")
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["created"] is True
    assert body["message"]["status"] == "SENT" and body["message"]["content"] == "Olá! Aqui é da loja."
    conv = body["conversation"]
    assert conv["lead"]["phone"] == "+5511977776666" and conv["lead"]["name"] == "Carla Nova"
    assert conv["assignee"]["id"] == str(t.user_id)
    checked = harness.sim.requests_to("/user/check")[-1].json
    assert checked == {"Phone": ["5511977776666"]}
    assert harness.sim.requests_to("/chat/send/text")[-1].json["Phone"] == "5511977776666@s.whatsapp.net"
    lead = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()
    assert [(tk["number"], tk["source"], tk["status"]) for tk in lead["tickets"]] == [(1, "outbound", "OPEN")]
    # the lead's answer lands in the same conversation
    await harness.webhook(t, p.text_message(phone="5511977776666", text="Oi!"))
    items = (await t.client.get("/api/v1/conversations")).json()["items"]
    assert [i["id"] for i in items] == [conv["id"]]


async def test_existing_lead_is_reused_never_duplicated(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _connected(harness, t)
    # WhatsApp addresses this mobile without its ninth digit; stored with it
    await harness.webhook(t, p.text_message(phone="551188887777", push_name="Maria", text="Oi"))
    first = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    for spelling in ["+55 11 98888-7777", "11988887777", "5511988887777"]:
        resp = await _start(t, spelling, content=f"para {spelling}")
        assert resp.status_code == 201, resp.text
        assert resp.json()["created"] is False and resp.json()["conversation"]["id"] == first["id"]
    assert (await _counts(harness, t.organization_id))[:2] == (1, 1)


async def test_bad_input_writes_nothing(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    other = await harness.tenant("Outra")
    await _connected(harness, t)
    harness.sim.not_on_whatsapp.add("5511955554444")
    before = await _counts(harness, t.organization_id)
    sent_before = len(harness.sim.requests_to("/chat/send/text"))

    for phone in ["abc", "123", "+55 11", "9" * 40]:
        resp = await _start(t, phone)
        assert resp.status_code == 400, (phone, resp.text)
        assert resp.json()["error"]["code"] == "phone_invalid"

    resp = await _start(t, "11 95555-4444")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "not_on_whatsapp"
    assert resp.json()["error"]["details"] == {"phone": "+5511955554444"}

    foreign = await t.client.post(
        "/api/v1/conversations",
        json={"instanceId": str(other.instance.id), "phone": "11 97777-1111", "content": "x"},
    )
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "instance_not_found"
    unknown = await t.client.post(
        "/api/v1/conversations", json={"instanceId": str(uuid.uuid4()), "phone": "11 97777-1111", "content": "x"}
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "instance_not_found"

    blank = await _start(t, "11 97777-1111", content="   ")
    assert blank.status_code in (400, 422) and blank.json()["error"]["code"] in ("message_empty", "validation_error")
    extra = await _start(t, "11 97777-1111", role="admin")
    assert extra.status_code == 422 and extra.json()["error"]["code"] == "validation_error"

    assert await _counts(harness, t.organization_id) == before
    assert await _counts(harness, other.organization_id) == (0, 0, 0)
    assert len(harness.sim.requests_to("/chat/send/text")) == sent_before


async def test_disconnected_instance_skips_the_check_and_the_send_fails_visibly(harness: Harness) -> None:
    t = await harness.tenant("Acme")  # status unknown: not asked
    checks = len(harness.sim.requests_to("/user/check"))
    resp = await _start(t, "21 98765-4321")
    assert resp.status_code == 201, resp.text
    assert len(harness.sim.requests_to("/user/check")) == checks
    assert resp.json()["conversation"]["lead"]["phone"] == "+5521987654321"


async def test_restricted_agent_cannot_reach_a_colleagues_lead(harness: Harness) -> None:
    admin = await harness.tenant("Visib")
    await _connected(harness, admin)
    async with harness.db() as db:
        org = await db.get(Organization, admin.organization_id)
        assert org is not None
        org.agent_visibility = AgentVisibility.ASSIGNED_AND_UNASSIGNED
        ana = await auth.create_user(
            db, org, email="ana-start@example.com", name="Ana", password=PASSWORD, role=Role.AGENT
        )
        bruno = await auth.create_user(
            db, org, email="bruno-start@example.com", name="Bruno", password=PASSWORD, role=Role.AGENT
        )
        bruno_id = bruno.id
        del ana
    await harness.webhook(admin, p.text_message(phone="5511944443333", push_name="Lead do Bruno", text="Oi"))
    conv = (await admin.client.get("/api/v1/conversations")).json()["items"][0]
    await admin.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": str(bruno_id)})
    agent = await harness.login("ana-start@example.com")
    sent_before = len(harness.sim.requests_to("/chat/send/text"))
    resp = await agent.post(
        "/api/v1/conversations",
        json={"instanceId": str(admin.instance.id), "phone": "11 94444-3333", "content": "posso ajudar?"},
    )
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "conversation_not_found"
    assert len(harness.sim.requests_to("/chat/send/text")) == sent_before
    # a new number is hers
    mine = await agent.post(
        "/api/v1/conversations",
        json={"instanceId": str(admin.instance.id), "phone": "11 94444-2222", "content": "olá"},
    )
    assert mine.status_code == 201 and mine.json()["conversation"]["assignee"]["name"] == "Ana"


async def test_simulator_user_check_answers_like_wuzapi() -> None:
    state = SimulatorState()
    user = state.add_user(token="tok")
    state.not_on_whatsapp.add("5511900000000")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_simulator_app(state)), base_url="http://wuzapi"
    ) as http:
        resp = await http.post(
            "/user/check", headers={"token": "tok"}, json={"Phone": ["5511988887777", "5511900000000"]}
        )
        assert resp.status_code == 200
        # Respond() re-decodes the handler's JSON into a map: keys sorted, compact, newline
        assert resp.text == (
            '{"code":200,"data":{"Users":['
            '{"IsInWhatsapp":true,"JID":"5511988887777@s.whatsapp.net","Query":"5511988887777","VerifiedName":""},'
            '{"IsInWhatsapp":false,"JID":"5511900000000@s.whatsapp.net","Query":"5511900000000","VerifiedName":""}'
            ']},"success":true}\n'
        )
        missing = await http.post("/user/check", headers={"token": "tok"}, json={})
        assert missing.status_code == 400 and json.loads(missing.text)["error"] == "Missing Phone in Payload"
        user.failures.no_session = True
        down = await http.post("/user/check", headers={"token": "tok"}, json={"Phone": ["5511988887777"]})
        assert down.status_code == 500 and json.loads(down.text)["error"] == "No session"
