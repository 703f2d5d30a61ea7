"""Run the real Centrifugo v6 binary for tests (memory engine, loopback, free port).

Usage::

    with running_centrifugo(secret="s" * 32, api_key="k") as cf:
        cf.url      # http://127.0.0.1:PORT   (server API at cf.url + "/api")
        cf.ws_url   # ws://127.0.0.1:PORT/connection/websocket

The config is derived from the project's own ``config/centrifugo.json`` so tests exercise the
namespace options production uses; only engine, secret, API key, port and origins change.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_PATH = REPO_ROOT / "config" / "centrifugo.json"
DEFAULT_BIN = REPO_ROOT / ".cache" / "bin" / "centrifugo"


@dataclass(frozen=True)
class CentrifugoProcess:
    url: str
    ws_url: str
    api_key: str
    secret: str


def centrifugo_binary(wait_seconds: float = 600.0) -> Path:
    """Path of the binary: $CENTRIFUGO_BIN, else .cache/bin/centrifugo (waits while it is being built)."""
    env_bin = os.environ.get("CENTRIFUGO_BIN")
    if env_bin:
        path = Path(env_bin)
        if not path.exists():
            found = shutil.which(env_bin)
            if found is None:
                raise FileNotFoundError(f"CENTRIFUGO_BIN={env_bin} does not exist")
            path = Path(found)
        return path
    deadline = time.monotonic() + wait_seconds
    while True:
        if DEFAULT_BIN.exists() and os.access(DEFAULT_BIN, os.X_OK):
            return DEFAULT_BIN
        if time.monotonic() > deadline:
            raise FileNotFoundError(
                f"{DEFAULT_BIN} not found; build it with "
                "`GOBIN=$PWD/.cache/bin go install github.com/centrifugal/centrifugo/v6@v6.9.1` "
                "or set CENTRIFUGO_BIN"
            )
        time.sleep(1.0)


def centrifugo_available() -> bool:
    """True if a binary is there right now (for skip markers); never waits."""
    env_bin = os.environ.get("CENTRIFUGO_BIN")
    if env_bin:
        return Path(env_bin).exists() or shutil.which(env_bin) is not None
    return DEFAULT_BIN.exists()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_config(secret: str, api_key: str, port: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The project's config turned into a single-node memory-engine config for tests."""
    config: dict[str, Any] = json.loads(CONFIG_PATH.read_text())
    config = copy.deepcopy(config)
    config["engine"] = {"type": "memory"}
    client = config.setdefault("client", {})
    client.setdefault("token", {})["hmac_secret_key"] = secret
    client["allowed_origins"] = ["http://localhost:*", "http://127.0.0.1:*"]
    config.setdefault("http_api", {})["key"] = api_key
    server = config.setdefault("http_server", {})
    server["address"] = "127.0.0.1"
    server["port"] = port
    config.setdefault("health", {})["enabled"] = True
    config.setdefault("usage_stats", {})["disabled"] = True
    config.setdefault("log", {}).setdefault("level", "warn")
    for section, values in (overrides or {}).items():
        if isinstance(values, dict) and isinstance(config.get(section), dict):
            config[section].update(values)
        else:
            config[section] = values
    return config


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"centrifugo exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1.0) as resp:  # noqa: S310 (http loopback)
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"centrifugo not healthy at {url} after {timeout}s")


@contextlib.contextmanager
def running_centrifugo(
    secret: str,
    api_key: str,
    *,
    overrides: dict[str, Any] | None = None,
    start_timeout: float = 20.0,
) -> Iterator[CentrifugoProcess]:
    """Start Centrifugo on a free loopback port; stop it on exit.

    `overrides` merges top-level sections into the config (e.g. ``{"client": {"ping_interval": "2s"}}``).
    """
    binary = centrifugo_binary()
    with tempfile.TemporaryDirectory(prefix="centrifugo-test-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        config_file = workdir / "config.json"
        config_file.write_text(json.dumps(memory_config(secret, api_key, port, overrides), indent=2))
        log_file = workdir / "centrifugo.log"
        # Our own CENTRIFUGO_* variables (CENTRIFUGO_URL, production secrets...) must not
        # leak into the test server: env beats the config file in Centrifugo.
        env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRIFUGO_")}
        with log_file.open("wb") as log:
            proc = subprocess.Popen(
                [str(binary), "-c", str(config_file)],
                cwd=workdir,  # keep a stray .env of the caller's cwd out of it
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            url = f"http://127.0.0.1:{port}"
            try:
                try:
                    _wait_healthy(url, proc, start_timeout)
                except Exception as exc:
                    tail = log_file.read_text(errors="replace")[-4000:]
                    raise RuntimeError(f"centrifugo failed to start: {exc}\n{tail}") from exc
                yield CentrifugoProcess(
                    url=url,
                    ws_url=f"ws://127.0.0.1:{port}/connection/websocket",
                    api_key=api_key,
                    secret=secret,
                )
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
