from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from whatrack.schemas import CamelModel


class Period(CamelModel):
    from_: date = Field(alias="from")
    to: date


class Figure(CamelModel):
    """A figure for the period asked, and the same figure for the period just before it."""

    value: int | float | None
    previous: int | float | None


class KeyedFigure(CamelModel):
    key: str
    value: float
    previous: float


class DailyPoint(CamelModel):
    date: date
    leads: int
    tickets: int
    sales: int


class Overview(CamelModel):
    period: Period
    previous_period: Period
    new_leads: Figure
    tickets_opened: Figure
    tickets_resolved: Figure
    sales: Figure
    sales_value_cents: Figure
    conversion_rate: Figure  # sales / tickets resolved
    first_response_p50_seconds: Figure
    first_response_p90_seconds: Figure
    resolution_p50_seconds: Figure
    waiting_now: int
    resolved_by_closing_rule: list[KeyedFigure]
    resolved_by_outcome: list[KeyedFigure]
    daily: list[DailyPoint]


class AttributionGroup(CamelModel):
    key: str | None  # None: no origin known
    leads: int
    tickets: int
    sales: int
    sales_value_cents: int
    conversion_rate: float | None  # sales / leads
    median_tickets_to_sale: float | None
    median_days_to_sale: float | None


class Attribution(CamelModel):
    period: Period
    model: str
    group_by: str
    groups: list[AttributionGroup]
    previous_groups: list[AttributionGroup]


class AgentFigures(CamelModel):
    user_id: uuid.UUID
    name: str
    conversations_handled: int
    first_response_p50_seconds: float | None
    first_response_p90_seconds: float | None
    tickets_resolved: int
    sales: int
    sales_value_cents: int


class AgentsReport(CamelModel):
    period: Period
    agents: list[AgentFigures]
    previous_agents: list[AgentFigures]
