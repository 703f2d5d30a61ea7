"""WUZAPI_ALLOWED_HOSTS holds for every call to an instance's WuzAPI, not only when an instance is
added (instances.targets.check_instance, the one rule): an instance added before the setting was
set is neither sent to (send, retry, scheduled messages), nor asked whether a number is on
WhatsApp, nor told about reads and typing."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from tests.api.test_send import PHONE, _conversation, _sim_user
from tests.support.tenants import Harness
from whatrack.models import Message, SenderType
from whatrack.simulator import payloads as p


async def test_an_instance_outside_the_allowed_hosts_is_never_called(harness: Harness) -> None:
    t = await harness.tenant("Acme")  # its instance is at http://wuzapi.test, added with no limit
    conv = await _conversation(harness, t)
    _sim_user(harness, t).failures.no_session = True
    failed = (
        await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "antes"})
    ).json()
    assert failed["status"] == "FAILED"
    _sim_user(harness, t).failures.no_session = False

    harness.settings.wuzapi_allowed_hosts = "wuzapi.internal:8080"
    before = len(harness.sim.requests)

    async def agent_messages() -> int:
        async with harness.db() as db:
            count = await db.scalar(
                select(func.count()).select_from(Message).where(Message.sender_type == SenderType.USER)
            )
        return int(count or 0)

    written = await agent_messages()
    sent = await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "oi"})
    assert sent.status_code == 400 and sent.json()["error"]["code"] == "wuzapi_host_not_allowed", sent.text
    assert await agent_messages() == written  # refused before anything was written

    retried = await t.client.post(f"/api/v1/whatsapp/messages/{failed['id']}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "FAILED"
    assert "WUZAPI_ALLOWED_HOSTS" in retried.json()["error"]

    started = await t.client.post(
        "/api/v1/conversations", json={"instanceId": str(t.instance.id), "phone": "11977776666", "content": "olá"}
    )
    assert started.status_code == 400 and started.json()["error"]["code"] == "wuzapi_host_not_allowed"

    await harness.webhook(t, p.text_message(phone=PHONE, text="de novo"))  # unread, to mark read
    assert (await t.client.post(f"/api/v1/conversations/{conv['id']}/read")).status_code == 200
    typing = await t.client.post(f"/api/v1/conversations/{conv['id']}/typing", json={"isTyping": True})
    assert typing.status_code in (200, 204)
    assert harness.sim.requests[before:] == [], "no request reached that WuzAPI"
    async with harness.db() as db:
        row = await db.get(Message, uuid.UUID(failed["id"]))
        assert row is not None and row.content == "antes"

    harness.settings.wuzapi_allowed_hosts = "wuzapi.test"  # allowed again: it goes out
    ok = await t.client.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": "agora"})
    assert ok.status_code == 201 and ok.json()["status"] == "SENT"
