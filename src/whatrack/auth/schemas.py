from __future__ import annotations

import uuid

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
