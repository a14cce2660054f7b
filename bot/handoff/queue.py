"""Handing a conversation to a person: the queue, its order, and who is there to answer.

States, stored per session (``sessions.handoff``) and per handoff row: ``queued``
(waiting for an advocate), ``assigned`` (an advocate holds it), then ``closed``,
which returns the person to the bot. While queued or assigned, the bot is silent
except for the safety layer; the engine enforces that in one place.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.config import ConfigError, Settings
from bot.core.states import Handoff
from bot.store.models import AdvocateRow, ConsoleSettingRow, HandoffRow
from bot.store.store import Conversation, Store, Transaction
from common.clock import aware, utcnow

EMERGENCY_PRIORITY = 1
NOTICE_INTERVAL = timedelta(minutes=5)
"""A waiting person is told their place again at most this often."""
SUMMARY_MESSAGES = 5
OPENING_HOURS_SETTING = "opening_hours"
MIDNIGHT = "24:00"
"""Closing at the end of the day."""
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_HOURS = re.compile(
    r"^(?P<first>[A-Z]{2})(?:-(?P<last>[A-Z]{2}))?\s+(?P<opens>\d\d:\d\d)-(?P<closes>\d\d:\d\d)$"
)


@dataclass(frozen=True)
class OpeningHours:
    """When people answer, e.g. ``MO-FR 09:00-17:00, SA 10:00-14:00``; empty: always."""

    spans: tuple[tuple[frozenset[int], time, time], ...]
    zone: ZoneInfo

    @property
    def spec(self) -> str:
        """The hours written as they are read: ``MO-FR 09:00-17:00, SA 10:00-14:00``."""
        return ", ".join(
            f"{_days(days)} {opens:%H:%M}-{MIDNIGHT if closes == time.max else f'{closes:%H:%M}'}"
            for days, opens, closes in self.spans
        )

    @classmethod
    def parse(cls, spec: str, zone: str) -> OpeningHours:
        """Read opening hours; ``ConfigError`` names the part that cannot be read."""
        parts = filter(None, (piece.strip().upper() for piece in spec.split(",")))
        return cls(tuple(_span(part) for part in parts), ZoneInfo(zone))

    def open_at(self, moment: datetime) -> bool:
        if not self.spans:
            return True
        local = moment.astimezone(self.zone)
        return any(
            local.weekday() in days and opens <= local.time() < closes
            for days, opens, closes in self.spans
        )


def _span(part: str) -> tuple[frozenset[int], time, time]:
    match = _HOURS.match(part)
    try:
        if match is None:
            raise ValueError(part)
        first = WEEKDAYS.index(match["first"])
        last = WEEKDAYS.index(match["last"] or match["first"])
        opens, closes = _clock(match["opens"]), _clock(match["closes"])
    except ValueError:
        raise ConfigError(f"opening hours: cannot read {part!r} (e.g. MO-FR 09:00-17:00)") from None
    if last < first or closes <= opens:
        raise ConfigError(f"opening hours: {part!r} ends before it starts")
    return frozenset(range(first, last + 1)), opens, closes


def _clock(text: str) -> time:
    return time.max if text == MIDNIGHT else time.fromisoformat(text)


def _days(days: frozenset[int]) -> str:
    first, last = WEEKDAYS[min(days)], WEEKDAYS[max(days)]
    return first if first == last else f"{first}-{last}"


class Availability:
    """Whether a person can answer now: within opening hours, and someone marked available.

    Opening hours come from ``HAVEN_OPENING_HOURS`` until an admin changes them in
    the console; the change is kept in the database and holds for every worker.
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        try:
            self.default_hours = OpeningHours.parse(settings.opening_hours, settings.timezone).spec
        except ConfigError as exc:
            raise ConfigError(f"HAVEN_OPENING_HOURS: {exc}") from None
        self.zone = settings.timezone
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
        if not self.opening_hours().open_at(now):
            return False
        with self.store.transaction() as tx:
            query = select(AdvocateRow.id).where(AdvocateRow.available.is_(True)).limit(1)
            return tx.db.execute(query).first() is not None


def enqueue(tx: Transaction, conversation: Conversation, address: str, now: datetime) -> int:
    """Put the conversation in the queue; returns its place in line.

    ``address`` is where an advocate's replies go (kept encrypted, deleted with the
    conversation).
    """
    consent = conversation.vars.get("consent") == "yes"
    priority = EMERGENCY_PRIORITY if conversation.vars.get("emergency") else 0
    summary = _summary(tx, conversation, consent)
    row = handoff_of(tx, conversation.key)
    if row is None:
        row = HandoffRow(
            id=secrets.token_urlsafe(16),
            session_key=conversation.key,
            channel=conversation.channel,
        )
        tx.db.add(row)
    row.state, row.priority, row.consent = Handoff.QUEUED, priority, consent
    row.address = tx.keys.encrypt(address)
    row.summary = tx.keys.encrypt(json.dumps(summary, ensure_ascii=False))
    row.queued_at, row.notified_at = now, now
    row.assigned_to, row.assigned_at, row.closed_at, row.outcome = None, None, None, None
    tx.db.flush()
    conversation.handoff = Handoff.QUEUED
    return place_in_line(tx, row)


def _summary(tx: Transaction, conversation: Conversation, consent: bool) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "language": conversation.language,
        "country": conversation.vars.get("country"),
    }
    if consent:
        summary["needs"] = [
            conversation.vars[name] for name in ("need", "topic") if conversation.vars.get(name)
        ]
        summary["flags"] = [flag for flag in ("emergency", "minor") if conversation.vars.get(flag)]
        summary["last_messages"] = [
            {"direction": direction, "text": text}
            for direction, text in tx.transcript(conversation.key)[-SUMMARY_MESSAGES:]
        ]
    return summary


def place_in_line(tx: Transaction, row: HandoffRow) -> int:
    """1 for the next to be taken: emergencies first, then by waiting time."""
    ahead = tx.db.scalar(
        select(func.count())
        .select_from(HandoffRow)
        .where(HandoffRow.state == Handoff.QUEUED)
        .where(
            (HandoffRow.priority > row.priority)
            | ((HandoffRow.priority == row.priority) & (HandoffRow.queued_at < row.queued_at))
        )
    )
    return int(ahead or 0) + 1


def handoff_of(tx: Transaction, key: str) -> HandoffRow | None:
    return tx.db.scalar(select(HandoffRow).where(HandoffRow.session_key == key))


def notice_due(row: HandoffRow, now: datetime) -> bool:
    return row.state == Handoff.QUEUED and now - aware(row.notified_at) >= NOTICE_INTERVAL


def raise_priority(tx: Transaction, key: str) -> None:
    row = handoff_of(tx, key)
    if row is not None:
        row.priority = EMERGENCY_PRIORITY
        tx.db.flush()
