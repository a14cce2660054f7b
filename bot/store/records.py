"""What the store hands back besides conversations: purge counts, copies due for deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
