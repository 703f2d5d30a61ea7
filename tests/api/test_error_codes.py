"""Every error the API answers has a specific code from one documented list, and the web app
translates each code in both languages."""

from __future__ import annotations

import ast
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.tenants import Harness
from whatrack import errors
from whatrack.app import create_app
from whatrack.models import Role
from whatrack.simulator import payloads as p

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "frontend" / "src" / "i18n"
GENERIC = {"bad_request", "unauthorized", "forbidden", "not_found", "conflict", "bad_gateway", "error", "http_error"}


def _translated(file: Path) -> set[str]:
    return set(re.findall(r'^\s*"errors\.([a-z][a-z0-9_]*)":', file.read_text(encoding="utf-8"), re.MULTILINE))


@pytest.mark.parametrize("file", ["ptBR.ts", "en.ts"])
def test_every_code_has_a_translation(file: str) -> None:
    missing = sorted(set(errors.all_codes()) - _translated(I18N / file))
    assert missing == [], f"add errors.<code> texts to frontend/src/i18n/{file}: {missing}"


def test_translation_check_would_catch_a_missing_code(tmp_path: Path) -> None:
    text = (I18N / "en.ts").read_text(encoding="utf-8").replace('"errors.lead_not_found":', '"errors.lead_gone":')
    (tmp_path / "en.ts").write_text(text, encoding="utf-8")
    assert "lead_not_found" not in _translated(tmp_path / "en.ts")
    assert "lead_not_found" in _translated(I18N / "en.ts")


def test_codes_are_specific_and_the_groups_cannot_be_raised() -> None:
    codes = errors.all_codes()
    assert len(codes) == len(set(codes)) > 40
    assert not GENERIC & set(codes)
    for group in (errors.BadRequest, errors.Unauthorized, errors.Forbidden, errors.NotFound, errors.Conflict):
        with pytest.raises(TypeError):
            group("generic")
    err = errors.ConversationNotFound()
    assert err.body() == {
        "error": {"code": "conversation_not_found", "message": "Conversation not found.", "details": None}
    }


def test_docs_and_openapi_list_every_code() -> None:
    docs = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert errors.markdown_table() in docs, "regenerate the table in docs/api.md: python -m whatrack.errors"
    schema: dict[str, Any] = create_app().openapi()
    assert schema["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"] == errors.all_codes()
    # Routes declare their cases: each declared error response names its codes.
    declared = {
        code
        for path in schema["paths"].values()
        for op in path.values()
        for status, resp in op.get("responses", {}).items()
        if status[0] in "45"
        for code in re.findall(r"^- `([a-z_]+)`:", resp.get("description", ""), re.MULTILINE)
    }
    assert {"conversation_not_found", "ticket_already_resolved", "csrf_failed", "wuzapi_unreachable"} <= declared
    assert "HTTPValidationError" not in schema["components"]["schemas"]  # 422 has our shape too
    assert declared <= set(errors.all_codes())


def _code(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()["error"]
    assert body["message"]
    code: str = body["code"]
    assert code in errors.all_codes() and code not in GENERIC, code
    return code


async def test_bad_requests_answer_specific_documented_codes(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    agent = await harness.tenant("Beta", role=Role.AGENT)
    await harness.webhook(t, p.text_message())
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    ticket = conv["currentTicketId"]
    nobody = uuid.uuid4()
    anon, c = harness.anon, t.client
    forged = harness.client()
    forged.cookies.set("whatrack_session", "forged")
    limit = harness.settings.max_body_bytes

    cases: list[tuple[Any, int, str]] = [
        (anon.get("/api/v1/no-such-route"), 404, "route_not_found"),
        (c.delete("/api/v1/auth/me"), 405, "method_not_allowed"),
        (
            anon.post("/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}),
            422,
            "validation_error",
        ),
        (
            anon.post(t.webhook_path, content=b"x" * (limit + 1), headers={"content-type": "application/json"}),
            413,
            "payload_too_large",
        ),
        (anon.get("/api/v1/conversations"), 401, "not_authenticated"),
        (forged.get("/api/v1/conversations"), 401, "session_expired"),
        (
            anon.post("/api/v1/auth/login", json={"email": t.email, "password": "wrong password"}),
            401,
            "invalid_credentials",
        ),
        (c.get(f"/api/v1/conversations/{nobody}"), 404, "conversation_not_found"),
        (c.get(f"/api/v1/conversations/{nobody}/messages"), 404, "conversation_not_found"),
        (c.get(f"/api/v1/leads/{nobody}"), 404, "lead_not_found"),
        (c.post(f"/api/v1/tickets/{nobody}/close", json={"outcome": "sale"}), 404, "ticket_not_found"),
        (c.post(f"/api/v1/whatsapp/messages/{nobody}/retry"), 404, "message_not_found"),
        (c.get(f"/api/v1/media/{nobody}"), 404, "message_not_found"),
        (c.get(f"/api/v1/instances/{nobody}"), 404, "instance_not_found"),
        (c.get("/api/v1/conversations", params={"cursor": "garbage"}), 400, "invalid_cursor"),
        (c.post(f"/api/v1/tickets/{ticket}/reopen"), 409, "ticket_not_resolved"),
        (c.patch(f"/api/v1/leads/{conv['lead']['id']}", json={}), 400, "nothing_to_update"),
        (
            c.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": str(nobody)}),
            400,
            "assignee_not_member",
        ),
        (
            c.post("/api/v1/whatsapp/messages", content=b"hi", headers={"content-type": "text/plain"}),
            415,
            "unsupported_media_type",
        ),
        (c.post("/api/v1/whatsapp/messages", json={"conversationId": conv["id"], "content": 5}), 400, "invalid_body"),
        (
            c.post("/api/v1/whatsapp/messages", data={"conversationId": conv["id"]}, files={"x": ("a", b"1")}),
            400,
            "missing_field",
        ),
        (
            c.post("/api/v1/whatsapp/messages", content=b"--x\r\n", headers={"content-type": "multipart/form-data"}),
            400,
            "malformed_request",
        ),
        (agent.client.patch(f"/api/v1/instances/{agent.instance.id}", json={"name": "X"}), 403, "admin_required"),
        (
            anon.post(f"/api/v1/whatsapp/w/webhook/{t.instance.id}?secret=wrong", json=p.text_message()),
            401,
            "webhook_secret_invalid",
        ),
        (anon.post(f"/api/v1/whatsapp/w/webhook/{nobody}?secret=x", json=p.text_message()), 404, "instance_not_found"),
        (
            anon.post(t.webhook_path, content=b"{not json", headers={"content-type": "application/json"}),
            400,
            "invalid_webhook_payload",
        ),
    ]
    for call, status, code in cases:
        assert _code(await call, status) == code

    no_csrf = harness.client()
    no_csrf.cookies.update(c.cookies)
    assert _code(await no_csrf.post("/api/v1/auth/logout"), 403) == "csrf_failed"

    # details carry what the UI shows
    big = await anon.post(t.webhook_path, content=b"x" * (limit + 1), headers={"content-type": "application/json"})
    assert big.json()["error"]["details"] == {"maxBytes": limit}
    assert (await c.post(f"/api/v1/tickets/{ticket}/close", json={"outcome": "sale"})).status_code == 200
    again = await c.post(f"/api/v1/tickets/{ticket}/close", json={"outcome": "sale"})
    assert _code(again, 409) == "ticket_already_resolved"
    assert again.json()["error"]["details"] == {"ticketNumber": 1}
    field = await c.post("/api/v1/whatsapp/messages", data={"conversationId": "nope"}, files={"file": ("a.pdf", b"1")})
    assert _code(field, 400) == "invalid_field" and field.json()["error"]["details"] == {"field": "conversationId"}
    invalid = await anon.post("/api/v1/auth/login", json={"email": "x"})
    assert _code(invalid, 422) == "validation_error"
    assert any(d["loc"][-1] == "password" for d in invalid.json()["error"]["details"])


async def test_a_bug_answers_a_json_internal_error(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    t = await harness.tenant("Acme")

    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("whatrack.leads.service.get_lead", broken)
    transport = httpx.ASGITransport(app=harness.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=str(t.client.base_url), cookies=t.client.cookies) as c:
        resp = await c.get(f"/api/v1/leads/{uuid.uuid4()}")
    assert _code(resp, 500) == "internal_error"
    assert "boom" not in resp.text


def test_no_status_group_is_raised_in_the_source() -> None:
    """A group (BadRequest, NotFound...) has no code of its own: raising one is a TypeError, so
    no module may construct one."""
    groups = {"BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "BadGateway", "DomainError"}
    offenders = []
    for file in (ROOT / "src" / "whatrack").rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in groups:
                    offenders.append(f"{file.relative_to(ROOT)}:{node.lineno} {name}(...)")
    assert offenders == []
