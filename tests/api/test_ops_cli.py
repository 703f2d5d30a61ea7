"""Operations endpoints and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.tenants import Harness
from whatrack.cli import app as cli
from whatrack.settings import get_settings
from whatrack.simulator import payloads as p


async def test_health_ready_metrics_and_request_id(harness: Harness) -> None:
    t = await harness.tenant("Acme")
    await harness.webhook(t, p.text_message())
    assert (await harness.anon.get("/healthz")).json() == {"status": "ok"}
    assert (await harness.anon.get("/readyz")).json() == {"status": "ok"}
    resp = await harness.anon.get("/metrics", headers={"x-request-id": "req-42"})
    assert resp.headers["x-request-id"] == "req-42"
    body = resp.text
    assert 'whatrack_webhook_events_total{result="ok",type="Message"}' in body
    assert "whatrack_outbox_lag_seconds" in body
    assert "whatrack_http_request_seconds_bucket" in body
    assert (await harness.anon.get("/api/v1/nope")).status_code == 404


def test_cli_user_and_instance_create(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("PUBLIC_URL", "https://inbox.example.com")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
        made = runner.invoke(
            cli, ["user", "create", "ana@example.com", "--name", "Ana", "--password", "s3cret-pass", "--admin"]
        )
        assert made.exit_code == 0, made.output
        assert "ana@example.com" in made.output
        dup = runner.invoke(cli, ["user", "create", "ana@example.com", "--name", "Ana", "--password", "x"])
        assert dup.exit_code != 0
        changed = runner.invoke(cli, ["user", "password", "ana@example.com", "--password", "n3w-passw0rd"])
        assert changed.exit_code == 0, changed.output
        short = runner.invoke(cli, ["user", "password", "ana@example.com", "--password", "short"])
        assert short.exit_code == 1 and "too short" in short.output
        ghost = runner.invoke(cli, ["user", "password", "ghost@example.com", "--password", "whatever-long"])
        assert ghost.exit_code == 1 and "No user" in ghost.output
        inst = runner.invoke(
            cli, ["instance", "create", "Vendas", "--base-url", "http://wuzapi:8080", "--token", "tok-123"]
        )
        assert inst.exit_code == 0, inst.output
        assert "https://inbox.example.com/api/v1/whatsapp/w/webhook/" in inst.output.replace("\n", "")
        bad = runner.invoke(
            cli, ["user", "create", "b@example.com", "--name", "B", "--password", "x", "--organization", "not-a-uuid"]
        )
        assert bad.exit_code != 0
    finally:
        get_settings.cache_clear()


def test_serve_refuses_several_workers_on_the_embedded_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
        assert result.exit_code == 2 and "needs PostgreSQL and CENTRIFUGO_URL" in result.output
        assert not (tmp_path / "w.db").exists()  # refused before touching anything
    finally:
        get_settings.cache_clear()
