"""Run the simulator over real HTTP: a background-thread server and the CLI entry point."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Coroutine, Mapping
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

import httpx
import uvicorn

from whatrack.simulator.app import create_simulator_app
from whatrack.simulator.demo import DemoDirector
from whatrack.simulator.emitter import WebhookEmitter
from whatrack.simulator.state import SimulatorState, SimUser, WebhookFormat, WebhookRetry

logger = logging.getLogger(__name__)
T = TypeVar("T")


def add_user(
    state: SimulatorState,
    *,
    token: str,
    webhook: str = "",
    webhook_format: WebhookFormat = "json",
    hmac_key: str | None = None,
    name: str = "demo",
    events: list[str] | None = None,
) -> SimUser:
    """Pre-create a connected, paired user (an instance ready to send and receive)."""
    return state.add_user(
        name=name,
        token=token,
        webhook=webhook,
        webhook_format=webhook_format,
        hmac_key=hmac_key,
        events=events,
    )


class SimulatorServer:
    """The simulator on ``host:port`` (port 0 = any free port) in a daemon thread.

    Use as a context manager. ``base_url`` is known once started. Background work runs on
    the server's own event loop, so from other threads use :meth:`drain` / :meth:`run`.
    """

    def __init__(
        self,
        state: SimulatorState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        demo: bool = False,
        demo_options: dict[str, Any] | None = None,
        webhook_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.state = state or SimulatorState()
        self.host = host
        self.port = port
        self.demo = demo
        self.demo_options = demo_options or {}
        self._webhook_client = webhook_client
        self.emitter: WebhookEmitter | None = None
        self.director: DemoDirector | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_user(self, **kwargs: Any) -> SimUser:
        """Shortcut for :func:`add_user` on this server's state."""
        return add_user(self.state, **kwargs)

    def start(self, timeout: float = 10.0) -> SimulatorServer:
        ready = threading.Event()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self.emitter = WebhookEmitter(self.state, self._webhook_client)
            app = create_simulator_app(self.state, self.emitter)
            config = uvicorn.Config(app, host=self.host, port=self.port, log_level="warning", lifespan="off")
            self._server = uvicorn.Server(config)
            if self.demo:
                self.director = DemoDirector(self.state, self.emitter, **self.demo_options)
                self.director.start()
            serve = asyncio.ensure_future(self._server.serve())
            while not self._server.started and not serve.done():  # noqa: ASYNC110 - uvicorn has no event
                await asyncio.sleep(0.01)
            if self._server.started:
                self.port = self._server.servers[0].sockets[0].getsockname()[1]
            ready.set()
            await serve
            if self.director is not None:
                await self.director.stop()
            await self.state.cancel_all()
            await self.emitter.aclose()

        def target() -> None:
            try:
                asyncio.run(main())
            finally:
                ready.set()

        self._thread = threading.Thread(target=target, name="wuzapi-simulator", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or self._server is None or not self._server.started:
            raise RuntimeError("WuzAPI simulator did not start")
        return self

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coro`` on the server's loop from another thread and return its result."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("server not started")
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    def drain(self, limit: float = 10.0) -> None:
        """Wait for pending receipts, replies and webhooks (demo loops keep running)."""
        self.run(self.state.drain(limit), timeout=limit + 1)

    def emit(self, user: SimUser, payload: dict[str, Any]) -> None:
        """Deliver one webhook now (blocking the calling thread until it is posted)."""
        if self.emitter is None:
            raise RuntimeError("server not started")
        self.run(self.emitter.emit(user, payload))

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._thread = None
        self._server = None
        self._loop = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def retry_from_env(env: Mapping[str, str] | None = None) -> WebhookRetry:
    """WuzAPI's own variables: WEBHOOK_RETRY_ENABLED, WEBHOOK_RETRY_COUNT, WEBHOOK_RETRY_DELAY_SECONDS."""
    env = os.environ if env is None else env
    return WebhookRetry(
        enabled=env.get("WEBHOOK_RETRY_ENABLED", "").strip().lower() in ("1", "true", "yes"),
        count=int(env.get("WEBHOOK_RETRY_COUNT", "") or 1),
        delay_seconds=float(env.get("WEBHOOK_RETRY_DELAY_SECONDS", "") or 0),
    )


def serve(host: str, port: int, admin_token: str, demo: bool) -> None:
    """Run the simulator in the foreground until interrupted (``whatrack simulator``).

    With ``demo`` the simulator pairs new sessions by itself (3 s after ``/session/connect``)
    and, for every user that has a webhook URL, starts emitting demo lead traffic.
    """
    state = SimulatorState(
        admin_token=admin_token, auto_pair_seconds=3.0 if demo else None, webhook_retry=retry_from_env()
    )
    server = SimulatorServer(state, host=host, port=port, demo=demo)
    server.start()
    logger.info("WuzAPI simulator listening on %s (demo=%s)", server.base_url, demo)
    print(f"WuzAPI simulator listening on {server.base_url} (demo={'on' if demo else 'off'})")
    try:
        while server._thread is not None and server._thread.is_alive():
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
