"""Whether a person can answer now: the opening hours, and someone there to answer.

Someone is there while an advocate is marked available and their console is live: its
stream showed a sign of life within ``STREAM_GRACE`` (``bot.console.presence``). Signing
out or a session that ends clears the mark; a console whose stream is lost stops counting
after the grace, so that the queue never promises a trained person to a survivor when
nobody is there.

Opening hours are written ``MO-FR 09:00-17:00, SA 10:00-14:00`` (empty: always
open), in ``HAVEN_OPENING_HOURS`` or by an admin in the console, and checked in
``HAVEN_TIMEZONE`` with the weekly spans of ``common.hours``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, select

from bot.config import ConfigError, Settings
from bot.store.models import AdvocateRow, ConsoleSettingRow
from bot.store.store import Store, Transaction
from common.clock import utcnow
from common.hours import DAY_MINUTES, WEEKDAYS, Span, clock

STREAM_GRACE = timedelta(seconds=60)
"""How long an advocate marked available still counts without a sign of life from their
console: a stream that drops and reconnects (a network blip, a new worker) keeps them."""
OPENING_HOURS_SETTING = "opening_hours"
MIDNIGHT = "24:00"
"""Closing at the end of the day."""
_HOURS = re.compile(
    r"^(?P<first>[A-Z]{2})(?:-(?P<last>[A-Z]{2}))?\s+(?P<opens>\d\d:\d\d)-(?P<closes>\d\d:\d\d)$"
)


@dataclass(frozen=True)
class OpeningHours:
    """When people answer; no spans: always."""

    spans: tuple[Span, ...]
    zone: ZoneInfo

    @property
    def spec(self) -> str:
        """The hours written as they are read: ``MO-FR 09:00-17:00, SA 10:00-14:00``."""
        return ", ".join(
            f"{_days(span.days)} {clock(span.opens)}-{clock(span.closes)}" for span in self.spans
        )

    @classmethod
    def parse(cls, spec: str, zone: str) -> OpeningHours:
        """Read opening hours; ``ConfigError`` names the part that cannot be read."""
        parts = filter(None, (piece.strip().upper() for piece in spec.split(",")))
        return cls(tuple(_span(part) for part in parts), ZoneInfo(zone))

    def open_at(self, moment: datetime) -> bool:
        return not self.spans or any(span.covers(moment, self.zone) for span in self.spans)

    def next_open(self, moment: datetime) -> datetime | None:
        """When a span next opens after ``moment``, on the clock of the zone; None: always open."""
        local = moment.astimezone(self.zone)
        openings = (
            datetime.combine(local.date() + timedelta(days=ahead), time(), self.zone)
            + timedelta(minutes=span.opens)
            for ahead in range(8)
            for span in self.spans
            if (local.weekday() + ahead) % 7 in span.days
        )
        return min((opening for opening in openings if opening > local), default=None)


def answering(now: datetime) -> ColumnElement[bool]:
    """The advocates who answer at ``now``: marked available, their console live."""
    return and_(AdvocateRow.available.is_(True), AdvocateRow.live_at >= now - STREAM_GRACE)


def _span(part: str) -> Span:
    """One ``MO-FR 09:00-17:00``; unlike a directory's schedule, it may not pass midnight."""
    match = _HOURS.match(part)
    try:
        if match is None:
            raise ValueError(part)
        first = WEEKDAYS.index(match["first"])
        last = WEEKDAYS.index(match["last"] or match["first"])
        opens, closes = _minutes(match["opens"]), _minutes(match["closes"])
    except ValueError:
        raise ConfigError(f"opening hours: cannot read {part!r} (e.g. MO-FR 09:00-17:00)") from None
    if last < first or closes <= opens:
        raise ConfigError(f"opening hours: {part!r} ends before it starts")
    return Span(frozenset(range(first, last + 1)), opens, closes)


def _minutes(text: str) -> int:
    """``HH:MM`` (or ``24:00``) as minutes after midnight; ``ValueError`` if no such time."""
    if text == MIDNIGHT:
        return DAY_MINUTES
    moment = time.fromisoformat(text)
    return moment.hour * 60 + moment.minute


def _days(days: frozenset[int]) -> str:
    first, last = WEEKDAYS[min(days)], WEEKDAYS[max(days)]
    return first if first == last else f"{first}-{last}"


@dataclass(frozen=True)
class Outlook:
    """What a person about to wait can be told: when someone is there, and the retention."""

    hours: OpeningHours
    answers_now: bool
    """Within opening hours, and someone there to answer (``answering``)."""
    back_at: datetime | None
    """Closed now: when the hours next open. None when open now (someone may come back at
    any time) or always open: then no one can say when."""
    idle: timedelta
    """How long a conversation may be idle before it is erased (``HAVEN_RETENTION``)."""

    def erased_before_back(self, now: datetime) -> bool:
        """An idle chat would be erased before anyone is back to read it."""
        return self.back_at is not None and self.back_at - now > self.idle


class Availability:
    """Whether a person can answer now: within opening hours, and someone there to answer.

    Opening hours come from ``HAVEN_OPENING_HOURS`` until an admin changes them in
    the console; the change is kept in the database and holds for every worker.
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        try:
            self.default_hours = OpeningHours.parse(settings.opening_hours, settings.timezone).spec
        except ConfigError as exc:
            raise ConfigError(f"HAVEN_OPENING_HOURS: {exc}") from None
        self.zone = settings.timezone
        self.idle = timedelta(seconds=settings.retention)
        self.store = store

    def opening_hours(self) -> OpeningHours:
        with self.store.transaction() as tx:
            row = tx.db.get(ConsoleSettingRow, OPENING_HOURS_SETTING)
            return OpeningHours.parse(row.value if row else self.default_hours, self.zone)

    def set_opening_hours(self, tx: Transaction, spec: str) -> OpeningHours:
        """Check and keep new opening hours; ``ConfigError`` says what is wrong."""
        hours = OpeningHours.parse(spec, self.zone)
        row = tx.db.get(ConsoleSettingRow, OPENING_HOURS_SETTING)
        if row is None:
            row = ConsoleSettingRow(name=OPENING_HOURS_SETTING)
            tx.db.add(row)
        row.value, row.updated_at = hours.spec, utcnow()
        return hours

    def has_advocates(self) -> bool:
        with self.store.transaction() as tx:
            return tx.db.execute(select(AdvocateRow.id).limit(1)).first() is not None

    def someone_answers(self, now: datetime) -> bool:
        return self.opening_hours().open_at(now) and self._someone_available()

    def outlook(self, now: datetime) -> Outlook:
        hours = self.opening_hours()
        if hours.open_at(now):
            return Outlook(hours, self._someone_available(), None, self.idle)
        return Outlook(hours, False, hours.next_open(now), self.idle)

    def _someone_available(self) -> bool:
        """Someone answers now, by the clock rather than the turn's time: presence is a
        fact of this moment."""
        with self.store.transaction() as tx:
            query = select(AdvocateRow.id).where(answering(utcnow())).limit(1)
            return tx.db.execute(query).first() is not None
