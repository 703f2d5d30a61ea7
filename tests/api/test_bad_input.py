"""Bad input: a clear 4xx with a JSON reason, and nothing written."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.support.tenants import Harness, Tenant
from whatrack.models import Lead, Message
from whatrack.simulator import payloads as p


async def _count(harness: Harness) -> tuple[int, int]:
    async with harness.db() as db:
        return (
            int(await db.scalar(select(func.count()).select_from(Message)) or 0),
            int(await db.scalar(select(func.count()).select_from(Lead)) or 0),
        )


def _error(resp, status: int) -> str:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    body = resp.json()["error"]
    assert body["code"] and body["message"]
    return str(body["message"])


async def test_webhook_bad_inputs(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    path = t.webhook_path
    cases = [
        (harness.anon.post(path, content=b"{not json", headers={"content-type": "application/json"}), 400),
        (harness.anon.post(path, json={"event": {}}), 400),  # no type
        (harness.anon.post(path, json={"type": "Message", "event": {"Info": {}}}), 400),  # no Info.ID
        (harness.anon.post(path, json=["a", "list"]), 400),
        (
            harness.anon.post(
                path, content=b"jsonData=%7Bbroken", headers={"content-type": "application/x-www-form-urlencoded"}
            ),
            400,
        ),
        (harness.anon.post(f"/api/v1/whatsapp/w/webhook/{t.instance.id}", json=p.text_message()), 401),
        (harness.anon.post(f"/api/v1/whatsapp/w/webhook/{t.instance.id}?secret=wrong", json=p.text_message()), 401),
        (harness.anon.post(f"/api/v1/whatsapp/w/webhook/{uuid.uuid4()}?secret=x", json=p.text_message()), 404),
        (harness.anon.post("/api/v1/whatsapp/w/webhook/not-a-uuid?secret=x", json=p.text_message()), 404),
    ]
    for call, status in cases:
        _error(await call, status)
    assert await _count(harness) == (0, 0)


async def test_oversized_body_is_413(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    limit = harness.settings.max_body_bytes
    big = b"x" * (limit + 1)
    resp = await harness.anon.post(t.webhook_path, content=big, headers={"content-type": "application/json"})
    assert _error(resp, 413).startswith("Body larger")
    assert await _count(harness) == (0, 0)


async def test_send_bad_inputs(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message())
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    before = await _count(harness)
    url = "/api/v1/whatsapp/messages"
    _error(await t.client.post(url, json={"conversationId": conv["id"]}), 400)  # no content
    _error(await t.client.post(url, json={"conversationId": conv["id"], "content": ""}), 400)
    _error(await t.client.post(url, json={"conversationId": "nope", "content": "x"}), 400)
    _error(await t.client.post(url, json={"conversationId": conv["id"], "content": 5}), 400)
    _error(await t.client.post(url, json={"conversationId": conv["id"], "content": "x", "extra": 1}), 400)
    _error(await t.client.post(url, json={"conversationId": str(uuid.uuid4()), "content": "x"}), 404)
    _error(await t.client.post(url, content=b"hello", headers={"content-type": "text/plain"}), 415)
    _error(await t.client.post(url, data={"conversationId": conv["id"]}, files={"other": ("a", b"1")}), 400)
    _error(
        await t.client.post(
            url, data={"conversationId": conv["id"]}, files={"file": ("empty.pdf", b"", "application/pdf")}
        ),
        400,
    )
    _error(
        await t.client.post(url, json={"conversationId": conv["id"], "content": "x", "replyToId": str(uuid.uuid4())}),
        404,
    )
    assert await _count(harness) == before


async def test_inbox_bad_inputs(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message())
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    _error(await t.client.get("/api/v1/conversations", params={"limit": 0}), 422)
    _error(await t.client.get("/api/v1/conversations", params={"cursor": "garbage"}), 400)
    _error(await t.client.get("/api/v1/conversations", params={"ticket_status": "MAYBE"}), 422)
    _error(await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/close", json={"outcome": "won?"}), 422)
    _error(await t.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": str(uuid.uuid4())}), 400)
    _error(await t.client.patch(f"/api/v1/leads/{conv['lead']['id']}", json={}), 400)
    _error(await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/reopen"), 409)
    await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/close", json={"outcome": "sale"})
    _error(await t.client.post(f"/api/v1/tickets/{conv['currentTicketId']}/close", json={"outcome": "sale"}), 409)
    assert (await t.client.get(f"/api/v1/conversations/{conv['id']}")).json()["assignee"] is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values, event_type=st.sampled_from(["Message", "ReadReceipt", "ChatPresence", "QR", "Nope"]))
async def test_random_payloads_never_500(harness: Harness, body: object, event_type: str) -> None:
    t: Tenant = getattr(harness, "_fuzz_tenant", None) or await harness.tenant("Fuzz")
    harness._fuzz_tenant = t  # type: ignore[attr-defined]
    for payload in (body, {"type": event_type, "event": body}):
        resp = await harness.anon.post(
            t.webhook_path, content=json.dumps(payload).encode(), headers={"content-type": "application/json"}
        )
        assert resp.status_code in (200, 400), resp.text
