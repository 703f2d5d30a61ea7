"""Issue 18, finding 1: `kill -9` of a real `whatrack serve` on PostgreSQL in the middle of a
stream of webhooks, restarted on the same port, under WuzAPI-like retries: 0 lost, 0 duplicated.

Without retries (WuzAPI's default) the same run loses what arrived while the app was down; that
is the control that shows the kill landed mid-stream."""

from __future__ import annotations

from bench.chaos import restart

from whatrack.simulator.state import WebhookRetry


async def test_kill_9_mid_stream_loses_nothing_with_wuzapi_retries() -> None:
    # 7 attempts waiting 1+2+4+8+16+32 s: a minute, more than a restart takes on a busy machine
    fig = await restart(150, WebhookRetry(enabled=True, count=7, delay_seconds=1.0), centrifugo=False)
    assert fig.connection_errors > 0  # the app was down while webhooks kept coming
    assert (fig.stored, fig.lost, fig.duplicated) == (150, 0, 0)


async def test_without_retries_the_same_kill_loses_webhooks() -> None:
    fig = await restart(150, WebhookRetry(enabled=False), centrifugo=False)
    assert fig.connection_errors > 0
    # every loss is a delivery that never got an answer; a delivery cut by the kill may still have
    # been committed first (answered after commit), so it is stored, not lost
    assert 0 < fig.lost <= fig.connection_errors and fig.duplicated == 0
