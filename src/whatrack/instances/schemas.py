from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field, HttpUrl

from whatrack.models import InstanceStatus
from whatrack.schemas import CamelModel, InputModel


class InstanceRead(CamelModel):
    id: uuid.UUID
    name: str
    phone: str | None
    status: InstanceStatus
    is_demo: bool
    webhook_url: str | None = None
    created_at: datetime


class InstanceCreate(InputModel):
    name: str = Field(min_length=1, max_length=200)
    base_url: HttpUrl
    token: str = Field(min_length=1, max_length=255)
    hmac_key: str | None = Field(default=None, min_length=32, max_length=255)
