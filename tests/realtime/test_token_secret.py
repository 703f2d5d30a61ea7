"""The embedded hub's token secret survives a restart (issue 18, finding 6): a browser's token
minted before the restart is still accepted after it."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from whatrack.app import create_app
from whatrack.realtime.hub.auth import verify_connection_token
from whatrack.realtime.tokens import connection_token, persistent_secret
from whatrack.settings import Settings


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    options: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'app.db'}",
        "media_dir": tmp_path / "media",
        "centrifugo_url": None,
        "run_worker": False,
    }
    return Settings(**(options | overrides))


def test_a_token_from_before_a_restart_is_accepted_after_it(tmp_path: Path) -> None:
    before = create_app(_settings(tmp_path))
    token = connection_token("42", before.state.settings.centrifugo_token_secret)
    after = create_app(_settings(tmp_path))  # a new process: fresh Settings, same data directory
    assert verify_connection_token(token, after.state.hub.config.token_secret).user == "42"
    secret_file = tmp_path / "data" / "realtime-token-secret"
    assert secret_file.read_text().strip() == after.state.settings.centrifugo_token_secret
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_a_configured_secret_wins_and_writes_nothing(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, centrifugo_token_secret="configured-secret-0123456789abcdef"))
    assert app.state.hub.config.token_secret == "configured-secret-0123456789abcdef"
    assert not (tmp_path / "data" / "realtime-token-secret").exists()


def test_secret_file_is_made_once(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "secret"
    first = persistent_secret(path)
    assert len(first) >= 40 and persistent_secret(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no temporary file left behind
