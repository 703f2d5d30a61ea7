"""Inputs that answered 500 (issue 18, finding 13): each is now a 4xx with a code, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.tenants import Harness

CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("GET", "/api/v1/conversations", {"params": {"q": "a\x00b"}}, 400, "invalid_characters"),
    ("GET", "/api/v1/leads", {"params": {"q": "a\x00b"}}, 400, "invalid_characters"),
    ("GET", "/api/v1/conversations", {"params": {"cursor": '{"a":1}'}}, 400, "invalid_cursor"),
    ("GET", "/api/v1/conversations", {"params": {"cursor": "eyJhIjoxfQ"}}, 400, "invalid_cursor"),
    ("POST", "/api/v1/whatsapp/messages", {"content": b"{not json"}, 400, "invalid_body"),
    ("POST", "/api/v1/whatsapp/messages", {"content": b"\xff\xfe"}, 400, "invalid_body"),
    ("PATCH", "/api/v1/organization", {"json": {"name": "a\x00b"}}, 422, "validation_error"),
    # a WuzAPI token travels in an HTTP header: a non-ASCII one could not be sent (schemathesis)
    (
        "POST",
        "/api/v1/instances",
        {"json": {"name": "X", "baseUrl": "https://wuzapi.example", "token": "\u0091"}},
        422,
        "validation_error",
    ),
    ("PATCH", "/api/v1/organization", {"content": b'{"name": "a\\ud800b"}'}, 422, "validation_error"),
    (
        "GET",
        "/api/v1/reports/overview",
        {"params": {"from": "0001-01-01", "to": "0001-01-01"}},
        400,
        "report_date_out_of_range",
    ),
    (
        "GET",
        "/api/v1/reports/agents",
        {"params": {"from": "9999-12-31", "to": "9999-12-31"}},
        400,
        "report_date_out_of_range",
    ),
    (
        "GET",
        "/api/v1/reports/attribution",
        {"params": {"from": "0001-01-01", "to": "0001-01-02"}},
        400,
        "report_date_out_of_range",
    ),
]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code"), CASES, ids=[f"{c[0]} {c[1]} {c[4]}" for c in CASES]
)
async def test_former_500s_answer_a_coded_4xx(
    harness: Harness, method: str, url: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    t = await harness.tenant("Acme")
    if "content" in kwargs:
        kwargs = kwargs | {"headers": {"content-type": "application/json"}}
    resp = await t.client.request(method, url, **kwargs)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == code
    assert "content-security-policy" in resp.headers  # answered by the app, not a dropped connection


async def test_non_ascii_and_nul_credentials_are_401(harness: Harness) -> None:
    for token in ("sessão".encode(), b"\x00", "é".encode()):
        resp = await harness.anon.get("/api/v1/auth/me", headers={b"cookie": b"whatrack_session=" + token})
        assert resp.status_code == 401, resp.text
        assert resp.json()["error"]["code"] in ("session_expired", "not_authenticated")
