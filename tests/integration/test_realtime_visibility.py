"""Real time under the visibility policy (issue 12), with real subscribers on Centrifugo and on
the embedded hub: an agent restricted to their own and unassigned conversations hears those
and nothing of a colleague's, may not subscribe to the organization channel nor to a hidden
conversation, and hears conversation_hidden when one is assigned away."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from centrifuge import Client

from tests.integration.test_realtime_delivery import SECRET, Collector, _harness
from tests.support.tenants import PASSWORD, Harness
from whatrack.auth import service as auth
from whatrack.models import Organization, Role
from whatrack.realtime.tokens import connection_token
from whatrack.simulator import payloads as p


async def _wait_for(got: Collector, match: Callable[[dict[str, Any]], bool], within: float = 5) -> dict[str, Any]:
    async def found() -> dict[str, Any]:
        while True:
            for item in got.items:
                if match(item):
                    return item
            got.event.clear()
            await got.event.wait()

    return await asyncio.wait_for(found(), within)


def _about(conv_id: str) -> Callable[[dict[str, Any]], bool]:
    def match(item: dict[str, Any]) -> bool:
        data = item["data"]
        return conv_id in (str(data.get("conversationId")), str(data.get("id")))

    return match


async def _connect(ws_url: str, user_id: uuid.UUID, subs: list[tuple[str, str]]) -> tuple[Client, list[Collector]]:
    client = Client(ws_url, token=connection_token(str(user_id), SECRET))
    collectors = []
    subscriptions = []
    for channel, token in subs:
        collector = Collector()
        subscriptions.append(client.new_subscription(channel, token=token, events=collector))
        collectors.append(collector)
    await client.connect()
    for sub in subscriptions:
        await sub.subscribe()
        await sub.ready(5)
    return client, collectors


@pytest.mark.centrifugo
@pytest.mark.parametrize("kind", ["centrifugo", "embedded"])
async def test_restricted_agent_hears_only_visible_conversations(
    kind: str, harness: Harness, database_url: str, tmp_path: Path
) -> None:
    async with _harness(kind, database_url, tmp_path / kind) as (h, ws_url):
        admin = await h.tenant("Visivel")  # a new organization: assigned_and_unassigned
        async with h.db() as db:
            org = await db.get(Organization, admin.organization_id)
            assert org is not None
            ana = await auth.create_user(
                db, org, email="ana@example.com", name="Ana", password=PASSWORD, role=Role.AGENT
            )
            bruno = await auth.create_user(
                db, org, email="bruno@example.com", name="Bruno", password=PASSWORD, role=Role.AGENT
            )
            ana_id, bruno_id = ana.id, bruno.id
        ana_client = await h.login("ana@example.com")
        org_channel = f"chat:org:{admin.organization_id}"
        agents_channel = f"chat:agents:{admin.organization_id}"
        user_channel = f"chat:user:{ana_id}"

        async def token(client: Any, channel: str) -> Any:
            return await client.post("/api/v1/chat/centrifugo/subscription-token", json={"channel": channel})

        refused = await token(ana_client, org_channel)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "channel_forbidden"
        assert (await token(ana_client, f"chat:user:{bruno_id}")).status_code == 403
        subs = [(c, (await token(ana_client, c)).json()["token"]) for c in (agents_channel, user_channel)]
        ana_ws, (ana_agents, ana_user) = await _connect(ws_url, ana_id, subs)
        admin_ws, (admin_org,) = await _connect(
            ws_url, admin.user_id, [(org_channel, (await token(admin.client, org_channel)).json()["token"])]
        )
        try:
            # an unassigned conversation: every agent hears it
            await h.webhook(admin, p.text_message(phone="5511955550001", text="primeira"))
            await h.app.state.drainer.drain_once()
            first = await _wait_for(ana_agents, lambda d: d["type"] == "new_message")
            conv_id = str(first["data"]["conversationId"])

            # assigned to Bruno: Ana hears that it is gone, then nothing of it
            assigned = await admin.client.post(
                f"/api/v1/conversations/{conv_id}/assign", json={"userId": str(bruno_id)}
            )
            assert assigned.status_code == 200
            await h.app.state.drainer.drain_once()
            hidden = await _wait_for(ana_agents, lambda d: d["type"] == "conversation_hidden")
            assert hidden["data"] == {"conversationId": conv_id, "assigneeId": str(bruno_id)}
            seen = len(ana_agents.items)
            await h.webhook(admin, p.text_message(phone="5511955550001", text="segredo do Bruno"))
            await h.webhook(admin, p.text_message(phone="5511955550002", text="outro cliente"))
            await h.app.state.drainer.drain_once()
            await _wait_for(
                admin_org, lambda d: d["type"] == "new_message" and d["data"]["content"] == "segredo do Bruno"
            )
            marker = await _wait_for(
                ana_agents, lambda d: d["type"] == "new_message" and d["data"]["content"] == "outro cliente"
            )
            assert marker is not None
            later = ana_agents.items[seen:] + ana_user.items
            assert not any(_about(conv_id)(d) for d in later), later
            assert "segredo do Bruno" not in str(later)
            hidden_sub = await token(ana_client, f"chat:conversation:{conv_id}")
            assert hidden_sub.status_code == 403

            # assigned to Ana: her own channel carries it
            await admin.client.post(f"/api/v1/conversations/{conv_id}/assign", json={"userId": str(ana_id)})
            await h.webhook(admin, p.text_message(phone="5511955550001", text="agora da Ana"))
            await h.app.state.drainer.drain_once()
            # (the assignment's SYSTEM line reaches her channel first)
            mine = await _wait_for(
                ana_user, lambda d: d["type"] == "new_message" and d["data"]["senderType"] != "SYSTEM"
            )
            assert mine["data"]["content"] == "agora da Ana"
            assert (await token(ana_client, f"chat:conversation:{conv_id}")).status_code == 200
        finally:
            await ana_ws.disconnect()
            await admin_ws.disconnect()
