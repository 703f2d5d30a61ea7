"""business_seconds_between() and the schedule it reads (business_hours.py): pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from whatrack.business_hours import (
    DEFAULT_BUSINESS_HOURS,
    WALL,
    Clock,
    business_seconds_between,
    parse_schedule,
    schedule_json,
)
from whatrack.errors import BusinessHoursEmpty, BusinessHoursInvalid, BusinessHoursOverlap

SP = ZoneInfo("America/Sao_Paulo")  # UTC-3 all year (no DST since 2019)
NY = ZoneInfo("America/New_York")
WEEK = parse_schedule(DEFAULT_BUSINESS_HOURS)  # Mon-Fri 09:00-18:00
H = 3600


def sp(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026 in São Paulo: the 2nd is a Monday, the 6th a Friday, the 7th/8th a weekend."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SP)


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        pytest.param(sp(2, 10), sp(2, 11, 30), 1.5 * H, id="inside-hours"),
        pytest.param(sp(2, 7), sp(2, 10), 1 * H, id="starts-before-opening"),
        pytest.param(sp(2, 17), sp(2, 20), 1 * H, id="ends-after-closing"),
        pytest.param(sp(2, 19), sp(2, 23), 0, id="all-after-hours"),
        pytest.param(sp(2, 17), sp(3, 10), 2 * H, id="overnight"),
        pytest.param(sp(6, 17), sp(9, 10), 2 * H, id="over-the-weekend"),
        pytest.param(sp(7, 10), sp(8, 20), 0, id="inside-the-weekend"),
        pytest.param(sp(2, 9), sp(9, 9), 5 * 9 * H, id="a-whole-week"),
        pytest.param(sp(2, 8), sp(13, 20), 10 * 9 * H, id="two-weeks-outside-both-ends"),
        pytest.param(sp(2, 12), sp(2, 12), 0, id="empty-span"),
        pytest.param(sp(2, 12), sp(2, 11), 0, id="end-before-start"),
    ],
)
def test_default_week_in_sao_paulo(start: datetime, end: datetime, seconds: float) -> None:
    assert business_seconds_between(start, end, WEEK, SP) == seconds
    # the same instants in UTC (as the database gives them) count the same
    assert business_seconds_between(start.astimezone(UTC), end.astimezone(UTC), WEEK, SP) == seconds


def test_lunch_break_midnight_end_and_naive_utc() -> None:
    week = parse_schedule({"mon": [["13:00", "18:00"], ["09:00", "12:00"]], "sat": [["20:00", "24:00"]]})
    assert business_seconds_between(sp(2, 11), sp(2, 14), week, SP) == 2 * H  # 11-12 and 13-14
    assert business_seconds_between(sp(7, 23), sp(8, 1), week, SP) == 1 * H  # Saturday until midnight only
    naive_start = sp(2, 11).astimezone(UTC).replace(tzinfo=None)  # naive is UTC
    assert business_seconds_between(naive_start, sp(2, 14), week, SP) == 2 * H
    # the time zone matters: 09:00-12:00 in São Paulo is 12:00-15:00 UTC
    utc_week = parse_schedule({"mon": [["12:00", "15:00"]]})
    assert business_seconds_between(sp(2, 0), sp(3, 0), utc_week, ZoneInfo("UTC")) == 3 * H


def test_a_day_that_skips_an_hour_is_measured_as_it_was() -> None:
    # New York moved its clocks forward on Sunday 2026-03-08: that local day lasted 23 hours
    week = parse_schedule({"sun": [["00:00", "24:00"]]})
    start = datetime(2026, 3, 8, 0, 0, tzinfo=NY)
    assert business_seconds_between(start, start + timedelta(days=2), week, NY) == 23 * H
    # and 01:00-04:00 local that night is two real hours
    short = parse_schedule({"sun": [["01:00", "04:00"]]})
    assert business_seconds_between(start, start + timedelta(days=1), short, NY) == 2 * H


def test_clock_rounds_whole_seconds_and_wall_ignores_hours() -> None:
    business = Clock(WEEK, SP)
    start = sp(6, 17, 59) + timedelta(seconds=59.6)  # Friday, 0.4 s before closing
    end = sp(9, 9) + timedelta(seconds=10)
    assert business.seconds(start, end) == 10  # 0.4 + 10 s
    assert WALL.seconds(start, end) == round((end - start).total_seconds())
    assert business.seconds(end, start) == 0 and WALL.seconds(end, start) == 0


@pytest.mark.parametrize(
    ("raw", "error", "details"),
    [
        ({"monday": [["09:00", "18:00"]]}, BusinessHoursInvalid, {"day": "monday"}),
        ({"mon": [["9:00", "18:00"]]}, BusinessHoursInvalid, {"day": "mon", "index": 0}),
        ({"mon": [["09:00", "25:00"]]}, BusinessHoursInvalid, {"day": "mon", "index": 0}),
        ({"mon": [["18:00", "09:00"]]}, BusinessHoursInvalid, {"day": "mon", "index": 0}),
        ({"tue": [["09:00", "09:00"]]}, BusinessHoursInvalid, {"day": "tue", "index": 0}),
        ({"mon": [["24:00", "24:00"]]}, BusinessHoursInvalid, {"day": "mon", "index": 0}),
        ({"mon": [["09:00", "12:00"], ["13:00"]]}, BusinessHoursInvalid, {"day": "mon", "index": 1}),
        ({"mon": "09:00-18:00"}, BusinessHoursInvalid, {"day": "mon"}),
        ({"mon": [[9, 18]]}, BusinessHoursInvalid, {"day": "mon", "index": 0}),
        ({"mon": [["08:00", "09:00"]] * 7}, BusinessHoursInvalid, {"day": "mon"}),
        ([["09:00", "18:00"]], BusinessHoursInvalid, {}),
        ({"wed": [["09:00", "12:00"], ["11:59", "18:00"]]}, BusinessHoursOverlap, {"day": "wed"}),
        ({"wed": [["13:00", "18:00"], ["09:00", "13:01"]]}, BusinessHoursOverlap, {"day": "wed"}),
        ({"mon": [], "sun": []}, BusinessHoursEmpty, {}),
        ({}, BusinessHoursEmpty, {}),
    ],
)
def test_malformed_schedules_are_refused(raw: Any, error: type[Exception], details: dict[str, Any]) -> None:
    with pytest.raises(error) as caught:
        parse_schedule(raw)
    got = getattr(caught.value, "details", None) or {}
    assert {k: got.get(k) for k in details} == details


def test_schedule_is_normalised() -> None:
    week = parse_schedule({"fri": [["13:00", "18:00"], ["08:30", "13:00"]], "sun": None})  # touching is fine
    assert schedule_json(week) == {
        "mon": [],
        "tue": [],
        "wed": [],
        "thu": [],
        "fri": [["08:30", "13:00"], ["13:00", "18:00"]],
        "sat": [],
        "sun": [],
    }
    assert schedule_json(WEEK) == DEFAULT_BUSINESS_HOURS
