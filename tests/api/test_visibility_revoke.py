"""Losing sight of a conversation ends the real-time subscriptions that showed it, in the same
transaction as the change (outbox control rows; delivered on both servers in
tests/integration/test_realtime_unsubscribe.py): a conversation taken or assigned away
unsubscribes the agents who could see it; switching the organization's policy or changing a
member's role disconnects them (their tokens are asked for again, and refused for what they may
no longer see; the web app asks who it is, and a wider feed is taken without a reload)."""

from __future__ import annotations

from sqlalchemy import select

from tests.api.test_visibility import _member, team
from tests.support.tenants import Harness
from whatrack.models import OutboxEvent, Role
from whatrack.realtime.control import DISCONNECT_USER, UNSUBSCRIBE_USER


async def _controls(harness: Harness) -> list[tuple[str, dict[str, str]]]:
    async with harness.db() as db:
        rows = await db.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.channel.in_([UNSUBSCRIBE_USER, DISCONNECT_USER]))
            .order_by(OutboxEvent.id)
        )
        return [(r.channel, r.data) for r in rows]


async def test_an_agent_taking_an_unassigned_conversation_unsubscribes_the_other_agents(harness: Harness) -> None:
    t = await team(harness, policy="assigned_and_unassigned", role=Role.AGENT)
    other_id, _ = await _member(harness, t.admin.organization_id, "Caio", Role.AGENT)
    await harness.drain()
    free = t.unassigned_conversation
    sent = await t.agent_client.post("/api/v1/whatsapp/messages", json={"conversationId": free, "content": "eu pego"})
    assert sent.status_code in (200, 201), sent.text
    channel = f"chat:conversation:{free}"
    expected = sorted([str(t.colleague_id), str(other_id)])
    controls = await _controls(harness)
    assert {c for c, _ in controls} == {UNSUBSCRIBE_USER}
    assert sorted(d["user"] for _, d in controls) == expected  # not the taker, not the admin
    assert {d["channel"] for _, d in controls} == {channel}


async def test_reassignment_unsubscribes_the_previous_agent_only(harness: Harness) -> None:
    t = await team(harness, policy="assigned_and_unassigned", role=Role.AGENT)
    await harness.drain()
    url = f"/api/v1/conversations/{t.own_conversation}/assign"
    assert (await t.admin.client.post(url, json={"userId": str(t.colleague_id)})).status_code == 200
    channel = f"chat:conversation:{t.own_conversation}"
    assert await _controls(harness) == [(UNSUBSCRIBE_USER, {"user": str(t.agent_id), "channel": channel})]
    await harness.drain()
    # unassigned: every agent sees it again, nobody loses it; to the admin: an admin sees all
    assert (await t.admin.client.post(url, json={"userId": None})).status_code == 200
    assert (await t.admin.client.post(url, json={"userId": str(t.admin.user_id)})).status_code == 200
    controls = await _controls(harness)
    assert sorted(d["user"] for _, d in controls) == sorted([str(t.agent_id), str(t.colleague_id)])


async def test_nothing_is_revoked_when_agents_see_everything(harness: Harness) -> None:
    t = await team(harness, policy="all", role=Role.AGENT)
    await harness.drain()
    url = f"/api/v1/conversations/{t.own_conversation}/assign"
    assert (await t.admin.client.post(url, json={"userId": str(t.colleague_id)})).status_code == 200
    sent = await t.agent_client.post(
        "/api/v1/whatsapp/messages", json={"conversationId": t.unassigned_conversation, "content": "eu pego"}
    )
    assert sent.status_code in (200, 201), sent.text
    assert await _controls(harness) == []


async def test_switching_the_policy_disconnects_the_agents(harness: Harness) -> None:
    t = await team(harness, policy="all", role=Role.AGENT)
    await harness.drain()
    patch = {"agentVisibility": "assigned_and_unassigned"}
    assert (await t.admin.client.patch("/api/v1/organization", json=patch)).status_code == 200
    controls = await _controls(harness)
    assert {c for c, _ in controls} == {DISCONNECT_USER}
    assert sorted(d["user"] for _, d in controls) == sorted([str(t.agent_id), str(t.colleague_id)])
    await harness.drain()
    # the same value again: nothing changes
    assert (await t.admin.client.patch("/api/v1/organization", json=patch)).status_code == 200
    assert await _controls(harness) == []
    # back to `all`: disconnected too, so that their web apps take the organization's feed
    back = {"agentVisibility": "all"}
    assert (await t.admin.client.patch("/api/v1/organization", json=back)).status_code == 200
    controls = await _controls(harness)
    assert {c for c, _ in controls} == {DISCONNECT_USER}
    assert sorted(d["user"] for _, d in controls) == sorted([str(t.agent_id), str(t.colleague_id)])


async def test_a_demoted_admin_or_promoted_agent_is_disconnected(harness: Harness) -> None:
    t = await team(harness, policy="assigned_and_unassigned", role=Role.AGENT)
    second_admin, _ = await _member(harness, t.admin.organization_id, "Dora", Role.ADMIN)
    await harness.drain()
    url = f"/api/v1/users/{second_admin}"
    assert (await t.admin.client.patch(url, json={"role": "admin"})).status_code == 200  # unchanged
    assert await _controls(harness) == []
    assert (await t.admin.client.patch(url, json={"role": "agent"})).status_code == 200
    assert await _controls(harness) == [(DISCONNECT_USER, {"user": str(second_admin)})]
    await harness.drain()
    # promoted: disconnected too, so that their web app takes the organization's feed
    promoted = await t.admin.client.patch(f"/api/v1/users/{t.agent_id}", json={"role": "admin"})
    assert promoted.status_code == 200
    assert await _controls(harness) == [(DISCONNECT_USER, {"user": str(t.agent_id)})]
