"""The one clock: everything Haven stores and compares is an aware UTC time."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything Haven stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
