from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from whatrack.business_hours import DEFAULT_BUSINESS_HOURS, parse_schedule, schedule_json
from whatrack.errors import DomainError
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
    waiting_warn_minutes: int = Field(default=10, description="The list's waiting timer turns amber from here")
    waiting_alert_minutes: int = Field(default=30, description="... and red from here")
    response_time_clock: Literal["wall", "business"] = Field(
        default="wall",
        description="Response, first-response and resolution times on the wall clock or in business hours",
    )
    business_hours: dict[str, list[list[str]]] = Field(
        default_factory=lambda: dict(DEFAULT_BUSINESS_HOURS),
        description='Per weekday (mon..sun) the [start, end] local times, e.g. {"mon": [["09:00", "18:00"]]}, '
        "in the organization's time zone",
    )

    @field_validator("business_hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        try:  # stored by PATCH, so it parses; NULL (never set): the default Mon-Fri 09:00-18:00
            return schedule_json(parse_schedule(value or DEFAULT_BUSINESS_HOURS))
        except DomainError:
            return DEFAULT_BUSINESS_HOURS


class OrganizationUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    # 0 turns the inactivity close off; at most 90 days.
    inactivity_timeout_minutes: int | None = Field(default=None, ge=0, le=90 * 24 * 60)
    agent_visibility: AgentVisibility | None = None
    # 1..10080 minutes, warn < alert (checked by the service: waiting_threshold_invalid / waiting_warn_not_below_alert)
    waiting_warn_minutes: int | None = None
    waiting_alert_minutes: int | None = None
    response_time_clock: Literal["wall", "business"] | None = Field(
        default=None, description="Applies to new figures; `whatrack metrics rebuild` recomputes past ones"
    )
    business_hours: dict[str, Any] | None = Field(
        default=None,
        description='Per weekday (mon..sun) a list of [start, end] "HH:MM" local times ("24:00" ends at '
        "midnight), not overlapping; days left out are closed",
    )


class MeRead(CamelModel):
    user: UserRead
    organization: OrganizationRead
    role: Role
    csrf_token: str
    # A temporary password was given: the web app asks for a new one before anything else.
    must_change_password: bool = False
    # The largest file an upload may carry (bytes): the browser checks before sending.
    max_upload_bytes: int = 0
