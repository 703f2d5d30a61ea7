from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from whatrack.db import Base, UTCDateTime


class LoginThrottle(Base):
    """Failed logins counted per key (`account:<email>`, `ip:<address>`), in the database so
    every process sees the same count. A row is forgotten `window` after its last failure or
    the end of its lock, whichever is later (`expires_at`)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(340), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
