"""Tenancy is security: organization B never sees or changes organization A's data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.support.tenants import Harness
from whatrack.simulator import payloads as p


async def test_other_org_gets_404_everywhere(harness: Harness) -> None:
    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    await harness.webhook(a, p.media_message(kind="image", phone="5511988887777", caption="segredo"))
    conv = (await a.client.get("/api/v1/conversations")).json()["items"][0]
    msg = (await a.client.get(f"/api/v1/conversations/{conv['id']}/messages")).json()["items"][0]
    lead_id, ticket_id = conv["lead"]["id"], conv["currentTicketId"]

    assert (await b.client.get("/api/v1/conversations")).json()["items"] == []
    assert (await b.client.get("/api/v1/conversations", params={"q": "segredo"})).json()["items"] == []
    assert (await b.client.get("/api/v1/messages/search", params={"q": "segredo"})).json()["items"] == []
    assert (await b.client.get("/api/v1/leads")).json()["items"] == []
    assert (await b.client.get("/api/v1/leads", params={"instanceId": conv["instanceId"]})).json()["items"] == []
    gets = [
        (f"/api/v1/conversations/{conv['id']}", "conversation_not_found"),
        (f"/api/v1/conversations/{conv['id']}/messages", "conversation_not_found"),
        (f"/api/v1/conversations/{conv['id']}/messages?around={msg['id']}", "conversation_not_found"),
        (f"/api/v1/leads/{lead_id}", "lead_not_found"),
        (msg["media"]["url"], "message_not_found"),
    ]
    for url, code in gets:
        resp = await b.client.get(url)
        assert resp.status_code == 404, url
        assert resp.json()["error"]["code"] == code, url
    posts = [
        (f"/api/v1/conversations/{conv['id']}/read", None),
        (f"/api/v1/conversations/{conv['id']}/unread", None),
        (f"/api/v1/conversations/{conv['id']}/assign", {"userId": str(b.user_id)}),
        (f"/api/v1/conversations/{conv['id']}/typing", {"isTyping": True}),
        (f"/api/v1/tickets/{ticket_id}/close", {"outcome": "sale"}),
        (f"/api/v1/tickets/{ticket_id}/reopen", None),
        (f"/api/v1/whatsapp/messages/{msg['id']}/retry", None),
        ("/api/v1/whatsapp/messages", {"conversationId": conv["id"], "content": "invasão"}),
        (f"/api/v1/conversations/{conv['id']}/notes", {"content": "invasão"}),
        (f"/api/v1/conversations/{conv['id']}/snooze", {"until": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}),
    ]
    for url, body in posts:
        resp = await b.client.post(url, json=body)
        assert resp.status_code == 404, (url, resp.text)
    patched = await b.client.patch(f"/api/v1/leads/{lead_id}", json={"name": "hacked"})
    assert patched.status_code == 404
    for resp in (
        await b.client.patch(f"/api/v1/conversations/{conv['id']}", json={"priority": "urgent"}),
        await b.client.delete(f"/api/v1/conversations/{conv['id']}/snooze"),
    ):
        assert (resp.status_code, resp.json()["error"]["code"]) == (404, "conversation_not_found"), resp.text

    # nothing changed for A
    after = (await a.client.get(f"/api/v1/conversations/{conv['id']}")).json()
    assert after["unreadCount"] == 1 and after["ticketStatus"] == "OPEN" and after["assignee"] is None
    assert after["priority"] == "none" and after["snoozedUntil"] is None
    lead = (await a.client.get(f"/api/v1/leads/{lead_id}")).json()
    assert lead["name"] is None


async def test_realtime_channels_are_org_scoped(harness: Harness) -> None:
    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    await harness.webhook(a, p.text_message(phone="5511988887777"))
    conv = (await a.client.get("/api/v1/conversations")).json()["items"][0]
    ok = await a.client.post(
        "/api/v1/chat/centrifugo/subscription-token", json={"channel": f"chat:conversation:{conv['id']}"}
    )
    assert ok.status_code == 200 and ok.json()["token"]
    for channel in (f"chat:conversation:{conv['id']}", f"chat:org:{a.organization_id}"):
        denied = await b.client.post("/api/v1/chat/centrifugo/subscription-token", json={"channel": channel})
        assert denied.status_code == 403, channel
    bad = await b.client.post("/api/v1/chat/centrifugo/subscription-token", json={"channel": "chat:room:1"})
    assert bad.status_code == 400
    own = await b.client.post(
        "/api/v1/chat/centrifugo/subscription-token", json={"channel": f"chat:org:{b.organization_id}"}
    )
    assert own.status_code == 200
    # a conversation id that doesn't exist is not a way to probe
    ghost = await b.client.post(
        "/api/v1/chat/centrifugo/subscription-token", json={"channel": f"chat:conversation:{uuid.uuid4()}"}
    )
    assert ghost.status_code == 403


async def test_same_phone_in_two_orgs_are_two_leads(harness: Harness) -> None:
    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    payload = p.text_message(phone="5511988887777", text="oi")
    await harness.webhook(a, payload)
    await harness.webhook(b, payload)  # same WhatsApp id on another instance: not a duplicate
    ca = (await a.client.get("/api/v1/conversations")).json()["items"]
    cb = (await b.client.get("/api/v1/conversations")).json()["items"]
    assert len(ca) == len(cb) == 1 and ca[0]["lead"]["id"] != cb[0]["lead"]["id"]


async def test_webhook_for_a_instance_with_b_secret_is_rejected(harness: Harness) -> None:
    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    url = f"/api/v1/whatsapp/w/webhook/{a.instance.id}?secret={b.instance.webhook_secret}"
    resp = await harness.anon.post(url, json=p.text_message())
    assert resp.status_code == 401
    assert (await a.client.get("/api/v1/conversations")).json()["items"] == []


async def test_follow_ups_and_scheduled_messages_of_another_org_are_not_found(harness: Harness) -> None:
    from datetime import UTC, datetime, timedelta

    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    await harness.webhook(a, p.text_message(phone="5511988887777", text="Oi"))
    conv = (await a.client.get("/api/v1/conversations")).json()["items"][0]
    ticket_id = conv["currentTicketId"]
    steps = [{"delayMinutes": 60, "content": "Oi {nome}"}]
    seq = (await a.client.post("/api/v1/follow-up-sequences", json={"name": "A", "steps": steps})).json()
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    sched = (
        await a.client.post(
            "/api/v1/scheduled-messages", json={"conversationId": conv["id"], "content": "x", "sendAt": later}
        )
    ).json()
    b_seq = (await b.client.post("/api/v1/follow-up-sequences", json={"name": "B", "steps": steps})).json()

    cases = [
        ("GET", f"/api/v1/follow-up-sequences/{seq['id']}", None, "follow_up_sequence_not_found"),
        ("PATCH", f"/api/v1/follow-up-sequences/{seq['id']}", {"name": "x"}, "follow_up_sequence_not_found"),
        ("DELETE", f"/api/v1/follow-up-sequences/{seq['id']}", None, "follow_up_sequence_not_found"),
        ("GET", f"/api/v1/tickets/{ticket_id}/follow-up", None, "ticket_not_found"),
        ("POST", f"/api/v1/tickets/{ticket_id}/follow-up", {"sequenceId": b_seq["id"]}, "ticket_not_found"),
        ("DELETE", f"/api/v1/tickets/{ticket_id}/follow-up", None, "ticket_not_found"),
        ("GET", f"/api/v1/scheduled-messages?conversationId={conv['id']}", None, "conversation_not_found"),
        (
            "POST",
            "/api/v1/scheduled-messages",
            {"conversationId": conv["id"], "content": "x", "sendAt": later},
            "conversation_not_found",
        ),
        ("PATCH", f"/api/v1/scheduled-messages/{sched['id']}", {"content": "y"}, "scheduled_message_not_found"),
        ("DELETE", f"/api/v1/scheduled-messages/{sched['id']}", None, "scheduled_message_not_found"),
    ]
    for method, url, body, code in cases:
        resp = await b.client.request(method, url, json=body)
        assert (resp.status_code, resp.json()["error"]["code"]) == (404, code), (method, url, resp.text)
    assert [s["id"] for s in (await b.client.get("/api/v1/follow-up-sequences")).json()["items"]] == [b_seq["id"]]
    # nothing changed for A
    assert (await a.client.get(f"/api/v1/follow-up-sequences/{seq['id']}")).json()["name"] == "A"
    pending = (await a.client.get("/api/v1/scheduled-messages", params={"conversationId": conv["id"]})).json()
    assert [x["content"] for x in pending["items"]] == ["x"]


async def test_api_tokens_of_another_org_are_not_found(harness: Harness) -> None:
    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    token = (await a.client.post("/api/v1/api-tokens", json={"name": "CRM", "userId": str(a.user_id)})).json()
    resp = await b.client.delete(f"/api/v1/api-tokens/{token['id']}")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "api_token_not_found"
    assert (await b.client.get("/api/v1/api-tokens")).json() == []
    assert [x["id"] for x in (await a.client.get("/api/v1/api-tokens")).json()] == [token["id"]]
