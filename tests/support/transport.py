"""An in-process transport that keeps the client's read timeout like a real socket would.

httpx.ASGITransport ignores timeouts: a slow simulator would just make the app wait. Tests of
what the app does when WuzAPI answers late need the timeout to fire."""

from __future__ import annotations

import asyncio

import httpx


class TimeoutASGITransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.ASGITransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {}).get("read")
        if timeout is None:
            return await self._inner.handle_async_request(request)
        # The server side goes on (like WuzAPI that sent the message and answers too late).
        task = asyncio.ensure_future(self._inner.handle_async_request(request))
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            raise httpx.ReadTimeout("timed out waiting for the answer", request=request)
        return task.result()

    async def aclose(self) -> None:
        await self._inner.aclose()
