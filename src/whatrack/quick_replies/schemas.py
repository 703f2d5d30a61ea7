from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from whatrack.schemas import CamelModel, InputModel

Scope = Literal["organization", "personal"]
# letters (any alphabet), digits, "_" and "-": what can follow "/" in the composer
SHORTCUT = r"^[\w-]{1,32}$"


class QuickReplyRead(CamelModel):
    id: uuid.UUID
    shortcut: str
    content: str
    scope: Scope
    owner_id: uuid.UUID | None
    editable: bool  # the caller may change it (their own, or an organization one for admins)
    created_at: datetime
    updated_at: datetime


class QuickReplyList(CamelModel):
    items: list[QuickReplyRead]


def _shortcut(value: str) -> str:
    return value.lstrip("/").lower()


class QuickReplyCreate(InputModel):
    shortcut: str = Field(min_length=1, max_length=33, description="Without the leading `/`; stored lowercase")
    content: str = Field(min_length=1, max_length=4096)
    scope: Scope = "personal"

    @field_validator("shortcut")
    @classmethod
    def _check(cls, value: str) -> str:
        return _valid(_shortcut(value))


class QuickReplyUpdate(InputModel):
    shortcut: str | None = Field(default=None, min_length=1, max_length=33)
    content: str | None = Field(default=None, min_length=1, max_length=4096)

    @field_validator("shortcut")
    @classmethod
    def _check(cls, value: str | None) -> str | None:
        return None if value is None else _valid(_shortcut(value))


def _valid(shortcut: str) -> str:
    if not re.fullmatch(SHORTCUT, shortcut):
        raise ValueError("a shortcut is 1-32 letters, digits, '_' or '-'")
    return shortcut
