"""Per-organization waiting thresholds (issue 13): when the list's waiting timer turns amber
and red, set in PATCH /api/v1/organization and read back in /auth/me."""

from __future__ import annotations

from typing import Any

from tests.support.tenants import Harness
from whatrack.models import Role


async def test_waiting_thresholds_are_organization_settings(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    org = (await t.client.get("/api/v1/auth/me")).json()["organization"]
    assert (org["waitingWarnMinutes"], org["waitingAlertMinutes"]) == (10, 30)  # the former fixed values

    resp = await t.client.patch("/api/v1/organization", json={"waitingWarnMinutes": 5, "waitingAlertMinutes": 15})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["waitingWarnMinutes"], resp.json()["waitingAlertMinutes"]) == (5, 15)
    # one alone, checked against the other's stored value
    resp = await t.client.patch("/api/v1/organization", json={"waitingAlertMinutes": 120})
    assert resp.status_code == 200 and resp.json()["waitingWarnMinutes"] == 5
    org = (await t.client.get("/api/v1/auth/me")).json()["organization"]
    assert (org["waitingWarnMinutes"], org["waitingAlertMinutes"]) == (5, 120)

    bad: list[tuple[dict[str, Any], int, str]] = [
        ({"waitingWarnMinutes": 0}, 400, "waiting_threshold_invalid"),
        ({"waitingAlertMinutes": -5}, 400, "waiting_threshold_invalid"),
        ({"waitingAlertMinutes": 10081}, 400, "waiting_threshold_invalid"),
        ({"waitingWarnMinutes": 30, "waitingAlertMinutes": 30}, 400, "waiting_warn_not_below_alert"),
        ({"waitingWarnMinutes": 121}, 400, "waiting_warn_not_below_alert"),  # above the stored alert
        ({"waitingAlertMinutes": 4}, 400, "waiting_warn_not_below_alert"),  # below the stored warn
        ({"waitingWarnMinutes": "dez"}, 422, "validation_error"),
        ({"waitingWarnMinutes": 2.5}, 422, "validation_error"),
    ]
    for body, status, code in bad:
        resp = await t.client.patch("/api/v1/organization", json=body)
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), (body, resp.text)
    # a refused change changes nothing, not even the fields sent with it
    resp = await t.client.patch("/api/v1/organization", json={"name": "Outra", "waitingWarnMinutes": 0})
    assert resp.status_code == 400
    org = (await t.client.get("/api/v1/auth/me")).json()["organization"]
    assert (org["name"], org["waitingWarnMinutes"], org["waitingAlertMinutes"]) == ("Acme", 5, 120)

    # admins only; agents read them (the list's timers use them)
    agent = await harness.tenant("Acme2", role=Role.AGENT)
    denied = await agent.client.patch("/api/v1/organization", json={"waitingWarnMinutes": 1})
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "admin_required")
    assert (await agent.client.get("/api/v1/auth/me")).json()["organization"]["waitingAlertMinutes"] == 30
