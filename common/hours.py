"""Weekly opening hours: on some weekdays, open from one time of day to another, in a time zone.

One model for both kinds of hours Haven knows: when advocates answer
(``bot.handoff.availability``, written ``MO-FR 09:00-17:00``) and when a
service in the directory is open (``resources_db.schedules``, read from HSDS).
Each reads its own notation into ``Span``s; a span is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""The days as iCalendar (and HSDS) write them; the index is ``datetime.weekday()``."""
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Span:
    """Open on ``days`` from ``opens`` to ``closes``, both in minutes after midnight."""

    days: frozenset[int]
    """0 is Monday."""
    opens: int
    closes: int
    """At or before ``opens`` means past midnight, into the next day."""

    @property
    def whole_day(self) -> bool:
        """Midnight to midnight; many schedules write the end of the day as 23:59."""
        return self.opens == 0 and self.closes >= DAY_MINUTES - 1

    def covers(self, moment: datetime, zone: tzinfo) -> bool:
        """Open at ``moment``, read on the clock of ``zone``."""
        local = moment.astimezone(zone)
        minute = local.hour * 60 + local.minute
        today, yesterday = local.weekday(), (local.weekday() - 1) % 7
        if self.whole_day:
            return today in self.days
        if self.opens < self.closes:
            return today in self.days and self.opens <= minute < self.closes
        return (today in self.days and minute >= self.opens) or (
            yesterday in self.days and minute < self.closes
        )


def clock(minutes: int) -> str:
    """Minutes after midnight as ``HH:MM``; the end of the day is ``24:00``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
