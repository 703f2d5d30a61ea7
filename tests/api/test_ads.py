"""Ad-aware inbox (issue 11): the ad's facts apart from campaign, admins naming ads as campaigns
(past and future tickets), ad clicks on an open ticket kept as touches and credited by any_touch."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.api.test_metrics import _receive
from tests.support.tenants import PASSWORD, Harness
from whatrack.auth import service as auth
from whatrack.models import Organization, Role
from whatrack.simulator import payloads as p

AD1, AD2 = "120200000000000001", "120200000000000002"
ANA = "5511933330001"


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


async def test_ad_facts_campaign_names_and_touches(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    # the ad's link has no utm_campaign and no ref: no campaign is known (the headline is not one)
    first = p.Referral(campaign="", source_id=AD1, title="Tênis em promoção", source_url="https://loja.example/tenis")
    await _receive(harness, t, p.text_message(phone=ANA, message_id="A1", referral=first, timestamp=_at(2)))
    conv = (await t.client.get("/api/v1/conversations")).json()["items"][0]
    lead = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()
    ticket = lead["tickets"][0]
    assert (ticket["source"], ticket["campaign"], ticket["adId"]) == ("meta_ads", None, AD1)
    assert (ticket["adHeadline"], ticket["adBody"], ticket["adSourceUrl"]) == (
        "Tênis em promoção",
        first.body,
        "https://loja.example/tenis",
    )
    assert ticket["adThumbnailUrl"].startswith("https://") and lead["firstCampaign"] is None

    # a second ad click while the ticket is open: a touch, the ticket keeps its origin
    again = p.Referral(campaign="verao", source_id=AD2, title="Verão")
    await _receive(harness, t, p.text_message(phone=ANA, message_id="A2", referral=again, timestamp=_at(3)))
    lead = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()
    assert len(lead["tickets"]) == 1 and lead["tickets"][0]["adId"] == AD1
    assert [(x["adId"], x["campaign"], x["adHeadline"]) for x in lead["tickets"][0]["touches"]] == [
        (AD2, "verao", "Verão")
    ]

    # the admin names AD1: past tickets and the lead's first campaign take the name
    named = await t.client.put(f"/api/v1/reports/ads/{AD1}/campaign", json={"campaign": " Tênis Março "})
    assert named.status_code == 200 and named.json() == {
        "adId": AD1,
        "headline": "Tênis em promoção",
        "tickets": 1,
        "campaign": "Tênis Março",
    }
    lead = (await t.client.get(f"/api/v1/leads/{conv['lead']['id']}")).json()
    assert lead["tickets"][0]["campaign"] == "Tênis Março" and lead["firstCampaign"] == "Tênis Março"
    ads = (await t.client.get("/api/v1/reports/ads")).json()
    assert [(a["adId"], a["campaign"]) for a in ads] == [(AD1, "Tênis Março")]

    # any_touch credits the touch's campaign with the sale too; last_touch only the ticket's
    closed = await t.client.post(
        f"/api/v1/tickets/{lead['tickets'][0]['id']}/close", json={"outcome": "sale", "valueCents": 9900}
    )
    assert closed.status_code == 200
    today = datetime.now(UTC).date().isoformat()
    window = f"from=2026-03-01&to={today}"
    anyt = (await t.client.get(f"/api/v1/reports/attribution?{window}&model=any_touch&groupBy=campaign")).json()
    assert {g["key"]: g["sales"] for g in anyt["groups"] if g["sales"]} == {"Tênis Março": 1, "verao": 1}
    last = (await t.client.get(f"/api/v1/reports/attribution?{window}&model=last_touch&groupBy=campaign")).json()
    assert {g["key"]: g["sales"] for g in last["groups"] if g["sales"]} == {"Tênis Março": 1}

    # a future ticket from AD1 is named at once
    bia = "5511933330002"
    await _receive(harness, t, p.text_message(phone=bia, message_id="B1", referral=first, timestamp=_at(4)))
    listed = (await t.client.get("/api/v1/leads", params={"campaign": "Tênis Março"})).json()
    assert sorted(i["phone"] for i in listed["items"]) == ["+" + ANA, "+" + bia]

    # forgetting the name leaves the tickets as they are
    forgot = await t.client.put(f"/api/v1/reports/ads/{AD1}/campaign", json={"campaign": None})
    assert forgot.status_code == 200 and forgot.json()["campaign"] is None


async def test_only_admins_name_ads_and_organizations_stay_apart(harness: Harness) -> None:
    a = await harness.tenant("Alpha")
    b = await harness.tenant("Beta")
    await _receive(harness, a, p.text_message(phone=ANA, message_id="A1", referral=p.Referral(source_id=AD1)))
    # another organization naming the same ad id changes nothing of A's
    assert (await b.client.put(f"/api/v1/reports/ads/{AD1}/campaign", json={"campaign": "hack"})).status_code == 200
    assert (await b.client.get("/api/v1/reports/ads")).json()[0]["tickets"] == 0
    assert [x["campaign"] for x in (await a.client.get("/api/v1/reports/ads")).json()] == [None]
    async with harness.db() as db:
        org = await db.get(Organization, a.organization_id)
        assert org is not None
        await auth.create_user(db, org, email="ag@example.com", name="Ag", password=PASSWORD, role=Role.AGENT)
    agent = await harness.login("ag@example.com")
    refused = await agent.put(f"/api/v1/reports/ads/{AD1}/campaign", json={"campaign": "x"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_required"
    assert (await agent.get("/api/v1/reports/ads")).status_code == 403
    too_long = await a.client.put(f"/api/v1/reports/ads/{AD1}/campaign", json={"campaign": "x" * 201})
    assert too_long.status_code == 422
