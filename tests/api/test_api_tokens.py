"""API tokens for integrations (issue 12): created by admins, shown once, stored hashed, sent as
`Authorization: Bearer …` with no CSRF header, acting as a designated user; revoked or expired
ones answer 401 with their own code."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from tests.support.tenants import PASSWORD, Harness, Tenant
from whatrack.auth import service as auth
from whatrack.models import ApiToken, Organization, Role
from whatrack.simulator import payloads as p


def _bearer(harness: Harness, token: str) -> httpx.AsyncClient:
    client = harness.client()  # no cookie, no CSRF header
    client.headers["Authorization"] = f"Bearer {token}"
    return client


async def _create(t: Tenant, **extra: object) -> dict[str, object]:
    resp = await t.client.post("/api/v1/api-tokens", json={"name": "CRM", "userId": str(t.user_id)} | extra)
    assert resp.status_code == 201, resp.text
    body: dict[str, object] = resp.json()
    return body


async def test_a_token_sends_and_lists_as_its_user_without_csrf(harness: Harness) -> None:
    t = await harness.tenant("Integra")
    await harness.webhook(t, p.text_message(phone="5511977776666", text="Oi"))
    created = await _create(t)
    secret = str(created["token"])
    assert secret.startswith("wtk_") and created["lastUsedAt"] is None
    async with harness.db() as db:
        row = await db.scalar(select(ApiToken).where(ApiToken.id == uuid.UUID(str(created["id"]))))
        assert row is not None and row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (row.token_hash, row.prefix)  # only the hash is kept
    # shown once: the list never carries it
    listed = (await t.client.get("/api/v1/api-tokens")).json()
    assert [x["name"] for x in listed] == ["CRM"] and "token" not in listed[0]

    api = _bearer(harness, secret)
    convs = (await api.get("/api/v1/conversations")).json()["items"]
    assert len(convs) == 1
    sent = await api.post("/api/v1/whatsapp/messages", json={"conversationId": convs[0]["id"], "content": "via API"})
    assert sent.status_code == 201, sent.text
    assert sent.json()["senderName"] == "Integra Agent"  # acts as the designated user
    used = (await t.client.get("/api/v1/api-tokens")).json()[0]
    assert used["lastUsedAt"] is not None


async def test_revoked_expired_and_unknown_tokens_answer_401_with_their_code(harness: Harness) -> None:
    t = await harness.tenant("Revoga")
    created = await _create(t)
    api = _bearer(harness, str(created["token"]))
    assert (await api.get("/api/v1/conversations")).status_code == 200
    assert (await t.client.delete(f"/api/v1/api-tokens/{created['id']}")).status_code == 204
    resp = await api.get("/api/v1/conversations")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "api_token_revoked"

    soon = await _create(t, expiresAt=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    async with harness.db() as db:
        row = await db.get(ApiToken, uuid.UUID(str(soon["id"])))
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    resp = await _bearer(harness, str(soon["token"])).get("/api/v1/conversations")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "api_token_expired"

    resp = await _bearer(harness, "wtk_nope").post("/api/v1/whatsapp/messages", json={})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "api_token_invalid"


async def test_bad_input_writes_nothing_and_agents_cannot_manage_tokens(harness: Harness) -> None:
    t = await harness.tenant("Entrada")
    other = await harness.tenant("Fora")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    cases = [
        ({"name": "x", "userId": str(t.user_id), "expiresAt": past}, 400, "api_token_expiry_past"),
        ({"name": "x", "userId": str(other.user_id)}, 400, "api_token_user_not_member"),
        ({"name": "x", "userId": str(uuid.uuid4())}, 400, "api_token_user_not_member"),
        ({"name": "", "userId": str(t.user_id)}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        resp = await t.client.post("/api/v1/api-tokens", json=body)
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), body
    assert (await t.client.get("/api/v1/api-tokens")).json() == []

    async with harness.db() as db:
        org = await db.get(Organization, t.organization_id)
        assert org is not None
        email = f"ag-{uuid.uuid4().hex[:6]}@example.com"
        agent = await auth.create_user(db, org, email=email, name="Ag", password=PASSWORD, role=Role.AGENT)
        agent_email = agent.email
    agent_client = await harness.login(agent_email)
    for method, url in (("GET", "/api/v1/api-tokens"), ("POST", "/api/v1/api-tokens")):
        resp = await agent_client.request(method, url, json={"name": "x", "userId": str(t.user_id)})
        assert resp.json()["error"]["code"] == "admin_required", url


async def test_another_organizations_token_is_not_found_and_not_listed(harness: Harness) -> None:
    a, b = await harness.tenant("Alfa"), await harness.tenant("Beta")
    created = await _create(a)
    assert (await b.client.get("/api/v1/api-tokens")).json() == []
    resp = await b.client.delete(f"/api/v1/api-tokens/{created['id']}")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "api_token_not_found"
    # still working for A; and A's token sees only A's data
    api = _bearer(harness, str(created["token"]))
    await harness.webhook(b, p.text_message(phone="5511966665555", text="de B"))
    assert (await api.get("/api/v1/conversations")).json()["items"] == []
