"""A conversation assigned away stops reaching the agent who lost it at once, through the real
Centrifugo v6 and the embedded hub: the reassignment's transaction writes an unsubscribe command
to the outbox, the drainer turns it into Centrifugo's server API `unsubscribe` (user + channel)
or the hub's `unsubscribe_user`, the agent's client gets the unsubscribe push (code 2000, final)
and the next message goes to the new assignee only. The token endpoint refuses the channel
from then on, so the SDK cannot subscribe again."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from centrifuge import Client, SubscriptionState, UnsubscribedContext
from sqlalchemy import select

from tests.integration.test_realtime_delivery import SECRET, Collector, _harness
from tests.integration.test_realtime_visibility import _wait_for
from tests.realtime.conftest import eventually
from tests.support.tenants import PASSWORD, Harness
from whatrack.auth import service as auth
from whatrack.models import Organization, OutboxEvent, Role
from whatrack.realtime.control import UNSUBSCRIBE_USER
from whatrack.realtime.tokens import connection_token
from whatrack.simulator import payloads as p

pytestmark = pytest.mark.centrifugo


class Events(Collector):
    """Publications' data, and the server's unsubscribe pushes."""

    def __init__(self) -> None:
        super().__init__()
        self.unsubscribed: list[UnsubscribedContext] = []

    async def on_unsubscribed(self, ctx: UnsubscribedContext) -> None:
        self.unsubscribed.append(ctx)


async def _sub_token(client: Any, channel: str) -> Any:
    return await client.post("/api/v1/chat/centrifugo/subscription-token", json={"channel": channel})


async def _listen(ws_url: str, user_id: uuid.UUID, session: Any, channels: list[str]) -> tuple[Client, list[Events]]:
    client = Client(ws_url, token=connection_token(str(user_id), SECRET))
    events = [Events() for _ in channels]
    subs = []
    for channel, ev in zip(channels, events, strict=True):
        resp = await _sub_token(session, channel)
        assert resp.status_code == 200, resp.text
        subs.append(client.new_subscription(channel, token=resp.json()["token"], events=ev))
    await client.connect()
    for sub in subs:
        await sub.subscribe()
        await sub.ready(5)
    return client, events


def _message(content: str) -> Any:
    return lambda d: d["type"] == "new_message" and d["data"]["content"] == content


@pytest.mark.parametrize("kind", ["centrifugo", "embedded"])
async def test_reassigned_away_unsubscribes_the_open_chat_at_once(
    kind: str, harness: Harness, database_url: str, tmp_path: Path
) -> None:
    async with _harness(kind, database_url, tmp_path / kind) as (h, ws_url):
        admin = await h.tenant("Revoga")  # a new organization: assigned_and_unassigned
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
        ana_session, bruno_session = await h.login("ana@example.com"), await h.login("bruno@example.com")
        await h.webhook(admin, p.text_message(phone="5511955550101", text="primeira"))
        conv_id = (await admin.client.get("/api/v1/conversations")).json()["items"][0]["id"]
        resp = await admin.client.post(f"/api/v1/conversations/{conv_id}/assign", json={"userId": str(ana_id)})
        assert resp.status_code == 200
        await h.app.state.drainer.drain_once()
        conversation = f"chat:conversation:{conv_id}"
        # Ana has the chat open (and her agents' feed); the admin watches the chat too; Bruno
        # listens to his own feed.
        ana_ws, (ana_chat, ana_feed) = await _listen(
            ws_url, ana_id, ana_session, [conversation, f"chat:agents:{admin.organization_id}"]
        )
        admin_ws, (admin_chat,) = await _listen(ws_url, admin.user_id, admin.client, [conversation])
        bruno_ws, (bruno_feed,) = await _listen(ws_url, bruno_id, bruno_session, [f"chat:user:{bruno_id}"])
        clients = [ana_ws, admin_ws, bruno_ws]
        try:
            await h.webhook(admin, p.text_message(phone="5511955550101", text="antes"))
            await h.app.state.drainer.drain_once()
            await _wait_for(ana_chat, _message("antes"))

            resp = await admin.client.post(f"/api/v1/conversations/{conv_id}/assign", json={"userId": str(bruno_id)})
            assert resp.status_code == 200
            async with h.db() as db:  # committed with the reassignment: Ana only (admins keep it)
                rows = list(await db.scalars(select(OutboxEvent).where(OutboxEvent.channel == UNSUBSCRIBE_USER)))
            assert [r.data for r in rows] == [{"user": str(ana_id), "channel": conversation}]
            await h.app.state.drainer.drain_once()
            ana_sub = ana_ws.get_subscription(conversation)
            assert ana_sub is not None
            await eventually(lambda: ana_sub.state == SubscriptionState.UNSUBSCRIBED, what="Ana unsubscribed")
            assert [(u.code, u.reason) for u in ana_chat.unsubscribed] == [(2000, "server unsubscribe")]
            refused = await _sub_token(ana_session, conversation)  # what the SDK's refresh would get
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "channel_forbidden"
            bruno_ws2, (bruno_chat,) = await _listen(ws_url, bruno_id, bruno_session, [conversation])
            clients.append(bruno_ws2)
            seen = len(ana_chat.items)

            await h.webhook(admin, p.text_message(phone="5511955550101", text="segredo do Bruno"))
            await h.webhook(admin, p.text_message(phone="5511955550102", text="outro cliente"))
            await h.app.state.drainer.drain_once()
            await _wait_for(bruno_chat, _message("segredo do Bruno"))
            await _wait_for(bruno_feed, _message("segredo do Bruno"))
            await _wait_for(admin_chat, _message("segredo do Bruno"))
            # Ana's connection delivers in order: the marker on her feed came after the secret
            # would have, had it been sent to her.
            await _wait_for(ana_feed, _message("outro cliente"))
            assert ana_chat.items[seen:] == []
            assert "segredo do Bruno" not in str(ana_feed.items)
            assert ana_ws.get_subscription(conversation) is ana_sub
            assert ana_sub.state == SubscriptionState.UNSUBSCRIBED
            assert admin_chat.unsubscribed == [] and bruno_feed.unsubscribed == []
        finally:
            for c in clients:
                await c.disconnect()
