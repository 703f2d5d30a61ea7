"""Team management (issue 12): members, roles, deactivation, temporary and own passwords, sessions."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.tenants import PASSWORD, Harness
from whatrack.simulator import payloads as p

NEW_PASSWORD = "outra senha bem longa 42"


async def _add(admin: Any, **over: Any) -> Any:
    body = {"email": f"ana-{uuid.uuid4().hex[:6]}@example.com", "name": "Ana", "role": "agent", "password": PASSWORD}
    return await admin.post("/api/v1/users", json=body | over)


async def test_admin_adds_an_agent_who_must_change_the_password(harness: Harness) -> None:
    t = await harness.tenant("Equipe")
    resp = await _add(t.client)
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["role"] == "agent" and created["active"] and created["mustChangePassword"]
    listed = {u["id"]: u for u in (await t.client.get("/api/v1/users")).json()}
    assert listed[created["id"]]["name"] == "Ana"

    agent = await harness.login(created["email"])
    assert (await agent.get("/api/v1/auth/me")).json()["mustChangePassword"] is True
    wrong = await agent.post("/api/v1/auth/password", json={"currentPassword": "nope", "newPassword": NEW_PASSWORD})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_password"
    weak = await agent.post("/api/v1/auth/password", json={"currentPassword": PASSWORD, "newPassword": "123"})
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    ok = await agent.post("/api/v1/auth/password", json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    assert ok.status_code == 204
    assert (await agent.get("/api/v1/auth/me")).json()["mustChangePassword"] is False  # this session stays
    await harness.login(created["email"], NEW_PASSWORD)

    # agents cannot manage the team
    refused = await _add(agent)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_required"
    patched = await agent.patch(f"/api/v1/users/{created['id']}", json={"role": "admin"})
    assert patched.status_code == 403


async def test_bad_member_input_writes_nothing(harness: Harness) -> None:
    t = await harness.tenant("Equipe")
    before = len((await t.client.get("/api/v1/users")).json())
    role = await _add(t.client, role="owner")
    assert role.status_code == 422
    weak = await _add(t.client, password="12345")
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    taken = await _add(t.client, email=t.email)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "user_email_taken"
    assert len((await t.client.get("/api/v1/users")).json()) == before
    ghost = await t.client.patch(f"/api/v1/users/{uuid.uuid4()}", json={"name": "X"})
    assert ghost.status_code == 404 and ghost.json()["error"]["code"] == "member_not_found"
    other = await harness.tenant("Outra")
    foreign = await t.client.patch(f"/api/v1/users/{other.user_id}", json={"name": "X"})
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "member_not_found"
    empty = await t.client.patch(f"/api/v1/users/{t.user_id}", json={})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "nothing_to_update"


async def test_last_active_admin_cannot_be_demoted_or_deactivated(harness: Harness) -> None:
    t = await harness.tenant("Equipe")
    for body in ({"role": "agent"}, {"active": False}):
        resp = await t.client.patch(f"/api/v1/users/{t.user_id}", json=body)
        assert resp.status_code == 409 and resp.json()["error"]["code"] == "last_admin", body
    second = (await _add(t.client, role="admin")).json()
    demoted = await t.client.patch(f"/api/v1/users/{t.user_id}", json={"role": "agent", "name": "Ex-admin"})
    assert demoted.status_code == 200 and demoted.json()["role"] == "agent"
    # now the second admin is the last one
    last = await t.client.patch(f"/api/v1/users/{second['id']}", json={"active": False})
    assert last.status_code in (403, 409)  # the caller is no longer an admin, or it is the last admin


async def test_deactivation_ends_sessions_and_lists_open_conversations(harness: Harness) -> None:
    t = await harness.tenant("Equipe")
    created = (await _add(t.client)).json()
    agent = await harness.login(created["email"])
    await harness.webhook(t, p.text_message(phone="5511944440001", push_name="Cliente Um"))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    await t.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": created["id"]})

    off = await t.client.patch(f"/api/v1/users/{created['id']}", json={"active": False})
    assert off.status_code == 200
    body = off.json()
    assert body["active"] is False
    assert body["openConversations"] == [{"id": conv["id"], "leadName": "Cliente Um"}]
    # nothing unassigned silently
    assert (await t.client.get(f"/api/v1/conversations/{conv['id']}")).json()["assignee"]["id"] == created["id"]
    assert (await agent.get("/api/v1/auth/me")).status_code == 401
    login = await harness.anon.post("/api/v1/auth/login", json={"email": created["email"], "password": PASSWORD})
    assert login.status_code == 401
    back = await t.client.patch(f"/api/v1/users/{created['id']}", json={"active": True})
    assert back.status_code == 200 and back.json()["openConversations"] == []
    await harness.login(created["email"])


async def test_temporary_password_ends_sessions(harness: Harness) -> None:
    t = await harness.tenant("Equipe")
    created = (await _add(t.client)).json()
    agent = await harness.login(created["email"])
    weak = await t.client.post(f"/api/v1/users/{created['id']}/password", json={"password": "abc"})
    assert weak.status_code == 400 and weak.json()["error"]["code"] == "weak_password"
    resp = await t.client.post(f"/api/v1/users/{created['id']}/password", json={"password": NEW_PASSWORD})
    assert resp.status_code == 200 and resp.json()["mustChangePassword"] is True
    assert (await agent.get("/api/v1/auth/me")).status_code == 401
    again = await harness.login(created["email"], NEW_PASSWORD)
    assert (await again.get("/api/v1/auth/me")).json()["mustChangePassword"] is True


async def test_list_and_revoke_own_sessions(harness: Harness) -> None:
    t = await harness.tenant("Equipe")
    other = await harness.login(t.email)
    listed = (await t.client.get("/api/v1/auth/sessions")).json()
    assert len(listed) == 2 and sum(s["current"] for s in listed) == 1
    theirs = next(s for s in listed if not s["current"])
    assert len(theirs["id"]) == 24
    # another user cannot end it
    intruder = await harness.tenant("Outra")
    denied = await intruder.client.delete(f"/api/v1/auth/sessions/{theirs['id']}")
    assert denied.status_code == 404 and denied.json()["error"]["code"] == "session_not_found"
    assert (await other.get("/api/v1/auth/me")).status_code == 200
    ended = await t.client.delete(f"/api/v1/auth/sessions/{theirs['id']}")
    assert ended.status_code == 204
    assert (await other.get("/api/v1/auth/me")).status_code == 401
    assert (await t.client.get("/api/v1/auth/me")).status_code == 200
    assert len((await t.client.get("/api/v1/auth/sessions")).json()) == 1
