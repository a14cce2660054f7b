"""Provider copies due for deletion, each claimed by one worker at a time.

Every worker runs the deletion loop. A round first claims the copies it will delete: on
PostgreSQL the due rows are locked with ``FOR UPDATE SKIP LOCKED`` (a row another worker
is claiming at that moment is passed over, not waited for) and marked with this worker's
name and the end of its lease, in one transaction; on SQLite the write lock serialises
the claims (and SQLite serves one worker anyway). A claimed copy is due for no one else
until its lease ends: a worker killed mid-round leaves its copies to the others after
``LEASE``, and one that stops as it should gives back what it did not finish (``release``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Collection, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import Select, Update, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.store.crypto import KeyRing
from bot.store.models import ProviderCopyRow
from bot.store.records import DueCopy
from common.clock import aware

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
"""How long a claim holds: far longer than a round takes (100 deletions at Twilio, one
request each, or a few batches at Telegram), short enough that a killed worker's copies
are soon deleted by another."""


class Copies:
    """The claims of one worker (one per store, so one per process)."""

    def __init__(
        self,
        write: Callable[[], AbstractContextManager[Session]],
        read: sessionmaker[Session],
        keys: KeyRing,
    ) -> None:
        self._write = write
        self._read = read
        self.keys = keys
        self.worker = secrets.token_hex(8)
        """This worker's name in ``claimed_by``: random, so it says nothing about the host."""
        self._claimed = False

    def due(self, channel: str, now: datetime, limit: int) -> list[DueCopy]:
        """The copies a claim would take now, without taking them."""
        with self._read() as db:
            rows = db.scalars(_due(channel, now).limit(limit)).all()
            return [self._copy(row) for row in rows]

    def claim(self, channel: str, now: datetime, limit: int) -> list[DueCopy]:
        """Take up to ``limit`` due copies of ``channel``, oldest first, until ``now + LEASE``.

        Each one taken must end in ``deleted``, ``retry`` or ``set_aside``.
        """
        with self._read() as db:  # most rounds find nothing: no write lock for them
            if db.scalar(_due(channel, now).limit(1)) is None:
                return []
        with self._write() as db:
            query = _due(channel, now).limit(limit).with_for_update(skip_locked=True)
            rows = db.scalars(query).all()
            if not rows:
                return []
            self._claimed = True
            db.execute(
                update(ProviderCopyRow)
                .where(ProviderCopyRow.digest.in_([row.digest for row in rows]))
                .values(claimed_by=self.worker, claimed_until=now + LEASE)
                .execution_options(synchronize_session=False)
            )
            return [self._copy(row) for row in rows]

    def deleted(self, digests: Collection[str]) -> None:
        """The provider deleted these: the rows go, whoever holds them now."""
        if digests:
            with self._write() as db:
                db.execute(delete(ProviderCopyRow).where(ProviderCopyRow.digest.in_(digests)))

    def retry(self, later: Mapping[str, datetime]) -> None:
        """Deletions failed: count an attempt on each copy, and try it again at its time."""
        if later:
            with self._write() as db:
                for digest, at in later.items():
                    db.execute(
                        self._settle(digest)
                        .values(attempts=ProviderCopyRow.attempts + 1, due_at=at)
                        .execution_options(synchronize_session=False)
                    )

    def set_aside(self, digests: Collection[str], now: datetime) -> None:
        """Deletions failed for a reason that will not pass: stop trying (the purge deletes
        the rows after the retention period)."""
        if digests:
            with self._write() as db:
                for digest in digests:
                    db.execute(
                        self._settle(digest)
                        .values(attempts=ProviderCopyRow.attempts + 1, set_aside_at=now)
                        .execution_options(synchronize_session=False)
                    )

    def release(self) -> int:
        """Give back every copy this worker claimed and did not finish; returns how many."""
        if not self._claimed:
            return 0
        with self._write() as db:
            result = db.execute(
                update(ProviderCopyRow)
                .where(ProviderCopyRow.claimed_by == self.worker)
                .values(claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
        released = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if released:
            log.info("event=provider_copy_claims_released count=%d", released)
        return released

    def _settle(self, digest: str) -> Update:
        """An update of a copy this worker still holds, ending its claim: one whose lease
        ran out and that another worker took since is that worker's to settle."""
        return (
            update(ProviderCopyRow)
            .where(ProviderCopyRow.digest == digest, ProviderCopyRow.claimed_by == self.worker)
            .values(claimed_by=None, claimed_until=None)
        )

    def _copy(self, row: ProviderCopyRow) -> DueCopy:
        return DueCopy(row.digest, self.keys.decrypt(row.ref), row.attempts, aware(row.created_at))


def _due(channel: str, now: datetime) -> Select[ProviderCopyRow]:
    """Copies due at ``now`` and claimed by no one, oldest first.

    A copy is due at its ``due_at``, or at once when its conversation is gone (the
    database unlinked it) and no deletion was tried yet: after a failure it waits for
    the retry time ``retry`` set. A copy set aside is never due.
    """
    orphan = ProviderCopyRow.session_key.is_(None) & (ProviderCopyRow.attempts == 0)
    free = ProviderCopyRow.claimed_until.is_(None) | (ProviderCopyRow.claimed_until <= now)
    return (
        select(ProviderCopyRow)
        .where(ProviderCopyRow.channel == channel)
        .where(ProviderCopyRow.set_aside_at.is_(None))
        .where(or_(ProviderCopyRow.due_at <= now, orphan))
        .where(free)
        .order_by(func.coalesce(ProviderCopyRow.due_at, ProviderCopyRow.created_at))
    )
