"""The simulator retries webhooks exactly like WuzAPI (reference wuzapi.md §2.3), and compose
configures WuzAPI's retries to outlast an app restart (issue 18, finding 1)."""

from __future__ import annotations

import json

import httpx
import yaml

from whatrack.settings import REPO_ROOT
from whatrack.simulator import payloads
from whatrack.simulator.emitter import WebhookEmitter
from whatrack.simulator.server import retry_from_env
from whatrack.simulator.state import SimulatorState, WebhookRetry


def test_count_is_total_attempts_and_delays_double() -> None:
    retry = WebhookRetry(enabled=True, count=6, delay_seconds=5)
    assert retry.attempts() == 6
    assert [retry.delay_before(n) for n in range(1, 7)] == [0, 5, 10, 20, 40, 80]
    assert WebhookRetry(enabled=False, count=6, delay_seconds=5).attempts() == 1
    env = {"WEBHOOK_RETRY_ENABLED": "true", "WEBHOOK_RETRY_COUNT": "6", "WEBHOOK_RETRY_DELAY_SECONDS": "5"}
    assert retry_from_env(env) == retry
    assert retry_from_env({}) == WebhookRetry(enabled=False, count=1, delay_seconds=0)


async def test_any_non_2xx_or_network_error_is_retried_until_a_2xx() -> None:
    answers = iter(["error", 503, 500, 404, 200, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer == "error":
            raise httpx.ConnectError("refused", request=request)
        assert isinstance(answer, int)
        return httpx.Response(answer, json={})

    state = SimulatorState(webhook_retry=WebhookRetry(enabled=True, count=6, delay_seconds=0.001))
    user = state.add_user(webhook="http://app.test/hook")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        attempts = await WebhookEmitter(state, client).emit(user, payloads.text_message())
    # four failures (a refused connection, 503, 500, even a 404), then the 2xx ends it
    assert [a.status_code for a in attempts] == [None, 503, 500, 404, 200]
    assert len({a.body for a in attempts}) == 1  # the same body every time


async def test_gives_up_after_count_attempts_and_once_without_retries() -> None:
    calls: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.content)
        return httpx.Response(500)

    for retry, expected in ((WebhookRetry(enabled=True, count=3, delay_seconds=0.001), 3), (WebhookRetry(), 1)):
        calls.clear()
        state = SimulatorState(webhook_retry=retry)
        user = state.add_user(webhook="http://app.test/hook")
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await WebhookEmitter(state, client).emit(user, payloads.text_message())
        assert len(calls) == expected
        assert json.loads(calls[0])["type"] == "Message"


def test_compose_retries_outlast_a_restart() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["wuzapi"]["environment"]
    retry = retry_from_env({k: str(v) for k, v in env.items()})
    assert retry.enabled and retry.attempts() == 6
    # WuzAPI waits delay x 2^(n-2) before attempt n: 5+10+20+40+80 s, far more than a restart
    assert sum(retry.delay_before(n) for n in range(2, retry.attempts() + 1)) == 155
