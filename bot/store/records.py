"""What the store hands back: conversations, transcript lines, purge counts, copies due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.states import Direction, Handoff


@dataclass(frozen=True)
class PurgeCounts:
    sessions: int
    messages: int
    receipts: int


@dataclass(frozen=True)
class DueCopy:
    digest: str
    ref: str
    attempts: int
    created_at: datetime


@dataclass
class Conversation:
    """The state of one conversation between two messages."""

    key: str
    channel: str
    language: str
    flow: str
    step: str
    created_at: datetime
    last_active: datetime
    rate_window_start: datetime
    misses: int = 0
    handoff: Handoff = Handoff.NONE
    rate_count: int = 0
    rate_notified: bool = False
    vars: dict[str, Any] = field(default_factory=dict)
    is_new: bool = False


@dataclass(frozen=True)
class Line:
    """One message of a transcript: ``in`` from the person, ``out`` from Haven,
    ``adv`` from an advocate, ``sys`` a note for advocates (an SMS that did not arrive)."""

    id: int
    direction: Direction
    text: str
    at: datetime
