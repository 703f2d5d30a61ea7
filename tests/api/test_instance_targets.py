"""Which WuzAPI an admin may point the app at (issue 18, findings 11 and 12).

11: a WuzAPI user that is an instance already (of any organization) is recognised by WuzAPI's
own answer and a normalised URL, so another organization cannot re-point its webhook through
`localhost` vs `127.0.0.1`. 12: WUZAPI_ALLOWED_HOSTS, URLs with credentials/query/fragment
refused, no port states in error messages, the status poller skips refused targets.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from tests.support.tenants import Harness
from whatrack.instances import polling
from whatrack.instances.targets import clean_base_url, host_allowed, server_key
from whatrack.models import Instance, InstanceStatus
from whatrack.settings import Settings

API = "/api/v1/instances"


@contextlib.asynccontextmanager
async def _wuzapi_answers(harness: Harness, handler: Callable[[httpx.Request], httpx.Response]) -> AsyncIterator[None]:
    original = harness.app.state.http
    fake = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    harness.app.state.http = fake
    try:
        yield
    finally:
        harness.app.state.http = original
        await fake.aclose()


def _code(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    return str(resp.json()["error"]["code"])


async def test_another_organization_cannot_take_over_a_webhook_by_respelling_the_url(harness: Harness) -> None:
    acme, beta = await harness.tenant("Acme"), await harness.tenant("Beta")
    user = harness.sim.add_user(name="shop", token=secrets.token_hex(16), webhook="", events=["Message"])
    added = await acme.client.post(
        API, json={"name": "Vendas", "baseUrl": "http://localhost:8080", "token": user.token}
    )
    assert added.status_code == 201, added.text
    hook = user.webhook
    assert added.json()["id"] in hook
    posts = len(harness.sim.requests_to("/webhook"))

    for spelling in (
        "http://127.0.0.1:8080/",  # same server, other spelling: the URL normalised
        "http://[::1]:8080",
        "http://LOCALHOST:8080//",
        "http://wuzapi-alias.internal:8080",  # a DNS alias: WuzAPI's own user id says who it is
    ):
        resp = await beta.client.post(API, json={"name": "Mine now", "baseUrl": spelling, "token": user.token})
        assert _code(resp, 409) == "instance_already_added", spelling
    # The same organization cannot add it twice either.
    again = await acme.client.post(API, json={"name": "Twice", "baseUrl": "http://127.0.0.1:8080", "token": user.token})
    assert _code(again, 409) == "instance_already_added"
    assert user.webhook == hook, "the webhook still points at Acme's instance"
    assert len(harness.sim.requests_to("/webhook")) == posts, "no webhook was reconfigured"


async def test_an_old_wuzapi_without_user_id_is_recognised_by_its_webhook(harness: Harness) -> None:
    acme, beta = await harness.tenant("Acme"), await harness.tenant("Beta")
    posted: list[str] = []

    def old_build(request: httpx.Request) -> httpx.Response:
        posted.append(request.url.path)
        # No user id; its webhook points at Acme's instance (set when Acme added it).
        data = {"Connected": True, "LoggedIn": True, "webhook": f"http://app.test{acme.webhook_path}"}
        return httpx.Response(200, json={"code": 200, "data": data, "success": True})

    async with _wuzapi_answers(harness, old_build):
        resp = await beta.client.post(API, json={"name": "X", "baseUrl": "http://10.0.0.7:8080", "token": "other-tok"})
    assert _code(resp, 409) == "instance_already_added"
    assert posted == ["/session/status"]


@pytest.mark.parametrize(
    "url",
    [
        "http://user:pw@wuzapi.test:8080",
        "http://wuzapi.test:8080/#frag",
        "http://wuzapi.test:8080/?x=1",
        "ftp://wuzapi.test",
    ],
)
async def test_urls_with_credentials_query_or_fragment_are_refused(harness: Harness, url: str) -> None:
    t = await harness.tenant("Acme")
    before = len(harness.sim.requests)
    resp = await t.client.post(API, json={"name": "X", "baseUrl": url, "token": "tok"})
    assert resp.status_code in (400, 422), resp.text
    assert resp.json()["error"]["code"] in ("wuzapi_url_invalid", "validation_error")
    assert len(harness.sim.requests) == before, "nothing was requested"


async def test_allowed_hosts_limit_what_the_app_calls(harness: Harness) -> None:
    t = await harness.tenant("Acme")  # its instance is at http://wuzapi.test
    user = harness.sim.add_user(name="shop", token=secrets.token_hex(16), webhook="", events=["Message"])
    harness.settings.wuzapi_allowed_hosts = "wuzapi.internal:8080, *.wuzapi.example"
    before = len(harness.sim.requests)
    for url in ("http://redis.internal:6379", "http://wuzapi.internal:9999", "http://169.254.169.254"):
        resp = await t.client.post(API, json={"name": "X", "baseUrl": url, "token": user.token})
        assert _code(resp, 400) == "wuzapi_host_not_allowed", url
    assert len(harness.sim.requests) == before, "no request left the app"

    ok = await t.client.post(API, json={"name": "X", "baseUrl": "https://a.wuzapi.example", "token": user.token})
    assert ok.status_code == 201, ok.text

    # The instance added before the setting: neither its routes nor the poller call it.
    status = await t.client.get(f"{API}/{t.instance.id}/status")
    assert _code(status, 400) == "wuzapi_host_not_allowed"
    async with harness.db() as db:
        row = await db.get(Instance, t.instance.id)
        assert row is not None
        row.status = InstanceStatus.CONNECTED
    polled = len(harness.sim.requests_to("/session/status"))
    async with harness.db() as db:
        await polling.poll_instance_statuses(db, harness.app.state.http, harness.settings)
    tokens = [r.headers.get("token") for r in harness.sim.requests_to("/session/status")[polled:]]
    assert t.wuzapi_token not in tokens and user.token in tokens
    async with harness.db() as db:
        row = await db.get(Instance, t.instance.id)
        assert row is not None and row.status == InstanceStatus.UNKNOWN


async def test_unreachable_answers_reveal_no_port_state(harness: Harness) -> None:
    t = await harness.tenant("Acme")

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    def timed_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    answers: list[Callable[[httpx.Request], httpx.Response]] = [
        refused,
        timed_out,
        lambda r: httpx.Response(404, text="<html>nginx</html>"),
        lambda r: httpx.Response(500, json={"error": "redis: wrong protocol"}),
        lambda r: httpx.Response(200, json={"status": "ok", "service": "internal-metrics"}),
        lambda r: httpx.Response(200, text="+PONG"),
    ]
    seen = set()
    for answer in answers:
        async with _wuzapi_answers(harness, answer):
            resp = await t.client.post(API, json={"name": "X", "baseUrl": "http://10.1.2.3:6379", "token": "x"})
        assert resp.status_code == 502, resp.text
        seen.add((resp.json()["error"]["code"], resp.json()["error"]["message"], str(resp.json()["error"]["details"])))
    assert seen == {("wuzapi_unreachable", "Could not reach WuzAPI; could not check the token", "None")}


def test_server_key_and_allowed_hosts() -> None:
    assert server_key("http://localhost:8080/") == server_key("http://127.0.0.1:8080")
    assert server_key("http://[::ffff:127.0.0.1]:8080") == server_key("http://[::1]:8080/")
    assert server_key("http://WuzAPI:80") == server_key("http://wuzapi/")
    assert server_key("https://wuzapi") != server_key("http://wuzapi")
    assert server_key("http://wuzapi:8080") != server_key("http://wuzapi:8081")
    assert clean_base_url(" http://wuzapi:8080/ ") == "http://wuzapi:8080"
    s = Settings(wuzapi_allowed_hosts="wuzapi:8080,*.example.com", wuzapi_admin_url="http://admin-wuzapi:8080")
    assert host_allowed("http://wuzapi:8080", s) and not host_allowed("http://wuzapi:8081", s)
    assert host_allowed("https://x.example.com", s) and not host_allowed("https://example.com.evil", s)
    assert host_allowed("http://admin-wuzapi:8080", s)  # the operator's own admin URL
    assert host_allowed("http://anything:1", Settings(wuzapi_allowed_hosts=None))
