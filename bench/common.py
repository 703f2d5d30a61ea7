"""Shared bench plumbing: statistics, run info, databases, the app as a real uvicorn process."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from whatrack import migrate
from whatrack.db import create_engine

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"
PG_PORT = int(os.environ.get("WHATRACK_TEST_PG_PORT", "55432"))
PG_BASE = f"postgresql+asyncpg://whatrack:whatrack@127.0.0.1:{PG_PORT}"
PG_DSN_BASE = f"postgresql://whatrack:whatrack@127.0.0.1:{PG_PORT}"
SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"
API_KEY = "bench-api-key"
PASSWORD = "bench password 0123"

Stats = dict[str, float]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- statistics ------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of non-empty `values`."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: list[float]) -> Stats:
    """p50/p95/p99/max in milliseconds of durations given in seconds."""
    if not seconds:
        return {"n": 0}
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(pct(ms, 95), 2),
        "p99_ms": round(pct(ms, 99), 2),
        "max_ms": round(max(ms), 2),
    }


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else float("nan")


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 2) if baseline else float("nan")


# -- what ran ----------------------------------------------------------------------------------


def _cmd(args: list[str]) -> str:
    try:
        return subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


async def postgres_version() -> str:
    engine = create_engine(f"{PG_BASE}/postgres")
    try:
        async with engine.connect() as conn:
            return str(await conn.scalar(text("SHOW server_version")))
    finally:
        await engine.dispose()


def run_info() -> dict[str, Any]:
    """Everything needed to compare two runs: code, versions, machine."""
    from tests.support.centrifugo import centrifugo_binary

    centrifugo = _cmd([str(centrifugo_binary(0)), "version"])
    return {
        "commit": _cmd(["git", "rev-parse", "--short", "HEAD"]),
        "dirty": bool(_cmd(["git", "status", "--porcelain", "--untracked-files=no"])),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "postgres": asyncio.run(postgres_version()),
        "sqlite": sqlite3.sqlite_version,
        "centrifugo": centrifugo.split("\n")[0],
        "packages": {
            d: _version(d)
            for d in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "asyncpg", "aiosqlite", "pydantic", "uvloop")
        },
    }


# -- databases ---------------------------------------------------------------------------------


def pg_url(name: str) -> str:
    return f"{PG_BASE}/{name}"


async def database_comment(name: str) -> str | None:
    """The COMMENT of a bench database (it records what was seeded), None if absent."""
    engine = create_engine(f"{PG_BASE}/postgres")
    try:
        async with engine.connect() as conn:
            exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                return None
            value = await conn.scalar(
                text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"), {"n": name}
            )
            return str(value) if value is not None else ""
    finally:
        await engine.dispose()


async def set_database_comment(name: str, comment: str) -> None:
    engine = create_engine(f"{PG_BASE}/postgres")
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            quoted = comment.replace("'", "''")
            await conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{quoted}'"))
    finally:
        await engine.dispose()


async def recreate_pg_database(name: str) -> str:
    """Drop and create one of OUR bench databases (names start with whatrack_bench), migrated."""
    assert name.startswith("whatrack_bench"), name
    engine = create_engine(f"{PG_BASE}/postgres")
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    url = pg_url(name)
    await asyncio.to_thread(migrate.upgrade, url)
    return url


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


async def recreate_sqlite_database(path: Path) -> str:
    await asyncio.to_thread(_remove_sqlite_files, path)
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(migrate.upgrade, url)
    return url


# -- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc (MiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def child_pids(name_part: str) -> list[int]:
    """Direct children of this process whose command line contains `name_part`."""
    found = []
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == me and name_part in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


@dataclass
class AppProcess:
    """The real app under `uvicorn` in its own process (like `whatrack serve`), on loopback."""

    url: str
    pid: int
    media_dir: Path
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/connection/websocket"

    def rss_mb(self) -> float:
        return rss_mb(self.pid)


@contextlib.contextmanager
def running_app(
    database_url: str,
    *,
    centrifugo_url: str | None = None,
    run_worker: bool = True,
    extra_env: dict[str, str] | None = None,
    profile_to: Path | None = None,
    workers: int = 1,
) -> Iterator[AppProcess]:
    """`profile_to`: run the app under pyinstrument (sampling) and write a text report there."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="whatrack-bench-app-") as tmp:
        workdir = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CENTRIFUGO_", "DATABASE_URL", "DEMO"))}
        env.update(
            {
                "DATABASE_URL": database_url,
                "RUN_WORKER": "true" if run_worker else "false",
                "MEDIA_DIR": str(workdir / "media"),
                "PUBLIC_URL": f"http://127.0.0.1:{port}",
                "CENTRIFUGO_TOKEN_SECRET": SECRET,
                "DEMO": "false",
                "PYTHONPATH": str(REPO_ROOT / "src"),
            }
        )
        if centrifugo_url:
            env["CENTRIFUGO_URL"] = centrifugo_url
            env["CENTRIFUGO_API_KEY"] = API_KEY
        env.update(extra_env or {})
        log_path = workdir / "app.log"
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "whatrack.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--proxy-headers",
            "--ws-per-message-deflate",
            "false",
            "--workers",
            str(workers),
        ]
        if profile_to is not None:
            env["PYTHONPATH"] += os.pathsep + str(REPO_ROOT)
            cmd = [sys.executable, "-m", "bench.common", "serve-profiled", str(port), str(profile_to)]
        with log_path.open("wb") as out:
            proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
            url = f"http://127.0.0.1:{port}"
            try:
                deadline = time.monotonic() + 30
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError(f"app exited: {log_path.read_text(errors='replace')[-3000:]}")
                    try:
                        if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError("app did not start in 30 s")
                    time.sleep(0.05)
                yield AppProcess(url=url, pid=proc.pid, media_dir=workdir / "media", log_path=log_path, env=env)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
                errors = [
                    line
                    for line in log_path.read_text(errors="replace").splitlines()
                    if "Traceback" in line or " ERROR" in line or "exception" in line.lower()
                ]
                if errors:
                    kept = Path(tempfile.gettempdir()) / f"whatrack-bench-app-{port}.log"
                    kept.write_text(log_path.read_text(errors="replace"))
                    log(f"app log had {len(errors)} error lines (kept in {kept}), first: {errors[0][:200]}")


def _serve_profiled(port: int, out: Path) -> None:
    """Child process: the app under uvicorn inside a pyinstrument sampling profiler."""
    import signal

    import uvicorn
    from pyinstrument import Profiler

    # uvicorn re-raises the SIGTERM it caught once it has shut down: ignore it so we get to write.
    signal.signal(signal.SIGTERM, lambda *_: None)

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    try:
        uvicorn.run(
            "whatrack.app:create_app",
            factory=True,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            proxy_headers=True,
            ws_per_message_deflate=False,
        )
    finally:
        profiler.stop()
        out.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        out.with_suffix(".html").write_text(profiler.output_html())
        if profiler.last_session is not None:  # for `pyinstrument --load` and other renderers
            profiler.last_session.save(str(out.with_suffix(".pyisession")))


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "serve-profiled":
    _serve_profiled(int(sys.argv[2]), Path(sys.argv[3]))
