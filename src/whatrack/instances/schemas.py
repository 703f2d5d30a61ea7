from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Self

from pydantic import Field, HttpUrl, field_validator, model_validator

from whatrack.models import InstanceStatus
from whatrack.schemas import CamelModel, InputModel

_PHONE_CHARS = re.compile(r"^\+?[0-9 ().-]+$")


HEADER_SAFE = r"^[!-~]+$"


class InstanceRead(CamelModel):
    id: uuid.UUID
    name: str
    phone: str | None
    status: InstanceStatus
    is_demo: bool
    history_days: int = Field(description="Days of WhatsApp history imported at the next pairing (0 = off)")
    wuzapi_history: bool | None = Field(
        description="Whether its WuzAPI keeps message history (needed to recover messages sent while the "
        "app was down); null until the app asked"
    )
    webhook_url: str | None = None
    created_at: datetime


class InstanceCreate(InputModel):
    """Either an existing WuzAPI user (`baseUrl` + `token`) or `createUser: true` to create one
    through WuzAPI's admin API (`adminToken`/`baseUrl` default to WUZAPI_ADMIN_TOKEN/WUZAPI_ADMIN_URL)."""

    name: str = Field(min_length=1, max_length=200)
    base_url: HttpUrl | None = None
    # tokens travel in HTTP headers to WuzAPI: visible ASCII only (anything else cannot be sent)
    token: str | None = Field(default=None, min_length=1, max_length=255, pattern=HEADER_SAFE)
    hmac_key: str | None = Field(default=None, min_length=32, max_length=255)
    create_user: bool = False
    admin_token: str | None = Field(default=None, min_length=1, max_length=255, pattern=HEADER_SAFE)

    @model_validator(mode="after")
    def _credentials(self) -> Self:
        if not self.create_user:
            if self.base_url is None or self.token is None:
                raise ValueError("baseUrl and token are required (or set createUser: true)")
            if self.admin_token is not None:
                raise ValueError("adminToken is only used with createUser: true")
        return self


class InstanceUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    history_days: int | None = Field(
        default=None, ge=0, le=365, description="Days of WhatsApp history to import at the next pairing (0 = off)"
    )


class PairPhoneIn(InputModel):
    phone: str = Field(min_length=8, max_length=24, description="Phone with country code, e.g. +55 11 99999-0000")

    @field_validator("phone")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not _PHONE_CHARS.match(value):
            raise ValueError("phone must contain only digits (country code first), spaces, dashes or a leading +")
        digits = re.sub(r"\D", "", value)
        if not 8 <= len(digits) <= 15:
            raise ValueError("phone must have 8 to 15 digits including the country code")
        return digits


class InstanceConnection(CamelModel):
    """Live session state as WuzAPI reports it; `qrCode` is a PNG data URL while pairing."""

    id: uuid.UUID
    status: InstanceStatus
    phone: str | None
    connected: bool
    logged_in: bool
    qr_code: str | None = None


class PairingCode(CamelModel):
    linking_code: str = Field(description='8 characters ("ABCD-EFGH") to type on the phone')
