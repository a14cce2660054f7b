"""The statements every turn runs, as SQLAlchemy Core: one round trip each.

A turn reads its conversation, records the provider's message id and copy, writes the
conversation back and adds to its transcript. Through the ORM each of these is a lookup
in the identity map, a unit of work and a flush; as Core statements they are one
statement each, compiled once and cached. Writing a row that may exist is one
``INSERT ... ON CONFLICT`` (SQLite and PostgreSQL both have it), never a read then a write.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, Table, bindparam, case, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.models import ErasureRow, ProviderCopyRow, ReceiptRow, SessionRow

SESSIONS: Table = SessionRow.__table__  # type: ignore[assignment]
RECEIPTS: Table = ReceiptRow.__table__  # type: ignore[assignment]
ERASURES: Table = ErasureRow.__table__  # type: ignore[assignment]
COPIES: Table = ProviderCopyRow.__table__  # type: ignore[assignment]

LOAD_SESSION: Select[Any] = (
    select(SESSIONS).where(SESSIONS.c.key == bindparam("key")).with_for_update()
)
"""A conversation's row, locked until the commit on PostgreSQL (SQLite renders no lock: the
transaction already holds the write lock)."""
SESSION_EXISTS: Select[Any] = select(SESSIONS.c.key).where(SESSIONS.c.key == bindparam("key"))
ERASED_AT: Select[Any] = select(ERASURES.c.at).where(ERASURES.c.key == bindparam("key"))


def _insert(dialect: str, table: Table) -> Insert:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)  # type: ignore[no-any-return]


@cache
def save_session(dialect: str) -> Insert:
    """Insert a conversation, or update every column but its key and birth."""
    statement: Any = _insert(dialect, SESSIONS)
    kept = {"key", "created_at"}
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[SESSIONS.c.key],
        set_={c.name: statement.excluded[c.name] for c in SESSIONS.c if c.name not in kept},
    )


@cache
def add_receipt(dialect: str) -> Insert:
    """Record a provider's message id; no row back says it was there (a redelivery).
    (Returned rather than counted: psycopg reports no row count for it.)"""
    statement: Any = _insert(dialect, RECEIPTS)
    return statement.on_conflict_do_nothing(  # type: ignore[no-any-return]
        index_elements=[RECEIPTS.c.digest]
    ).returning(RECEIPTS.c.digest)


@cache
def add_erasure(dialect: str) -> Insert:
    """Remember an erasure by its key, or move the time of one remembered."""
    statement: Any = _insert(dialect, ERASURES)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[ERASURES.c.key], set_={"at": statement.excluded.at}
    )


@cache
def keep_copy(dialect: str, due: bool) -> Insert:
    """Record a provider's copy; one recorded already keeps its link, and its due time
    moves only earlier (``due``: the new due time is set, not empty)."""
    statement: Any = _insert(dialect, COPIES)
    if not due:
        return statement.on_conflict_do_nothing(  # type: ignore[no-any-return]
            index_elements=[COPIES.c.digest]
        )
    current, offered = COPIES.c.due_at, statement.excluded.due_at
    earlier = case((current.is_(None) | (offered < current), offered), else_=current)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[COPIES.c.digest], set_={"due_at": earlier}
    )
