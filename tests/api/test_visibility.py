"""Who sees which conversation (issue 12): the organization's agentVisibility policy.

The matrix is generated from the OpenAPI schema: every route with a conversation, lead, ticket
or message id (in the path, or `conversationId` in the body) is called with the id of a
conversation assigned to a colleague. An agent under `assigned_and_unassigned` hears the same
404 and code as for another organization's id; an admin, or anyone under `all`, does not. Every
GET without parameters must not mention the hidden conversation. A new route is covered (or
fails, asking to be classified) without touching this file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.tenants import PASSWORD, Harness, Tenant
from whatrack.auth import service as auth
from whatrack.models import Organization, Role
from whatrack.simulator import payloads as p

# Path parameters naming something governed by the policy, and the code a hidden one answers.
GOVERNED = {
    "conversation_id": "conversation_not_found",
    "lead_id": "lead_not_found",
    "ticket_id": "ticket_not_found",
    "message_id": "message_not_found",
    "scheduled_message_id": "scheduled_message_not_found",
}
# Path parameters the policy does not govern (instances, quick replies, team members...).
UNGOVERNED = {
    "instance_id",
    "quick_reply_id",
    "user_id",
    "token_id",
    "session_id",
    "follow_up_id",
    "step_id",
    "sequence_id",
    "ad_id",  # a Meta ad id named as a campaign (organization-wide, admins)
}
# Routes outside the matrix, with the reason.
SKIPPED = {
    ("post", "/api/v1/whatsapp/w/webhook/{instance_id}"): "webhooks authenticate the instance, not a user",
    ("post", "/api/v1/auth/logout"): "would end the caller's session",
}


@dataclass
class Team:
    admin: Tenant
    agent_client: Any
    agent_id: uuid.UUID
    colleague_id: uuid.UUID
    hidden: dict[str, str]  # kind -> id, all of the conversation assigned to the colleague
    own_conversation: str
    unassigned_conversation: str


async def _member(harness: Harness, org_id: uuid.UUID, name: str, role: Role) -> tuple[uuid.UUID, str]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com"
    async with harness.db() as db:
        org = await db.get(Organization, org_id)
        assert org is not None
        user = await auth.create_user(db, org, email=email, name=name, password=PASSWORD, role=role)
        return user.id, email


async def _conversation(harness: Harness, admin: Tenant, phone: str, name: str) -> dict[str, Any]:
    resp = await harness.webhook(admin, p.text_message(phone=phone, push_name=name, text=f"Ola, pedido P{phone[-4:]}"))
    assert resp.status_code == 200, resp.text
    items = (await admin.client.get("/api/v1/conversations", params={"q": name})).json()["items"]
    assert len(items) == 1
    conv: dict[str, Any] = items[0]
    return conv


async def team(harness: Harness, *, policy: str, role: Role) -> Team:
    admin = await harness.tenant("Visib")
    agent_id, agent_email = await _member(harness, admin.organization_id, "Ana", role)
    colleague_id, _ = await _member(harness, admin.organization_id, "Bruno", Role.AGENT)
    patched = await admin.client.patch("/api/v1/organization", json={"agentVisibility": policy})
    assert patched.status_code == 200 and patched.json()["agentVisibility"] == policy

    hidden = await _conversation(harness, admin, "5511977770001", "Oculta Cliente")
    own = await _conversation(harness, admin, "5511977770002", "Minha Cliente")
    free = await _conversation(harness, admin, "5511977770003", "Livre Cliente")
    for conv, user in ((hidden, colleague_id), (own, agent_id)):
        assigned = await admin.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": str(user)})
        assert assigned.status_code == 200
    msgs = (await admin.client.get(f"/api/v1/conversations/{hidden['id']}/messages")).json()["items"]
    ids = {
        "conversation_id": hidden["id"],
        "lead_id": hidden["lead"]["id"],
        "ticket_id": hidden["currentTicketId"],
        "message_id": msgs[0]["id"],
        "scheduled_message_id": (
            await admin.client.post(
                "/api/v1/scheduled-messages",
                json={"conversationId": hidden["id"], "content": "depois", "sendAt": _later()},
            )
        ).json()["id"],
    }
    agent_client = await harness.login(agent_email)
    return Team(admin, agent_client, agent_id, colleague_id, ids, own["id"], free["id"])


def _later() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _sample(schema: dict[str, Any], spec: dict[str, Any], field: str, ids: dict[str, str]) -> Any:
    """A valid value for a request body field (so validation passes and the route runs)."""
    schema = _resolve(schema, spec)
    if field == "conversationId":
        return ids["conversation_id"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _sample(options[0], spec, field, ids)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _sample(props[k], spec, k, ids) for k in schema.get("required", [])}
    if kind == "string":
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        if schema.get("format") == "date-time":
            return _later()
        return "x" * max(1, schema.get("minLength", 1)) if "minLength" in schema else "teste"
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "array":
        return []
    return None


def _json_body(op: dict[str, Any], spec: dict[str, Any], ids: dict[str, str]) -> tuple[Any, bool]:
    """(body, names a conversation): the sample JSON body of an operation."""
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None, False
    schema = _resolve(content["application/json"]["schema"], spec)
    body = _sample(schema, spec, "", ids)
    return body, "conversationId" in schema.get("properties", {})


def _error_code(resp: Any) -> str | None:
    if not resp.content or not resp.headers.get("content-type", "").startswith("application/json"):
        return None
    body = resp.json()
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def _routes(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "patch", "put", "delete"} and (method, path) not in SKIPPED
    ]


MATRIX = [
    pytest.param("assigned_and_unassigned", Role.AGENT, True, id="agent-restricted"),
    pytest.param("all", Role.AGENT, False, id="agent-all"),
    pytest.param("assigned_and_unassigned", Role.ADMIN, False, id="admin-restricted"),
    pytest.param("all", Role.ADMIN, False, id="admin-all"),
]


@pytest.mark.parametrize(("policy", "role", "hides"), MATRIX)
async def test_every_route_applies_the_policy(harness: Harness, policy: str, role: Role, hides: bool) -> None:
    t = await team(harness, policy=policy, role=role)
    spec = harness.app.openapi()
    exercised: list[str] = []
    for method, path, op in _routes(spec):
        params = [x["name"] for x in op.get("parameters", []) if x["in"] == "path"]
        unknown = [x for x in params if x not in GOVERNED and x not in UNGOVERNED]
        assert not unknown, f"{method} {path}: classify path parameter(s) {unknown} in tests/api/test_visibility.py"
        governed = [x for x in params if x in GOVERNED]
        body, names_conversation = _json_body(op, spec, t.hidden)
        if not governed and not names_conversation:
            if method == "get" and not params:  # a listing: nothing of the hidden conversation in it
                resp = await t.agent_client.get(path)
                assert t.hidden["conversation_id"] not in resp.text or not hides, path
                assert t.hidden["lead_id"] not in resp.text or not hides, path
            continue
        url = path
        for name in params:
            url = url.replace("{" + name + "}", t.hidden.get(name, str(uuid.uuid4())))
        resp = await t.agent_client.request(method.upper(), url, json=body if method != "get" else None)
        code = GOVERNED[governed[0]] if governed else "conversation_not_found"
        answered = _error_code(resp)
        if hides:
            assert (resp.status_code, answered) == (404, code), (method, url, resp.text)
        else:
            assert (resp.status_code, answered) != (404, code), (method, url, resp.text)
        exercised.append(f"{method} {path}")
    # the list: get, messages, media, lead, tickets, send, typing, read, assign, close
    for route in (
        "get /api/v1/conversations/{conversation_id}",
        "get /api/v1/conversations/{conversation_id}/messages",
        "get /api/v1/media/{message_id}",
        "get /api/v1/leads/{lead_id}",
        "post /api/v1/whatsapp/messages",
        "post /api/v1/conversations/{conversation_id}/typing",
        "post /api/v1/conversations/{conversation_id}/read",
        "post /api/v1/conversations/{conversation_id}/assign",
        "post /api/v1/tickets/{ticket_id}/close",
    ):
        assert route in exercised, route


@pytest.mark.parametrize(("policy", "role", "hides"), MATRIX)
async def test_list_and_search(harness: Harness, policy: str, role: Role, hides: bool) -> None:
    t = await team(harness, policy=policy, role=role)
    listed = {c["id"] for c in (await t.agent_client.get("/api/v1/conversations")).json()["items"]}
    assert {t.own_conversation, t.unassigned_conversation} <= listed
    assert (t.hidden["conversation_id"] in listed) is not hides
    for q in ("Oculta", "pedido P0001", "977770001"):  # name, message text, phone
        found = {c["id"] for c in (await t.agent_client.get("/api/v1/conversations", params={"q": q})).json()["items"]}
        assert found == (set() if hides else {t.hidden["conversation_id"]}), q
    waiting = (await t.agent_client.get("/api/v1/conversations", params={"order": "waiting"})).json()["items"]
    assert (t.hidden["conversation_id"] in {c["id"] for c in waiting}) is not hides


async def test_hidden_is_the_same_answer_as_another_organization(harness: Harness) -> None:
    t = await team(harness, policy="assigned_and_unassigned", role=Role.AGENT)
    other = await harness.tenant("Outra")
    await harness.webhook(other, p.text_message(phone="5511966660000"))
    foreign = (await other.client.get("/api/v1/conversations")).json()["items"][0]["id"]
    hidden = await t.agent_client.get(f"/api/v1/conversations/{t.hidden['conversation_id']}")
    alien = await t.agent_client.get(f"/api/v1/conversations/{foreign}")
    assert hidden.status_code == alien.status_code == 404
    assert hidden.json() == alien.json()


async def test_reassigned_away_disappears_and_unassigned_comes_back(harness: Harness) -> None:
    t = await team(harness, policy="assigned_and_unassigned", role=Role.AGENT)
    url = f"/api/v1/conversations/{t.own_conversation}"
    assert (await t.agent_client.get(url)).status_code == 200
    await t.admin.client.post(f"{url}/assign", json={"userId": str(t.colleague_id)})
    assert (await t.agent_client.get(url)).status_code == 404
    # the agent cannot take it back either, nor write into it
    taken = await t.agent_client.post(f"{url}/assign", json={"userId": str(t.agent_id)})
    assert taken.status_code == 404
    sent = await t.agent_client.post(
        "/api/v1/whatsapp/messages", json={"conversationId": t.own_conversation, "content": "oi"}
    )
    assert sent.status_code == 404
    await t.admin.client.post(f"{url}/assign", json={"userId": None})
    assert (await t.agent_client.get(url)).status_code == 200


async def test_agent_may_hand_a_conversation_to_a_colleague(harness: Harness) -> None:
    t = await team(harness, policy="assigned_and_unassigned", role=Role.AGENT)
    url = f"/api/v1/conversations/{t.own_conversation}"
    handed = await t.agent_client.post(f"{url}/assign", json={"userId": str(t.colleague_id)})
    assert handed.status_code == 200 and handed.json()["assignee"]["id"] == str(t.colleague_id)
    assert (await t.agent_client.get(url)).status_code == 404


async def test_new_organizations_are_restrictive_and_the_setting_is_validated(harness: Harness) -> None:
    admin = await harness.tenant("Nova")
    me = (await admin.client.get("/api/v1/auth/me")).json()
    assert me["organization"]["agentVisibility"] == "assigned_and_unassigned"
    bad = await admin.client.patch("/api/v1/organization", json={"agentVisibility": "everyone"})
    assert bad.status_code == 422
    _, email = await _member(harness, admin.organization_id, "Carla", Role.AGENT)
    agent = await harness.login(email)
    refused = await agent.patch("/api/v1/organization", json={"agentVisibility": "all"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_required"
    me = (await admin.client.get("/api/v1/auth/me")).json()
    assert me["organization"]["agentVisibility"] == "assigned_and_unassigned"


async def test_events_are_copied_to_restricted_channels_only_under_the_policy(harness: Harness) -> None:
    for policy in ("all", "assigned_and_unassigned"):
        t = await team(harness, policy=policy, role=Role.AGENT)
        await harness.drain()
        await harness.webhook(t.admin, p.text_message(phone="5511977770001", text="de novo"))  # Bruno's
        await harness.webhook(t.admin, p.text_message(phone="5511977770003", text="livre"))  # unassigned
        channels = {ch.split(":")[1] + ":" + ch.split(":")[2] for ch, _ in await harness.drain()}
        org = t.admin.organization_id
        if policy == "all":
            assert {c.split(":")[0] for c in channels} == {"org", "conversation"}
        else:
            assert f"user:{t.colleague_id}" in channels and f"agents:{org}" in channels
            assert f"user:{t.agent_id}" not in channels


async def test_subscription_tokens_follow_the_policy(harness: Harness) -> None:
    t = await team(harness, policy="assigned_and_unassigned", role=Role.AGENT)
    org = t.admin.organization_id

    async def status(channel: str) -> int:
        resp = await t.agent_client.post("/api/v1/chat/centrifugo/subscription-token", json={"channel": channel})
        code: int = resp.status_code
        return code

    assert await status(f"chat:org:{org}") == 403
    assert await status(f"chat:agents:{org}") == 200
    assert await status(f"chat:user:{t.agent_id}") == 200
    assert await status(f"chat:user:{t.colleague_id}") == 403
    assert await status(f"chat:conversation:{t.hidden['conversation_id']}") == 403
    assert await status(f"chat:conversation:{t.own_conversation}") == 200
    assert await status(f"chat:conversation:{t.unassigned_conversation}") == 200
    assert await status(f"chat:agents:{uuid.uuid4()}") == 403
    admin = await t.admin.client.post("/api/v1/chat/centrifugo/subscription-token", json={"channel": f"chat:org:{org}"})
    assert admin.status_code == 200
