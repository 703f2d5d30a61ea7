"""Runtime configuration. Every variable is documented in .env.example."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Core
    database_url: str = Field(
        default="sqlite+aiosqlite:///./data/whatrack.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://user:pw@host/db",
    )
    public_url: str | None = Field(
        default=None, description="URL browsers and WuzAPI use to reach the app (default http://HOST:PORT)"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    media_dir: Path = Path("./data/media")
    # Media storage: unset -> MEDIA_DIR on this machine; s3://bucket/prefix -> any S3-compatible
    # object storage (S3_* below), which every web and worker host shares.
    media_store_url: str | None = None
    s3_endpoint_url: str | None = None  # unset: AWS S3
    s3_public_endpoint_url: str | None = None  # the endpoint browsers reach, when it differs
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str = "us-east-1"
    # S3 media: `redirect` to a presigned URL living MEDIA_URL_TTL_SECONDS, or `stream` through the app
    media_delivery: Literal["redirect", "stream"] = "redirect"
    media_url_ttl_seconds: int = Field(default=300, ge=10, le=7 * 24 * 3600)
    static_dir: Path = REPO_ROOT / "frontend" / "dist"
    max_body_bytes: int = 64 * 1024 * 1024
    # Webhook bytes of one instance being read at once (HMAC instances are read to be verified);
    # beyond it the webhook answers 503 + Retry-After.
    webhook_inflight_bytes: int = Field(default=128 * 1024 * 1024, ge=1)
    # Webhook deliveries taken and not yet answered (all instances); beyond it 503 overloaded +
    # Retry-After at once, so WuzAPI retries instead of timing out behind a queue (WuzAPI: 30 s).
    webhook_queue_max: int = Field(default=2000, ge=1)
    session_ttl_hours: int = 24 * 14
    cookie_secure: bool = False
    log_json: bool = False
    log_level: str = "INFO"
    # Operator endpoints: a bearer token for /metrics (unset: public); PUBLIC_DOCS=false puts
    # /docs, /redoc and /openapi.json behind a logged-in session.
    metrics_token: str | None = None
    public_docs: bool = True

    # Failed-login throttling (per account and per client address, shared by all processes)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    login_account_max_failures: int = Field(default=5, ge=1)
    login_ip_max_failures: int = Field(default=20, ge=1)
    login_lock_seconds: int = Field(default=15 * 60, ge=1)

    # Real-time: CENTRIFUGO_URL unset -> embedded hub served by this app
    centrifugo_url: str | None = None
    centrifugo_ws_url: str | None = None
    # Required with CENTRIFUGO_URL. Embedded mode without one: a secret made once and kept in
    # REALTIME_SECRET_FILE (default: realtime-token-secret next to the SQLite database), so
    # browsers' tokens survive a restart.
    centrifugo_api_key: str = ""
    centrifugo_token_secret: str = ""
    centrifugo_config: Path = REPO_ROOT / "config" / "centrifugo.json"
    realtime_secret_file: Path | None = None
    # Lifetime of connection and subscription tokens; the browser refreshes them before expiry.
    realtime_token_ttl_seconds: int = Field(default=600, ge=1, le=24 * 3600)

    # WhatsApp
    wuzapi_timeout_seconds: float = 15.0
    wuzapi_admin_url: str | None = None
    wuzapi_admin_token: str | None = None
    # Hosts instance base URLs may name (comma-separated host, host:port or *.domain); unset:
    # any. Required for hosted multi-tenancy (else an admin makes the app call internal hosts).
    wuzapi_allowed_hosts: str | None = None

    # PostgreSQL: how long a process may answer from the sessions it resolved (auth/session_cache.py),
    # while its LISTEN proves to work; 0 turns the cache off.
    session_cache_seconds: float = Field(default=60.0, ge=0, le=300)

    # Background jobs
    run_worker: bool = True
    outbox_poll_seconds: float = 0.5
    pending_receipt_ttl_seconds: int = 3600

    # First start
    admin_email: str = "admin@whatrack.local"
    admin_password: str | None = None
    organization_name: str = "Minha Empresa"
    demo: bool = False

    @model_validator(mode="after")
    def _secrets(self) -> Settings:
        if self.centrifugo_url and not (self.centrifugo_api_key and self.centrifugo_token_secret):
            raise ValueError("CENTRIFUGO_URL is set: CENTRIFUGO_API_KEY and CENTRIFUGO_TOKEN_SECRET are required")
        return self

    @property
    def token_secret_file(self) -> Path:
        """Where the embedded hub keeps its token secret: next to the SQLite database file,
        else in the media directory's parent (the data directory)."""
        if self.realtime_secret_file is not None:
            return self.realtime_secret_file
        prefix = "sqlite+aiosqlite:///"
        path = self.database_url[len(prefix) :].split("?", 1)[0] if self.database_url.startswith(prefix) else ""
        if path and path != ":memory:":
            return Path(path).parent / "realtime-token-secret"
        return self.media_dir.parent / "realtime-token-secret"

    @property
    def external_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
