"""Runtime configuration. Every variable is documented in .env.example."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Core
    database_url: str = Field(
        default="sqlite+aiosqlite:///./data/whatrack.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://user:pw@host/db",
    )
    secret_key: str = Field(default="dev-secret-change-me-0123456789abcdef", min_length=16)
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    media_dir: Path = Path("./data/media")
    static_dir: Path = REPO_ROOT / "frontend" / "dist"
    max_body_bytes: int = 64 * 1024 * 1024
    session_ttl_hours: int = 24 * 14
    cookie_secure: bool = False
    log_json: bool = False
    log_level: str = "INFO"

    # Real-time: CENTRIFUGO_URL unset -> embedded hub served by this app
    centrifugo_url: str | None = None
    centrifugo_ws_url: str | None = None
    centrifugo_api_key: str = "dev-api-key-change-me"
    centrifugo_token_secret: str = "dev-token-secret-change-me-0123456789abcdef"
    centrifugo_config: Path = REPO_ROOT / "config" / "centrifugo.json"

    # WhatsApp
    wuzapi_timeout_seconds: float = 15.0
    wuzapi_admin_url: str | None = None
    wuzapi_admin_token: str | None = None

    # Background jobs
    run_worker: bool = True
    outbox_poll_seconds: float = 0.5
    pending_receipt_ttl_seconds: int = 3600

    # First start
    admin_email: str = "admin@whatrack.local"
    admin_password: str | None = None
    organization_name: str = "Minha Empresa"
    demo: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
