"""The leads list (GET /api/v1/leads): filters, cursor pages, CSV, tenancy and bad input, on the
hand-built history of the reports tests (João: first touch a Meta ad in January, sale in March;
Maria: Meta ad in March, sale; Caio: organic in March, open)."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.api.test_reports import CAIO, JOAO, MARCH, MARIA, _history
from tests.support.tenants import PASSWORD, Harness
from whatrack.auth import service as auth
from whatrack.models import Organization, Role
from whatrack.simulator import payloads as p


def _phones(body: dict[str, Any]) -> list[str]:
    return [item["phone"].lstrip("+") for item in body["items"]]


async def test_list_matches_the_first_touch_report(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _history(harness, t)

    everyone = (await t.client.get("/api/v1/leads")).json()
    assert _phones(everyone) == [CAIO, MARIA, JOAO]  # newest lead first
    joao = everyone["items"][2]
    assert (joao["firstSource"], joao["firstCampaign"], joao["ticketsCount"]) == ("meta_ads", "black_friday", 3)
    last = joao["lastTicket"]
    assert (last["number"], last["source"], last["outcome"], last["valueCents"]) == (3, "organic", "sale", 150000)
    assert joao["conversationId"] and joao["lastContactAt"].startswith("2026-03-10")

    # every lead the first-touch report counts for March, per source, is listed for March
    report = (await t.client.get(f"/api/v1/reports/attribution?{MARCH}&model=first_touch&groupBy=source")).json()
    assert report["groups"]
    for group in report["groups"]:
        listed = (
            await t.client.get(
                "/api/v1/leads",
                params={"source": group["key"], "createdFrom": "2026-03-01", "createdTo": "2026-03-31"},
            )
        ).json()
        assert len(listed["items"]) == group["leads"], group
    march = (
        await t.client.get("/api/v1/leads", params={"createdFrom": "2026-03-01", "createdTo": "2026-03-31"})
    ).json()
    assert sorted(_phones(march)) == sorted([MARIA, CAIO])
    # the range is inclusive in the organization's time zone (São Paulo): João was born Jan 10 12:00 UTC
    jan10 = (
        await t.client.get("/api/v1/leads", params={"createdFrom": "2026-01-10", "createdTo": "2026-01-10"})
    ).json()
    assert _phones(jan10) == [JOAO]

    by_campaign = (await t.client.get("/api/v1/leads", params={"campaign": "black_friday"})).json()
    assert _phones(by_campaign) == [MARIA, JOAO]
    sold = (await t.client.get("/api/v1/leads", params={"outcome": "sale"})).json()
    assert _phones(sold) == [MARIA, JOAO]
    assert _phones((await t.client.get("/api/v1/leads", params={"q": MARIA[-6:]})).json()) == [MARIA]
    assert (await t.client.get("/api/v1/leads", params={"instanceId": str(t.instance.id)})).json()["items"]


async def test_cursor_pages_and_csv(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await _history(harness, t)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await t.client.get("/api/v1/leads", params=params)).json()
        seen += _phones(page)
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [CAIO, MARIA, JOAO]

    resp = await t.client.get("/api/v1/leads", params={"format": "csv", "outcome": "sale"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert resp.content.startswith("\ufeff".encode()) and "attachment" in resp.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert [(r["Telefone"], r["Primeira origem"], r["Resultado do último ticket"], r["Tickets"]) for r in rows] == [
        ("+" + MARIA, "meta_ads", "sale", "1"),
        ("+" + JOAO, "meta_ads", "sale", "3"),
    ]


async def test_another_organizations_leads_are_never_listed(harness: Harness) -> None:
    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    await harness.webhook(a, p.text_message(phone="5511988887777", push_name="Segredo"))
    assert len((await a.client.get("/api/v1/leads")).json()["items"]) == 1
    for params in ({}, {"q": "Segredo"}, {"q": "88887777"}, {"instanceId": str(a.instance.id)}):
        assert (await b.client.get("/api/v1/leads", params=params)).json()["items"] == [], params
    assert "88887777" not in (await b.client.get("/api/v1/leads", params={"format": "csv"})).text


async def test_restricted_agent_lists_only_visible_leads(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message(phone="5511911112222", message_id="A1"))
    await harness.webhook(t, p.text_message(phone="5511911113333", message_id="A2"))
    async with harness.db() as db:
        org = await db.get(Organization, t.organization_id)
        assert org is not None
        await auth.create_user(db, org, email="ag@example.com", name="Ag", password=PASSWORD, role=Role.AGENT)
    assert (
        await t.client.patch("/api/v1/organization", json={"agentVisibility": "assigned_and_unassigned"})
    ).is_success
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    assigned = await t.client.post(f"/api/v1/conversations/{conv['id']}/assign", json={"userId": str(t.user_id)})
    assert assigned.status_code == 200
    agent = await harness.login("ag@example.com")
    listed = (await agent.get("/api/v1/leads")).json()
    assert [i["conversationId"] for i in listed["items"]] != [] and conv["id"] not in {
        i["conversationId"] for i in listed["items"]
    }


async def test_bad_input_answers_specific_codes(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    cases = {
        "createdFrom=2026-13-01": (400, "leads_date_invalid"),
        "createdTo=ontem": (400, "leads_date_invalid"),
        "createdFrom=2026-03-10&createdTo=2026-03-01": (400, "leads_range_inverted"),
        "cursor=not-a-cursor": (400, "invalid_cursor"),
        "cursor=WyJ4Il0=": (400, "invalid_cursor"),  # ["x"]
        "outcome=won": (422, "validation_error"),
        "format=xlsx": (400, "report_format_unknown"),
        "limit=0": (422, "validation_error"),
    }
    for query, (status, code) in cases.items():
        resp = await t.client.get(f"/api/v1/leads?{query}")
        assert (resp.status_code, resp.json()["error"]["code"]) == (status, code), query
    assert (await harness.anon.get("/api/v1/leads")).status_code == 401
