"""Deactivating a member and giving them a temporary password (issue 12) end their real-time
connections in the same transaction, on the real Centrifugo v6 and on the embedded hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from centrifuge import ClientState

from tests.integration.test_realtime_delivery import _harness
from tests.integration.test_realtime_revocation import connected, pending_disconnects, until
from tests.support.tenants import PASSWORD, Harness
from whatrack.models import Role

pytestmark = pytest.mark.centrifugo


@pytest.mark.parametrize("kind", ["centrifugo", "embedded"])
@pytest.mark.parametrize("change", ["deactivate", "temporary_password"])
async def test_member_change_disconnects_their_connections(
    kind: str, change: str, harness: Harness, database_url: str, tmp_path: Path
) -> None:
    async with _harness(kind, database_url, tmp_path / kind) as (h, ws_url):
        admin = await h.tenant("Alpha")
        agent = await h.tenant("Alpha agent", role=Role.AGENT)
        # the agent joins the admin's organization: a second membership is not how the app
        # adds members, so add one through the API instead
        created = await admin.client.post(
            "/api/v1/users", json={"email": "bia@example.com", "name": "Bia", "role": "agent", "password": PASSWORD}
        )
        assert created.status_code == 201
        user_id = created.json()["id"]
        bia = await h.login("bia@example.com")
        changed = await bia.post(
            "/api/v1/auth/password", json={"currentPassword": PASSWORD, "newPassword": "uma senha nova e longa 7"}
        )
        assert changed.status_code == 204
        await h.app.state.drainer.drain_once()
        conn, events, asked = await connected(ws_url, bia)
        bystander, bystander_events, _ = await connected(ws_url, agent.client)
        try:
            if change == "deactivate":
                resp = await admin.client.patch(f"/api/v1/users/{user_id}", json={"active": False})
            else:
                resp = await admin.client.post(
                    f"/api/v1/users/{user_id}/password", json={"password": "temporaria bem longa 99"}
                )
            assert resp.status_code == 200, resp.text
            assert [r.data for r in await pending_disconnects(h)] == [{"user": user_id}]
            await h.app.state.drainer.drain_once()
            await until(lambda: conn.state == ClientState.DISCONNECTED, "the member's connection ended for good")
            assert events.connecting_codes[-1] == 3014 and asked[-1] == 401
            assert bystander.state == ClientState.CONNECTED and len(bystander_events.connected) == 1
        finally:
            for c in (conn, bystander):
                await c.disconnect()
