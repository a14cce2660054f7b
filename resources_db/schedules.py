"""Opening hours from HSDS schedules: 24/7, open now, and the weekly hours to show.

Haven reads the common weekly shape of an HSDS schedule (``freq`` WEEKLY or
empty, ``byday``, ``opens_at``, ``closes_at``, ``timezone``). A schedule without
``byday`` holds every day. ``timezone`` may be an IANA name or a UTC offset in
hours; without one, the main time zone of the service's country is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

from common.hours import DAY_MINUTES, WEEKDAYS, Span


@dataclass(frozen=True)
class Hours(Span):
    """A weekly span of one schedule, in its own time zone or its country's."""

    zone: str | None

    @classmethod
    def from_row(cls, row: Any) -> Hours:
        if row.freq not in (None, "", "WEEKLY"):
            return cls(frozenset(), 0, 0, None)  # monthly rules are not read
        days = {
            WEEKDAYS.index(day[-2:].upper())
            for day in (row.byday or "").split(",")
            if day.strip() and day.strip()[-2:].upper() in WEEKDAYS
        }
        return cls(
            frozenset(days) if row.byday else frozenset(range(7)),
            _minutes(row.opens_at, 0),
            _minutes(row.closes_at, DAY_MINUTES),
            row.timezone,
        )

    def open_at(self, moment: datetime, country: str) -> bool:
        return self.covers(moment, zone_of(self.zone, country))


def _minutes(text: str | None, default: int) -> int:
    if not text:
        return default
    hours, minutes = (int(part) for part in text.split(":")[:2])
    return min(hours * 60 + minutes, DAY_MINUTES)


def always_open(hours: list[Hours]) -> bool:
    """Every day of the week is covered by a whole-day schedule."""
    days: set[int] = set()
    for item in hours:
        if item.whole_day:
            days |= item.days
    return len(days) == 7


def open_now(hours: list[Hours], moment: datetime, country: str) -> bool:
    return any(item.open_at(moment, country) for item in hours)


@lru_cache(maxsize=256)
def zone_of(name: str | None, country: str) -> tzinfo:
    if name:
        try:
            return timezone(timedelta(hours=float(name)))
        except ValueError:
            pass
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    zones = get_global("territory_zones").get(country, ())
    return ZoneInfo(zones[0]) if zones else UTC
