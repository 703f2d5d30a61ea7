from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from whatrack.models import Role
from whatrack.models.enums import AgentVisibility
from whatrack.schemas import CamelModel, InputModel


class LoginIn(InputModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class UserRead(CamelModel):
    id: uuid.UUID
    email: str
    name: str


class MemberRead(UserRead):
    role: Role
    active: bool = True
    must_change_password: bool = False


class MemberCreate(InputModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(min_length=1, max_length=1024)


class MemberUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    active: bool | None = None


class OpenConversationRead(CamelModel):
    id: uuid.UUID
    lead_name: str


class MemberChanged(MemberRead):
    # A deactivated member's conversations that are still open: reassign them.
    open_conversations: list[OpenConversationRead] = Field(default_factory=list)


class TemporaryPasswordIn(InputModel):
    password: str = Field(min_length=1, max_length=1024)


class PasswordChangeIn(InputModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class SessionRead(CamelModel):
    id: str
    current: bool
    created_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None


class OrganizationRead(CamelModel):
    id: uuid.UUID
    name: str
    timezone: str
    inactivity_timeout_minutes: int
    # `all`: agents see every conversation; `assigned_and_unassigned`: their own and unassigned.
    agent_visibility: AgentVisibility


class OrganizationUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    # 0 turns the inactivity close off; at most 90 days.
    inactivity_timeout_minutes: int | None = Field(default=None, ge=0, le=90 * 24 * 60)
    agent_visibility: AgentVisibility | None = None


class MeRead(CamelModel):
    user: UserRead
    organization: OrganizationRead
    role: Role
    csrf_token: str
    # A temporary password was given: the web app asks for a new one before anything else.
    must_change_password: bool = False
    # The largest file an upload may carry (bytes): the browser checks before sending.
    max_upload_bytes: int = 0
