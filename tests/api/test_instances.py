"""Instances for real numbers: add (existing WuzAPI user or admin-created), pair, status, delete.

The app talks to the in-process WuzAPI simulator (every app HTTP call goes there); what the
simulator received is asserted from `harness.sim.requests`.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.support.tenants import WUZAPI_BASE, Harness, Tenant
from whatrack.instances import polling, service, wuzapi
from whatrack.models import Conversation, Instance, InstanceStatus, Role
from whatrack.simulator import SimUser
from whatrack.simulator import payloads as p
from whatrack.whatsapp.client import WEBHOOK_EVENTS

API = "/api/v1/instances"
LEAD = "5511988887777"


def _sim_user(harness: Harness, *, paired: bool = True, **kwargs: Any) -> SimUser:
    return harness.sim.add_user(
        name="shop",
        token=secrets.token_hex(16),
        webhook="",
        events=["Message"],
        connected=paired,
        logged_in=paired,
        **kwargs,
    )


async def _count_instances(harness: Harness) -> int:
    async with harness.db() as db:
        return int(await db.scalar(select(func.count()).select_from(Instance)) or 0)


def _error(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body: dict[str, Any] = resp.json()["error"]
    assert body["code"] == code
    assert body["message"]
    return body


@contextlib.asynccontextmanager
async def _wuzapi_answers(harness: Harness, handler: Callable[[httpx.Request], httpx.Response]) -> AsyncIterator[None]:
    """Swap the app's outgoing HTTP client for one answering with `handler`."""
    original = harness.app.state.http
    fake = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    harness.app.state.http = fake
    try:
        yield
    finally:
        harness.app.state.http = original
        await fake.aclose()


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


# --- adding an existing WuzAPI user ---------------------------------------------------------------
async def test_add_instance_points_wuzapi_webhook_here(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    user = _sim_user(harness)

    resp = await t.client.post(API, json={"name": " Vendas ", "baseUrl": WUZAPI_BASE, "token": user.token})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["name"] == "Vendas"
    assert body["status"] == "connected"
    assert body["phone"] == "+5511999990000"
    assert body["isDemo"] is False
    hook = body["webhookUrl"]
    assert hook.startswith(f"{harness.settings.external_url}/api/v1/whatsapp/w/webhook/{body['id']}?secret=")

    # Token checked first, then WuzAPI's webhook pointed at us with our event list.
    paths = [r.path for r in harness.sim.requests]
    assert paths.index("/session/status") < paths.index("/webhook")
    (configured,) = harness.sim.requests_to("/webhook")
    assert configured.method == "POST"
    assert configured.headers["token"] == user.token
    assert configured.json == {"webhookurl": hook, "events": WEBHOOK_EVENTS}
    assert user.webhook == hook and user.events == WEBHOOK_EVENTS
    assert harness.sim.requests_to("/session/hmac/config") == []

    listed = (await t.client.get(API)).json()
    assert [i["id"] for i in listed] == [str(t.instance.id), body["id"]]
    one = await t.client.get(f"{API}/{body['id']}")
    assert one.status_code == 200 and one.json()["name"] == "Vendas"

    published = await harness.drain()
    assert (f"chat:org:{t.organization_id}", "instance_updated") in {(c, d["type"]) for c, d in published}

    # No URL copied by hand: WuzAPI's next message lands in this instance.
    await harness.emitter.emit(user, p.text_message(phone=LEAD, text="Olá"))
    async with harness.db() as db:
        conv = await db.scalar(select(Conversation).where(Conversation.instance_id == uuid.UUID(body["id"])))
        assert conv is not None and conv.last_message_preview == "Olá"


async def test_add_instance_with_hmac_key_sets_wuzapi_signing(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    user = _sim_user(harness)
    key = "s" * 40
    resp = await t.client.post(
        API, json={"name": "Signed", "baseUrl": WUZAPI_BASE, "token": user.token, "hmacKey": key}
    )
    assert resp.status_code == 201, resp.text
    (hmac_call,) = harness.sim.requests_to("/session/hmac/config")
    assert hmac_call.json == {"hmac_key": key} and hmac_call.headers["token"] == user.token
    assert user.hmac_key == key
    (delivery,) = await harness.emitter.emit(user, p.text_message(phone=LEAD, text="assinado"))
    assert "x-hmac-signature" in delivery.headers and delivery.status_code == 200


async def test_wrong_token_is_400_and_nothing_is_saved(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    before = await _count_instances(harness)
    resp = await t.client.post(API, json={"name": "X", "baseUrl": WUZAPI_BASE, "token": "not-a-wuzapi-token"})
    body = _error(resp, 400, "wuzapi_token_invalid")
    assert "token" in body["message"]
    assert harness.sim.requests_to("/webhook") == []
    assert await _count_instances(harness) == before


async def test_unreachable_wuzapi_is_502_and_nothing_is_saved(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    before = await _count_instances(harness)
    async with _wuzapi_answers(harness, _unreachable):
        resp = await t.client.post(API, json={"name": "X", "baseUrl": "http://down.test:8080", "token": "tok"})
        body = _error(resp, 502, "wuzapi_unreachable")
        assert body["message"] == "Could not reach WuzAPI; could not check the token"  # not "connection refused"
        status = await t.client.get(f"{API}/{t.instance.id}/status")
        _error(status, 502, "wuzapi_unreachable")
    assert await _count_instances(harness) == before


async def test_same_wuzapi_user_twice_is_409(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    other = await harness.tenant("Beta")
    # The tenant fixture's own WuzAPI user, added again by another organization.
    resp = await other.client.post(API, json={"name": "X", "baseUrl": WUZAPI_BASE, "token": t.wuzapi_token})
    _error(resp, 409, "instance_already_added")
    assert harness.sim.requests_to("/webhook") == []


# --- creating the WuzAPI user through its admin API ------------------------------------------------
async def test_admin_create_then_connect_qr_pair_status_disconnect_logout(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    key = "h" * 32
    resp = await t.client.post(
        API,
        json={
            "name": "Nova",
            "createUser": True,
            "baseUrl": WUZAPI_BASE,
            "adminToken": harness.sim.admin_token,
            "hmacKey": key,
        },
    )
    assert resp.status_code == 201, resp.text
    inst = resp.json()
    iid = inst["id"]
    assert inst["status"] == "logged_out" and inst["phone"] is None

    (create,) = harness.sim.requests_to("/admin/users")
    assert create.method == "POST"
    assert create.headers["authorization"] == harness.sim.admin_token
    sent = create.json
    assert sent["name"] == "Nova"
    assert len(sent["token"]) >= 32
    assert sent["webhook"] == inst["webhookUrl"]
    assert sent["events"] == ",".join(
        [
            "Message",
            "ReadReceipt",
            "ChatPresence",
            "Connected",
            "Disconnected",
            "LoggedOut",
            "QR",
            "QRTimeout",
            "PairSuccess",
        ]
    )
    assert sent["hmacKey"] == key
    assert sent["s3Config"]["mediaDelivery"] == "base64"
    user = harness.sim.user_by_token(sent["token"])
    assert user is not None and user.webhook == inst["webhookUrl"] and user.hmac_key == key
    async with harness.db() as db:
        row = await db.get(Instance, uuid.UUID(iid))
        assert row is not None and row.wuzapi_user_id == user.id and row.token == sent["token"]

    # connect: not paired yet -> QR code
    resp = await t.client.post(f"{API}/{iid}/connect")
    assert resp.status_code == 200, resp.text
    conn = resp.json()
    assert conn["status"] == "qr" and conn["connected"] is True and conn["loggedIn"] is False
    assert conn["qrCode"].startswith("data:image/png;base64,")
    (connect_call,) = harness.sim.requests_to("/session/connect")
    assert connect_call.json == {"Subscribe": WEBHOOK_EVENTS, "Immediate": True}

    resp = await t.client.get(f"{API}/{iid}/qr")
    assert resp.status_code == 200 and resp.json()["qrCode"].startswith("data:image/png;base64,")

    resp = await t.client.post(f"{API}/{iid}/pair-phone", json={"phone": "+55 (11) 98888-7777"})
    assert resp.status_code == 200, resp.text
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", resp.json()["linkingCode"])
    assert harness.sim.requests_to("/session/pairphone")[0].json == {"Phone": "5511988887777"}

    # The phone scans: WuzAPI's PairSuccess/Connected webhooks reach the app.
    await harness.emitter.pair(user)
    resp = await t.client.get(f"{API}/{iid}/status")
    assert resp.status_code == 200
    assert resp.json() == {
        "id": iid,
        "status": "connected",
        "phone": "+5511999990000",
        "connected": True,
        "loggedIn": True,
        "qrCode": None,
    }
    assert (await t.client.get(f"{API}/{iid}/qr")).json()["qrCode"] is None

    resp = await t.client.post(f"{API}/{iid}/pair-phone", json={"phone": "5511988887777"})
    _error(resp, 409, "instance_already_paired")

    resp = await t.client.post(f"{API}/{iid}/disconnect")
    assert resp.status_code == 200 and resp.json()["status"] == "disconnected"
    assert resp.json()["connected"] is False
    # Logging out needs the socket: WuzAPI refuses, we say what to do.
    body = _error(await t.client.post(f"{API}/{iid}/logout"), 409, "instance_disconnected")
    assert "connect" in body["message"]

    resp = await t.client.post(f"{API}/{iid}/connect")  # paired: no QR needed
    assert resp.status_code == 200
    assert resp.json()["status"] == "connected" and resp.json()["qrCode"] is None

    resp = await t.client.post(f"{API}/{iid}/logout")
    assert resp.status_code == 200 and resp.json()["status"] == "logged_out"
    assert user.logged_in is False
    again = await t.client.post(f"{API}/{iid}/logout")  # already logged out: idempotent
    assert again.status_code == 200 and again.json()["status"] == "logged_out"
    assert (await t.client.post(f"{API}/{iid}/disconnect")).status_code == 200

    published = await harness.drain()
    statuses = [d["data"]["status"] for c, d in published if d["type"] == "instance_updated"]
    assert {"qr", "connected", "disconnected", "logged_out"} <= set(statuses)


async def test_admin_create_with_server_configured_admin_token(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    harness.settings.wuzapi_admin_url = WUZAPI_BASE + "/"
    harness.settings.wuzapi_admin_token = harness.sim.admin_token
    resp = await t.client.post(API, json={"name": "Auto", "createUser": True})
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "logged_out"
    assert harness.sim.requests_to("/admin/users")[0].headers["authorization"] == harness.sim.admin_token

    # The configured admin token never goes to another URL.
    resp = await t.client.post(API, json={"name": "Elsewhere", "createUser": True, "baseUrl": "http://other.test"})
    body = _error(resp, 400, "wuzapi_admin_credentials_missing")
    assert "adminToken" in body["message"]
    assert len(harness.sim.requests_to("/admin/users")) == 1


async def test_admin_create_errors(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    before, users = await _count_instances(harness), len(harness.sim.users)

    no_creds = await t.client.post(API, json={"name": "X", "createUser": True})
    assert "WUZAPI_ADMIN_TOKEN" in _error(no_creds, 400, "wuzapi_admin_credentials_missing")["message"]

    wrong = await t.client.post(
        API, json={"name": "X", "createUser": True, "baseUrl": WUZAPI_BASE, "adminToken": "wrong"}
    )
    assert "admin token" in _error(wrong, 400, "wuzapi_admin_token_rejected")["message"]

    taken = await t.client.post(
        API,
        json={
            "name": "X",
            "createUser": True,
            "baseUrl": WUZAPI_BASE,
            "adminToken": harness.sim.admin_token,
            "token": next(iter(harness.sim.users.values())).token,
        },
    )
    _error(taken, 409, "instance_already_added")  # the tenant's own WuzAPI user
    assert await _count_instances(harness) == before
    assert len(harness.sim.users) == users


# --- permissions and tenancy ----------------------------------------------------------------------
def _writes(iid: uuid.UUID) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("POST", API, {"name": "X", "baseUrl": WUZAPI_BASE, "token": "t"}),
        ("PATCH", f"{API}/{iid}", {"name": "Renamed"}),
        ("DELETE", f"{API}/{iid}", None),
        ("POST", f"{API}/{iid}/connect", None),
        ("GET", f"{API}/{iid}/qr", None),
        ("POST", f"{API}/{iid}/pair-phone", {"phone": "5511988887777"}),
        ("POST", f"{API}/{iid}/disconnect", None),
        ("POST", f"{API}/{iid}/logout", None),
    ]


async def _call(t: Tenant, method: str, url: str, body: dict[str, Any] | None) -> httpx.Response:
    return await t.client.request(method, url, json=body)


async def test_agents_cannot_manage_instances(harness: Harness) -> None:
    agent = await harness.tenant("Acme", role=Role.AGENT)
    for method, url, body in _writes(agent.instance.id):
        _error(await _call(agent, method, url, body), 403, "admin_required")
    assert [r.path for r in harness.sim.requests] == []

    listed = (await agent.client.get(API)).json()
    assert listed[0]["id"] == str(agent.instance.id) and listed[0]["webhookUrl"] is None
    status = await agent.client.get(f"{API}/{agent.instance.id}/status")
    assert status.status_code == 200 and status.json()["status"] == "connected"


async def test_other_organization_gets_404(harness: Harness) -> None:
    a = await harness.tenant("Acme")
    b = await harness.tenant("Beta")
    for method, url, body in _writes(a.instance.id)[1:]:
        _error(await _call(b, method, url, body), 404, "instance_not_found")
    for url in (f"{API}/{a.instance.id}", f"{API}/{a.instance.id}/status"):
        _error(await b.client.get(url), 404, "instance_not_found")
    assert [r.path for r in harness.sim.requests] == []
    assert [i["id"] for i in (await b.client.get(API)).json()] == [str(b.instance.id)]
    async with harness.db() as db:
        row = await db.get(Instance, a.instance.id)
        assert row is not None and row.name == "Acme WhatsApp"


async def test_bad_input_is_a_json_4xx(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    iid = t.instance.id
    cases: list[tuple[str, str, Any]] = [
        ("POST", API, {}),
        ("POST", API, {"name": "X", "baseUrl": "not a url", "token": "t"}),
        ("POST", API, {"name": "X", "baseUrl": WUZAPI_BASE}),
        ("POST", API, {"name": "X", "baseUrl": WUZAPI_BASE, "token": "t", "hmacKey": "short"}),
        ("POST", API, {"name": "X", "baseUrl": WUZAPI_BASE, "token": "t", "extra": 1}),
        ("POST", API, {"name": "", "baseUrl": WUZAPI_BASE, "token": "t"}),
        ("POST", API, {"name": "X", "baseUrl": WUZAPI_BASE, "token": "t", "adminToken": "a"}),
        ("PATCH", f"{API}/{iid}", {"name": ""}),
        ("POST", f"{API}/{iid}/pair-phone", {"phone": "call me"}),
        ("POST", f"{API}/{iid}/pair-phone", {"phone": "+1 234"}),
        ("GET", f"{API}/not-a-uuid/status", None),
    ]
    for method, url, body in cases:
        resp = await t.client.request(method, url, json=body)
        assert resp.status_code == 422, (method, url, body, resp.text)
        err = resp.json()["error"]
        assert err["code"] == "validation_error" and err["details"], err
    unknown = await t.client.post(f"{API}/{uuid.uuid4()}/connect")
    _error(unknown, 404, "instance_not_found")
    assert [r.path for r in harness.sim.requests] == []


# --- rename and delete ----------------------------------------------------------------------------
async def test_rename_and_delete(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    resp = await t.client.patch(f"{API}/{t.instance.id}", json={"name": "Comercial"})
    assert resp.status_code == 200 and resp.json()["name"] == "Comercial"

    # With conversations: refused, the instance and its history stay.
    assert (await harness.webhook(t, p.text_message(phone=LEAD))).status_code == 200
    body = _error(await t.client.delete(f"{API}/{t.instance.id}"), 409, "instance_has_conversations")
    assert "disconnect" in body["message"]
    assert (await t.client.get(f"{API}/{t.instance.id}")).status_code == 200
    assert harness.sim.requests_to("/webhook") == []

    # Without: deleted, and WuzAPI stops posting to the dead URL.
    user = _sim_user(harness)
    added = (await t.client.post(API, json={"name": "Extra", "baseUrl": WUZAPI_BASE, "token": user.token})).json()
    assert (await t.client.delete(f"{API}/{added['id']}")).status_code == 204
    _error(await t.client.get(f"{API}/{added['id']}"), 404, "instance_not_found")
    assert [r.method for r in harness.sim.requests_to("/webhook")] == ["POST", "DELETE"]
    assert user.webhook == ""


# --- live status ----------------------------------------------------------------------------------
async def test_status_reads_old_wuzapi_casing(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    async with harness.db() as db:
        row = await db.get(Instance, t.instance.id)
        assert row is not None
        row.status = InstanceStatus.UNKNOWN

    def old_build(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/session/status"
        return httpx.Response(200, json={"code": 200, "data": {"Connected": True, "LoggedIn": True}, "success": True})

    async with _wuzapi_answers(harness, old_build):
        resp = await t.client.get(f"{API}/{t.instance.id}/status")
    assert resp.status_code == 200
    assert resp.json()["status"] == "connected" and resp.json()["loggedIn"] is True


def test_session_state_mapping() -> None:
    s = wuzapi.session_state
    assert s({"connected": True, "loggedIn": True, "jid": "5511999990000@s.whatsapp.net"}).status == "connected"
    assert s({"Connected": True, "LoggedIn": True}).status == "connected"
    qr = s({"connected": True, "loggedIn": False, "qrcode": "data:image/png;base64,AA"})
    assert qr.status == "qr" and qr.qr_code == "data:image/png;base64,AA"
    assert s({"Connected": False, "LoggedIn": True}).status == "disconnected"
    assert s({"connected": False, "loggedIn": False, "jid": "5511999990000@s.whatsapp.net"}).status == ("disconnected")
    assert s({"connected": False, "loggedIn": False, "jid": ""}).status == "logged_out"
    assert s({}).status == "logged_out"


async def test_poll_instance_statuses(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    down = _sim_user(harness)
    down.failures.no_session = True
    async with harness.db() as db:
        row = await db.get(Instance, t.instance.id)
        assert row is not None
        row.status = InstanceStatus.UNKNOWN
        ghost = await service.create_instance(
            db, t.organization_id, name="Ghost", base_url=WUZAPI_BASE, token="deleted-in-wuzapi"
        )
        ghost.status = InstanceStatus.CONNECTED
        gone = await service.create_instance(db, t.organization_id, name="Down", base_url=WUZAPI_BASE, token=down.token)
        gone.status = InstanceStatus.CONNECTED
        demo = await service.create_instance(
            db, t.organization_id, name="Demo", base_url=WUZAPI_BASE, token="demo-token", is_demo=True
        )
        ids = {"ok": row.id, "ghost": ghost.id, "down": gone.id, "demo": demo.id}

    async with harness.db() as db:
        changed = await polling.poll_instance_statuses(db, harness.app.state.http, harness.settings)
    assert changed == 3
    tokens = [r.headers.get("token") for r in harness.sim.requests_to("/session/status")]
    assert "demo-token" not in tokens and len(tokens) == 3

    async with harness.db() as db:
        got = {k: (await db.get(Instance, v)) for k, v in ids.items()}
        assert {k: i.status for k, i in got.items() if i is not None} == {
            "ok": InstanceStatus.CONNECTED,
            "ghost": InstanceStatus.UNKNOWN,  # 401: logged, not raised
            "down": InstanceStatus.DISCONNECTED,
            "demo": InstanceStatus.UNKNOWN,  # never polled
        }
    published = await harness.drain()
    # each on the organization channel (and copied to chat:agents:, the restricted agents' feed)
    assert sum(1 for ch, d in published if d["type"] == "instance_updated" and ch.startswith("chat:org:")) == 3

    # Nothing changed since: a second round publishes nothing; WuzAPI down: unknown, no raise.
    async with harness.db() as db:
        assert await polling.poll_instance_statuses(db, harness.app.state.http, harness.settings) == 0
    async with _wuzapi_answers(harness, _unreachable), harness.db() as db:
        assert await polling.poll_instance_statuses(db, harness.app.state.http, harness.settings) == 2
    async with harness.db() as db:
        row = await db.get(Instance, ids["ok"])
        assert row is not None and row.status == InstanceStatus.UNKNOWN
