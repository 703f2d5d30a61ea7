"""Inbox list filtered by the current ticket's origin (issue 11, ad-aware inbox): `source` and
`campaign`, alone, together, with the tab/status filters and the cursor; an unknown source is
refused; another organization's campaign of the same name is not listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.test_visibility import team
from tests.support.tenants import Harness, Tenant
from whatrack.models import Role
from whatrack.simulator import payloads as p

BF = p.Referral(campaign="black_friday", source_id="120200000000000001", title="Black Friday")
VERAO = p.Referral(campaign="verao", source_id="120200000000000002", title="Verão")
# name -> (phone, referral): received in this order, a minute apart
LEADS: dict[str, tuple[str, p.Referral | None]] = {
    "ana": ("5511944440001", BF),
    "bia": ("5511944440002", VERAO),
    "caio": ("5511944440003", None),
    "dani": ("5511944440004", BF),
    "edu": ("5511944440005", None),
}


async def _phones(t: Tenant, **params: Any) -> list[str]:
    resp = await t.client.get("/api/v1/conversations", params=params)
    assert resp.status_code == 200, resp.text
    return [c["lead"]["phone"] for c in resp.json()["items"]]


def _ph(*names: str) -> list[str]:
    return ["+" + LEADS[n][0] for n in names]


async def _seed(harness: Harness, t: Tenant) -> dict[str, dict[str, Any]]:
    base = datetime.now(UTC) - timedelta(hours=1)
    for i, (phone, referral) in enumerate(LEADS.values()):
        payload = p.text_message(phone=phone, text=f"oi {i}", referral=referral, timestamp=base + timedelta(minutes=i))
        resp = await harness.webhook(t, payload)
        assert resp.status_code == 200, resp.text
    items = (await t.client.get("/api/v1/conversations")).json()["items"]
    by_phone = {c["lead"]["phone"]: c for c in items}
    return {name: by_phone["+" + phone] for name, (phone, _) in LEADS.items()}


async def test_source_and_campaign_filters(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    convs = await _seed(harness, t)
    assert convs["ana"]["ticketSource"] == "meta_ads" and convs["caio"]["ticketSource"] == "whatsapp"

    assert await _phones(t) == _ph("edu", "dani", "caio", "bia", "ana")
    assert await _phones(t, source="meta_ads") == _ph("dani", "bia", "ana")
    assert await _phones(t, source="whatsapp") == _ph("edu", "caio")
    assert await _phones(t, source="google_ads") == []
    assert await _phones(t, campaign="black_friday") == _ph("dani", "ana")
    assert await _phones(t, campaign=" verao ") == _ph("bia")  # trimmed, exact otherwise
    assert await _phones(t, campaign="black") == []
    assert await _phones(t, source="meta_ads", campaign="verao") == _ph("bia")
    assert await _phones(t, source="whatsapp", campaign="black_friday") == []

    # with the tabs and the status select
    assigned = await t.client.post(
        f"/api/v1/conversations/{convs['dani']['id']}/assign", json={"userId": str(t.user_id)}
    )
    assert assigned.status_code == 200
    assert await _phones(t, source="meta_ads", assigned="me") == _ph("dani")
    assert await _phones(t, source="meta_ads", assigned="unassigned") == _ph("bia", "ana")
    await t.client.post(f"/api/v1/conversations/{convs['edu']['id']}/read")
    assert await _phones(t, source="whatsapp", unread="true") == _ph("caio")
    assert await _phones(t, campaign="black_friday", order="waiting") == _ph("ana", "dani")
    closed = await t.client.post(f"/api/v1/tickets/{convs['ana']['currentTicketId']}/close", json={"outcome": "sale"})
    assert closed.status_code == 200
    assert await _phones(t, campaign="black_friday", ticket_status="RESOLVED") == _ph("ana")
    assert await _phones(t, campaign="black_friday", ticket_status="OPEN") == _ph("dani")

    # the lead writes again: a new ticket (plain WhatsApp) is the current one, the old campaign no longer lists it
    again = p.text_message(phone=LEADS["ana"][0], text="voltei")
    assert (await harness.webhook(t, again)).status_code == 200
    assert await _phones(t, campaign="black_friday") == _ph("dani")
    assert await _phones(t, source="whatsapp") == _ph("ana", "edu", "caio")

    # cursor pagination walks the filtered rows once, in order, and keeps the filter
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"source": "whatsapp", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await t.client.get("/api/v1/conversations", params=params)).json()
        seen += [c["lead"]["phone"] for c in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert (seen, pages) == (_ph("ana", "edu", "caio"), 2)
    first = await t.client.get("/api/v1/conversations", params={"source": "meta_ads", "order": "priority", "limit": 1})
    page = first.json()
    second = await _phones(t, source="meta_ads", order="priority", limit=5, cursor=page["nextCursor"])
    assert [c["lead"]["phone"] for c in page["items"]] + second == _ph("dani", "bia")


async def test_unknown_source_and_other_organizations(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    other = await harness.tenant("Outra")
    await _seed(harness, t)
    theirs = p.text_message(phone="5511944449999", text="oi", referral=BF)
    assert (await harness.webhook(other, theirs)).status_code == 200

    for bad in ("instagram", "META_ADS", ""):
        resp = await t.client.get("/api/v1/conversations", params={"source": bad})
        assert resp.status_code == 400, (bad, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "conversation_source_unknown"
        assert "meta_ads" in error["details"]["allowed"] and "whatsapp" in error["details"]["allowed"]
    too_long = await t.client.get("/api/v1/conversations", params={"campaign": "x" * 201})
    assert too_long.status_code == 422

    # the same campaign name in another organization: each lists its own
    assert await _phones(t, campaign="black_friday") == _ph("dani", "ana")
    assert await _phones(other, campaign="black_friday") == ["+5511944449999"]
    assert await _phones(other, campaign="verao") == []


async def test_origin_filters_keep_the_visibility_policy(harness: Harness) -> None:
    t = await team(harness, policy="assigned_and_unassigned", role=Role.AGENT)
    mine = {t.own_conversation, t.unassigned_conversation}
    for params in ({"source": "whatsapp"}, {"source": "whatsapp", "order": "waiting"}):
        resp = await t.agent_client.get("/api/v1/conversations", params=params)
        assert resp.status_code == 200, resp.text
        assert {c["id"] for c in resp.json()["items"]} == mine, params
    admin = await t.admin.client.get("/api/v1/conversations", params={"source": "whatsapp"})
    assert {c["id"] for c in admin.json()["items"]} == mine | {t.hidden["conversation_id"]}
