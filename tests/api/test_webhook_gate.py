"""The webhook refuses unknown instances and wrong URL secrets before reading the body, and bounds
the bytes one HMAC instance may have in flight (issue 18, finding 10).

The requests are driven straight through ASGI with a body produced chunk by chunk (fresh
buffers), so what the app keeps is what tracemalloc sees."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from tests.support.tenants import Harness
from whatrack.inbox.gate import WebhookGate
from whatrack.models import Message
from whatrack.simulator import payloads as p
from whatrack.whatsapp.signature import sign

MIB = 1024 * 1024


class _Post:
    """One POST whose body is `chunks` fresh chunks of `chunk_size` bytes (or `body`)."""

    def __init__(
        self,
        path: str,
        query: str = "",
        *,
        chunks: int = 0,
        chunk_size: int = MIB,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        hold: asyncio.Event | None = None,
    ) -> None:
        self.scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": ("127.0.0.1", 40000),
            "server": ("app.test", 80),
        }
        self.pieces = chunks if body is None else 1
        self.chunk_size = chunk_size
        self.body = body
        self.hold = hold
        self.consumed = 0  # chunks the app asked for
        self.status = 0
        self.headers: dict[str, str] = {}
        self.response = b""

    async def receive(self) -> dict[str, Any]:
        if self.consumed >= self.pieces:
            await asyncio.Event().wait()  # http.disconnect would come only when the client leaves
        self.consumed += 1
        if self.consumed == 2 and self.hold is not None:
            await self.hold.wait()
        data = self.body if self.body is not None else bytes(self.chunk_size)
        return {"type": "http.request", "body": data, "more_body": self.consumed < self.pieces}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            self.response += message.get("body", b"")

    async def run(self, app: Callable[..., Any]) -> _Post:
        await app(self.scope, self.receive, self.send)
        return self

    @property
    def code(self) -> str:
        return str(json.loads(self.response)["error"]["code"])


async def test_unauthenticated_posts_are_refused_before_the_body_is_read(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    path = f"/api/v1/whatsapp/w/webhook/{t.instance.id}"
    await harness.webhook(t, p.text_message(text="warm"))  # routes, caches and pools warmed up
    posts = [
        # 6 x 16 MiB to random instance ids, 2 x 16 MiB to a real one with a wrong secret
        *(_Post(f"/api/v1/whatsapp/w/webhook/{uuid.uuid4()}", "secret=x", chunks=16) for _ in range(6)),
        *(_Post(path, "secret=wrong", chunks=16) for _ in range(2)),
    ]
    tracemalloc.start()
    try:
        await asyncio.gather(*(post.run(harness.app) for post in posts))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(post.status, post.code) for post in posts] == [(404, "instance_not_found")] * 6 + [
        (401, "webhook_secret_invalid")
    ] * 2
    assert [post.consumed for post in posts] == [0] * 8, "no body chunk may be read"
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB for 128 MiB of refused posts"


async def test_signed_instance_bodies_are_bounded_per_instance(harness: Harness) -> None:
    key = "k" * 40
    t = await harness.tenant("Signed", hmac_key=key)
    state = harness.app.state
    state.webhook_gate = WebhookGate(state.session_factory, harness.settings.max_body_bytes, 3 * MIB)
    path = f"/api/v1/whatsapp/w/webhook/{t.instance.id}"
    payload = json.dumps(p.text_message(text="a" * (2 * MIB))).encode()
    signed = {"content-type": "application/json", "x-hmac-signature": sign(key, payload)}
    release, mid_body = asyncio.Event(), asyncio.Event()
    # Split in two chunks: the first post holds its 2 MiB reservation until `release`.
    half = len(payload) // 2
    first = _Post(path, headers=signed | {"content-length": str(len(payload))}, hold=release)
    first.pieces, first.body = 2, None
    parts = [payload[:half], payload[half:]]

    async def receive_parts() -> dict[str, Any]:
        first.consumed += 1
        if first.consumed == 2:
            mid_body.set()
            await release.wait()
        return {"type": "http.request", "body": parts[first.consumed - 1], "more_body": first.consumed < 2}

    first.receive = receive_parts  # type: ignore[method-assign]
    held = asyncio.create_task(first.run(harness.app))
    await mid_body.wait()  # the first post is mid-body, its bytes reserved
    second = await _Post(path, body=payload, headers=signed | {"content-length": str(len(payload))}).run(harness.app)
    assert (second.status, second.code, second.headers.get("retry-after")) == (503, "webhook_busy", "5")
    assert second.consumed == 0
    # An unsigned instance's wrong secret is still refused unread; another instance is not held up.
    other = await harness.tenant("Other")
    ok = await harness.webhook(other, p.text_message(text="oi"))
    assert ok.status_code == 200, ok.text
    release.set()
    await held
    assert first.status == 200, first.response
    third = await _Post(path, body=payload, headers=signed | {"content-length": str(len(payload))}).run(harness.app)
    assert third.status == 200, third.response  # the budget was given back
    async with harness.db() as db:
        assert (
            await db.scalar(select(func.count()).select_from(Message).where(Message.instance_id == t.instance.id)) == 1
        )
