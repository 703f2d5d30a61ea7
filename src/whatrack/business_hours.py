"""Business hours: the clock response, first-response and resolution times are counted on.

An organization counts them on the wall clock (`wall`, the default) or in its business hours
(`business`): a weekly schedule, per weekday a list of [start, end) local times ("09:00",
"18:00"; "24:00" ends at midnight) in the organization's time zone. `Clock.seconds(a, b)` is
the one place a duration is measured (reports/metrics.py for responses, tickets/service.py for
resolutions, and `whatrack metrics rebuild` through both), so every path agrees.

`business_seconds_between()` is pure: no I/O, aware datetimes in, seconds out. Local times are
turned into instants with zoneinfo, so a day that skips or repeats an hour (DST) is measured
as it really was; America/Sao_Paulo has had no DST since 2019.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from whatrack.errors import BusinessHoursEmpty, BusinessHoursInvalid, BusinessHoursOverlap
from whatrack.models import Organization

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK_WALL = "wall"
CLOCK_BUSINESS = "business"
CLOCKS: tuple[str, ...] = (CLOCK_WALL, CLOCK_BUSINESS)
MAX_INTERVALS_PER_DAY = 6
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")

_UTC_ZONE = ZoneInfo("UTC")

# Per weekday (0 = Monday) the [start, end) minutes of the day, sorted, not overlapping.
Week = tuple[tuple[tuple[int, int], ...], ...]

# What an organization gets until it sets its own: Monday to Friday, 09:00 to 18:00.
DEFAULT_BUSINESS_HOURS: dict[str, list[list[str]]] = {
    day: ([["09:00", "18:00"]] if day not in ("sat", "sun") else []) for day in WEEKDAYS
}


def _minutes(value: Any) -> int | None:
    if not isinstance(value, str) or not _HHMM.match(value):
        return None
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def parse_schedule(raw: Any) -> Week:
    """A stored or submitted schedule → Week. Malformed (unknown day, not "HH:MM", start not
    before end, too many intervals) → BusinessHoursInvalid; overlapping intervals of a day →
    BusinessHoursOverlap; no interval at all → BusinessHoursEmpty."""
    if not isinstance(raw, Mapping):
        raise BusinessHoursInvalid(details={"reason": "not_an_object"})
    unknown = sorted(str(k) for k in raw if k not in WEEKDAYS)
    if unknown:
        raise BusinessHoursInvalid(f"Unknown weekday {unknown[0]!r}", {"day": unknown[0], "allowed": list(WEEKDAYS)})
    week: list[tuple[tuple[int, int], ...]] = []
    for day in WEEKDAYS:
        intervals = raw.get(day) or []
        if not isinstance(intervals, Sequence) or isinstance(intervals, str) or len(intervals) > MAX_INTERVALS_PER_DAY:
            raise BusinessHoursInvalid(details={"day": day, "maxIntervals": MAX_INTERVALS_PER_DAY})
        spans: list[tuple[int, int]] = []
        for index, interval in enumerate(intervals):
            pair = list(interval) if isinstance(interval, Sequence) and not isinstance(interval, str) else []
            start, end = (_minutes(pair[0]), _minutes(pair[1])) if len(pair) == 2 else (None, None)
            if start is None or end is None or start >= end or start == 24 * 60:
                raise BusinessHoursInvalid(
                    f"{day}[{index}] must be [start, end] times HH:MM with start before end",
                    {"day": day, "index": index},
                )
            spans.append((start, end))
        spans.sort()
        for (_, prev_end), (start, _) in itertools.pairwise(spans):
            if start < prev_end:
                raise BusinessHoursOverlap(f"Business hours of {day} overlap", {"day": day})
        week.append(tuple(spans))
    if not any(week):
        raise BusinessHoursEmpty()
    return tuple(week)


def schedule_json(week: Week) -> dict[str, list[list[str]]]:
    """The stored/answered form of a Week (sorted intervals, "HH:MM")."""

    def hhmm(m: int) -> str:
        return f"{m // 60:02d}:{m % 60:02d}"

    return {day: [[hhmm(a), hhmm(b)] for a, b in week[i]] for i, day in enumerate(WEEKDAYS)}


def _instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local time of day ("24:00" is the next day's midnight)."""
    if minute >= 24 * 60:
        local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    else:
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    return local.astimezone(UTC)


def _aware(at: datetime) -> datetime:
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(UTC)


def business_seconds_between(start: datetime, end: datetime, schedule: Week, tz: ZoneInfo) -> float:
    """Seconds of [start, end) that fall in the business hours of `schedule`, read in `tz`
    (0 when end is not after start). A naive datetime is taken as UTC."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return 0.0
    day = start.astimezone(tz).date() - timedelta(days=1)  # an interval of the day before may reach in
    last = end.astimezone(tz).date()
    total = 0.0
    while day <= last:
        for a, b in schedule[day.weekday()]:
            lo, hi = max(_instant(day, a, tz), start), min(_instant(day, b, tz), end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return total


@dataclass(frozen=True, slots=True)
class Clock:
    """How an organization measures durations: wall clock (week None) or business hours."""

    week: Week | None = None
    tz: ZoneInfo = _UTC_ZONE

    def seconds(self, start: datetime, end: datetime) -> int:
        """Whole seconds from start to end on this clock (never negative)."""
        if self.week is None:
            return max(0, round((_aware(end) - _aware(start)).total_seconds()))
        return max(0, round(business_seconds_between(start, end, self.week, self.tz)))


WALL = Clock()


def clock_from(clock: str, business_hours: Any, timezone: str) -> Clock:
    """The clock of these settings. A stored schedule that no longer parses (never written so:
    PATCH validates) or an unknown zone falls back to the wall clock rather than failing a write."""
    if clock != CLOCK_BUSINESS:
        return WALL
    try:
        return Clock(parse_schedule(business_hours or DEFAULT_BUSINESS_HOURS), ZoneInfo(timezone))
    except (BusinessHoursInvalid, BusinessHoursOverlap, BusinessHoursEmpty, ZoneInfoNotFoundError, ValueError):
        return WALL


def clock_of(org: Organization) -> Clock:
    return clock_from(org.response_time_clock, org.business_hours, org.timezone)


async def clocks(db: AsyncSession, organization_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Clock]:
    """The clock of each organization (one query; wall-clock organizations cost nothing more)."""
    if not organization_ids:
        return {}
    rows = await db.execute(
        select(
            Organization.id, Organization.response_time_clock, Organization.business_hours, Organization.timezone
        ).where(Organization.id.in_(list(organization_ids)))
    )
    return {org_id: clock_from(clock, hours, tz) for org_id, clock, hours, tz in rows}
