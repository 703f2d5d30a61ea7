"""What a message costs the outbox (issue 16): one row per event whatever the number of
channels, the restricted agents' channel added to the row rather than copied into another."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.tenants import Harness
from whatrack.models import OutboxEvent
from whatrack.simulator import payloads as p


async def _rows(harness: Harness) -> list[tuple[str, str]]:
    async with harness.db() as db:
        rows = (await db.execute(select(OutboxEvent.channel, OutboxEvent.data).order_by(OutboxEvent.id))).all()
    return [(channel, data["type"]) for channel, data in rows]


async def test_a_message_is_two_rows_whatever_the_policy(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    org, agents = f"chat:org:{t.organization_id}", f"chat:agents:{t.organization_id}"
    for policy, extra in (("all", ""), ("assigned_and_unassigned", " " + agents)):
        patched = await t.client.patch("/api/v1/organization", json={"agentVisibility": policy})
        assert patched.status_code == 200, patched.text
        await harness.drain()
        assert (await harness.webhook(t, p.text_message(phone="5511988887777", text=policy))).status_code == 200
        rows = await _rows(harness)
        assert len(rows) == 2, rows  # new_message and conversation_updated
        (msg_channels, msg_type), (conv_channels, conv_type) = rows
        assert msg_type == "new_message" and conv_type == "conversation_updated"
        conversation = msg_channels.split(" ")[0]
        assert conversation.startswith("chat:conversation:")
        assert msg_channels == f"{conversation} {org}{extra}"
        assert conv_channels == f"{org}{extra}"
        published = await harness.drain()  # each channel hears it once
        channels = [c for c, _ in published]
        assert sorted(channels) == sorted([conversation, org, org] + ([agents, agents] if extra else []))
        assert await _rows(harness) == []


async def test_an_assigned_conversation_reaches_its_assignee_channel(harness: Harness) -> None:
    """The webhook batch knows the policy (loaded with the instance) and the locked conversation's
    assignee: the row names the assignee's channel, not the agents' one."""
    t = await harness.tenant("Acme")
    org = f"chat:org:{t.organization_id}"
    assert (
        await t.client.patch("/api/v1/organization", json={"agentVisibility": "assigned_and_unassigned"})
    ).is_success
    assert (await harness.webhook(t, p.text_message(phone="5511988887777", text="oi"))).status_code == 200
    conv_id = (await t.client.get("/api/v1/conversations")).json()["items"][0]["id"]
    assigned = await t.client.post(f"/api/v1/conversations/{conv_id}/assign", json={"userId": str(t.user_id)})
    assert assigned.status_code == 200, assigned.text
    await harness.drain()
    assert (await harness.webhook(t, p.text_message(phone="5511988887777", text="de novo"))).status_code == 200
    mine = f"chat:user:{t.user_id}"
    assert await _rows(harness) == [
        (f"chat:conversation:{conv_id} {org} {mine}", "new_message"),
        (f"{org} {mine}", "conversation_updated"),
    ]
