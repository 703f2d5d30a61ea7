"""Two organizations in two browsers: B never sees A's conversations, live or otherwise."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import (
    AppServer,
    Browsers,
    Shots,
    WsSpy,
    create_tenant,
    lead_writes,
    login,
    new_phone,
    row,
)
from whatrack.simulator import SimulatorServer

pytestmark = pytest.mark.e2e

# From inside B's page: a raw Centrifugo-protocol WebSocket with B's own connection token,
# trying to subscribe to A's channel without a subscription token. Returns the replies.
RAW_SUBSCRIBE = """
async ([url, token, channel]) => {
  const ws = new WebSocket(url);
  const replies = [];
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  const done = new Promise((resolve) => {
    ws.onmessage = (ev) => {
      for (const line of String(ev.data).split("\\n")) if (line.trim()) replies.push(JSON.parse(line));
      if (replies.some((r) => r.id === 2)) resolve();
    };
    ws.onclose = () => resolve();
    setTimeout(resolve, 5000);
  });
  ws.send(JSON.stringify({ id: 1, connect: { token, name: "e2e" } }) + "\\n" +
          JSON.stringify({ id: 2, subscribe: { channel } }));
  await done;
  ws.close();
  return replies;
}
"""


async def api_post(page: Page, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    """An authenticated API call from the page's context (session cookie + CSRF header)."""
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    resp = await page.request.post(path, data=body, headers={"X-CSRF-Token": cookies.get("whatrack_csrf", "")})
    try:
        payload = await resp.json()
    except Exception:
        payload = await resp.text()
    return resp.status, payload


def assert_only_own_instance_status(spy: WsSpy, organization_id: object) -> None:
    """B's only publications are its own organization's instance status (the poller's): nothing
    of another organization's conversations ever reaches it."""
    pubs = spy.publications()
    assert all(p["channel"] == f"chat:org:{organization_id}" for p in pubs), pubs
    assert all(p["pub"]["data"]["type"] == "instance_updated" for p in pubs), pubs


async def test_other_organization_sees_nothing(
    browsers: Browsers, app_server: AppServer, simulator: SimulatorServer, shots_prefix: str
) -> None:
    a = await create_tenant(app_server, simulator, "Alfa")
    b = await create_tenant(app_server, simulator, "Beta")
    page_a, page_b = await browsers.page(), await browsers.page()
    spy_a, spy_b = WsSpy.attach(page_a), WsSpy.attach(page_b)
    await login(page_a, a.email)
    await login(page_b, b.email)
    await spy_a.wait_subscribed(f"chat:org:{a.organization_id}")
    await spy_b.wait_subscribed(f"chat:org:{b.organization_id}")
    shot_a, shot_b = Shots(page_a, shots_prefix + "-A"), Shots(page_b, shots_prefix + "-B")

    secret_text = "Segredo da Alfa: proposta de 12 mil"
    await lead_writes(a, secret_text, phone=new_phone(), name="Cliente Alfa")
    await expect(row(page_a, "Cliente Alfa")).to_be_visible()  # A gets it live...
    conv_a = await row(page_a, "Cliente Alfa").get_attribute("data-conversation-id")
    assert conv_a
    await row(page_a, "Cliente Alfa").click()
    await spy_a.wait_subscribed(f"chat:conversation:{conv_a}")
    await lead_writes(a, "Mais um detalhe secreto", phone=new_phone(), name="Outro Cliente Alfa")
    await expect(row(page_a, "Outro Cliente Alfa")).to_be_visible()
    await shot_a("a-sees-its-leads")

    await asyncio.sleep(1.0)  # ...and B, given time, still has nothing
    await expect(page_b.get_by_test_id("conversation-row")).to_have_count(0)
    await expect(page_b.get_by_test_id("conversation-list")).not_to_contain_text("Alfa")
    await shot_b("b-sees-nothing")
    assert spy_a.publications(f"chat:org:{a.organization_id}")
    # B's only publications are its own organization's (e.g. its instance's status from the
    # poller); nothing of A's conversations ever reaches it.
    assert_only_own_instance_status(spy_b, b.organization_id)
    for frame in spy_b.raw_received:
        assert str(a.organization_id) not in frame and "Segredo" not in frame and conv_a not in frame, frame

    # B cannot get a subscription token for A's channels; its own works.
    status, body = await api_post(
        page_b, "/api/v1/chat/centrifugo/subscription-token", {"channel": f"chat:org:{a.organization_id}"}
    )
    assert status == 403, body
    status, body = await api_post(
        page_b, "/api/v1/chat/centrifugo/subscription-token", {"channel": f"chat:conversation:{conv_a}"}
    )
    assert status == 403, body
    status, body = await api_post(
        page_b, "/api/v1/chat/centrifugo/subscription-token", {"channel": f"chat:org:{b.organization_id}"}
    )
    assert status == 200 and body["token"], body

    # Nor can it subscribe on the hub directly without one.
    status, conn = await api_post(page_b, "/api/v1/chat/centrifugo/token", {})
    assert status == 200, conn
    replies = await page_b.evaluate(RAW_SUBSCRIBE, [conn["url"], conn["token"], f"chat:org:{a.organization_id}"])
    assert any(r.get("id") == 1 and "connect" in r for r in replies), replies
    sub = [r for r in replies if r.get("id") == 2]
    assert sub and "error" in sub[0] and "subscribe" not in sub[0], replies

    # A's conversation id in B's URL: not found, nothing leaks.
    resp = await page_b.request.get(f"/api/v1/conversations/{conv_a}")
    assert resp.status == 404
    assert_only_own_instance_status(spy_b, b.organization_id)
