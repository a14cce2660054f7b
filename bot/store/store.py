"""Reading and writing conversations; everything personal is encrypted here.

The engine asks for one ``Transaction`` per inbound message and commits it only
after every effect of that message is written, so a crash before the commit
leaves nothing half-done and the provider's retry is processed in full.

The messages of one conversation are applied one after another: a transaction
takes its conversation (``Transaction.lock``) before it reads it, so no update
is lost; on SQLite every writing transaction holds the database's write lock
from its first statement (``BEGIN IMMEDIATE``, queued by ``bot.store.writes``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, func, inspect, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.states import Direction, Handoff
from bot.store.crypto import KeyRing
from bot.store.db import BUSY_TIMEOUT, checkpoint, writing
from bot.store.models import (
    AuditRow,
    ErasureRow,
    MessageRow,
    ProviderCopyRow,
    ReceiptRow,
    SessionRow,
)
from bot.store.records import DueCopy, PurgeCounts
from bot.store.writes import Writers, take
from common.clock import aware, utcnow

log = logging.getLogger(__name__)

ERASURE_KEPT = timedelta(minutes=10)
"""How long an erasure is remembered: far longer than any message can be on its way."""


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


class Transaction:
    """The operations of one inbound message, inside one database transaction."""

    def __init__(self, db: Session, keys: KeyRing) -> None:
        self.db = db
        self.keys = keys
        self._unlinked: dict[str, list[ProviderCopyRow]] = {}
        """Copies kept for a conversation not saved yet, by its key (see ``keep_copy``)."""
        self._locked: set[str] = set()
        self.wiped = False
        """A conversation was erased: the store empties SQLite's log after the commit."""

    def lock(self, key: str) -> None:
        """Take the conversation ``key`` until the commit: others wait for it
        (``bot.store.writes.take``); ``load`` adds the lock on its row."""
        if key not in self._locked:
            self._locked.add(key)
            take(self.db, key)

    def load(self, key: str) -> Conversation | None:
        self.lock(key)
        with self.db.no_autoflush:
            row = self.db.get(SessionRow, key, with_for_update=True)
        if row is None:
            return None
        return Conversation(
            key=row.key,
            channel=row.channel,
            language=row.language,
            flow=row.flow,
            step=row.step,
            misses=row.misses,
            handoff=Handoff(row.handoff),
            created_at=aware(row.created_at),
            last_active=aware(row.last_active),
            rate_window_start=aware(row.rate_window_start),
            rate_count=row.rate_count,
            rate_notified=row.rate_notified,
            vars=json.loads(self.keys.decrypt(row.data)),
        )

    def save(self, conversation: Conversation) -> None:
        row = self.db.get(SessionRow, conversation.key)
        if row is None:
            row = SessionRow(key=conversation.key, created_at=conversation.created_at)
            self.db.add(row)
        row.channel = conversation.channel
        row.language = conversation.language
        row.flow = conversation.flow
        row.step = conversation.step
        row.misses = conversation.misses
        row.handoff = conversation.handoff
        row.last_active = conversation.last_active
        row.rate_window_start = conversation.rate_window_start
        row.rate_count = conversation.rate_count
        row.rate_notified = conversation.rate_notified
        row.data = self.keys.encrypt(json.dumps(conversation.vars, ensure_ascii=False))
        self.db.flush()  # the session first: the flush does not order rows by foreign key
        for copy in self._unlinked.pop(conversation.key, []):
            copy.session_key = conversation.key
        self.db.flush()

    def append_message(self, key: str, direction: Direction, text: str, at: datetime) -> MessageRow:
        """Add a message to the transcript; its id is known once the session is flushed."""
        row = MessageRow(
            session_key=key, direction=direction, body=self.keys.encrypt(text), created_at=at
        )
        self.db.add(row)
        return row

    def transcript(self, key: str) -> list[tuple[Direction, str]]:
        rows = self.db.scalars(
            select(MessageRow).where(MessageRow.session_key == key).order_by(MessageRow.id)
        )
        return [(Direction(row.direction), self.keys.decrypt(row.body)) for row in rows]

    def wipe(self, key: str, by_the_person: bool = True) -> int:
        """Delete the conversation; the database deletes everything tied to it.

        Returns the rows of the conversation and its transcript that were deleted.
        The provider's copies of its messages stay, unlinked, and are due at once.
        An erasure the person asked for is remembered a while, by the key alone, so
        that nothing already on its way from them is taken (``raced_erasure``).
        """
        self.lock(key)
        messages = _count_messages(self.db, MessageRow.session_key == key)
        sessions = self.db.execute(delete(SessionRow).where(SessionRow.key == key))
        self._forget(key)
        if by_the_person:
            erasure = self.db.get(ErasureRow, key) or ErasureRow(key=key)
            erasure.at = utcnow()
            self.db.add(erasure)
        self.wiped = True
        return messages + int(sessions.rowcount or 0)  # type: ignore[attr-defined]

    def raced_erasure(
        self, key: str, received_at: datetime | None, found: Conversation | None
    ) -> bool:
        """The message received at ``received_at`` was on its way when its conversation was
        erased: it must neither re-create the conversation nor join one begun since.

        ``found`` is the conversation as loaded; one begun before the message arrived is
        the message's own, and no erasure is looked up. ``received_at`` None: the sender
        was revoked by the erasure, so any erasure remembered counts.
        """
        if found is not None and (received_at is None or found.created_at <= received_at):
            return False
        erasure = self.db.get(ErasureRow, key)
        if erasure is None:
            return False
        return received_at is None or aware(erasure.at) >= received_at

    def _forget(self, key: str) -> None:
        """Drop the rows the database just deleted or unlinked from the ORM session.

        The ORM does not see what ``ON DELETE`` did; this way none of them is read
        stale or written back.
        """
        for row in list(self.db.identity_map.values()):
            if inspect(row).dict.get("session_key") == key:
                self.db.expunge(row)

    def messages_since(self, key: str, since: datetime, after: int = 0) -> list[Line]:
        """The transcript from ``since`` on, with ids; only ids above ``after``."""
        rows = self.db.scalars(
            select(MessageRow)
            .where(
                MessageRow.session_key == key,
                MessageRow.created_at >= since,
                MessageRow.id > after,
            )
            .order_by(MessageRow.id)
        )
        return [
            Line(
                row.id, Direction(row.direction), self.keys.decrypt(row.body), aware(row.created_at)
            )
            for row in rows
        ]

    def keep_copy(
        self, channel: str, key: str | None, ref: str, due_at: datetime | None, now: datetime
    ) -> None:
        """Remember a provider's copy of a message, to delete it there at ``due_at``.

        The first message of a conversation is kept before its session exists: the
        copy is linked when the session is saved in this transaction, and stays
        unlinked, so due at once, if the message wiped it instead.
        """
        digest = self.keys.digest("copy", f"{channel}:{ref}")
        row = self.db.get(ProviderCopyRow, digest)
        if row is None:
            live = key is not None and self.session_exists(key)
            row = ProviderCopyRow(
                digest=digest,
                channel=channel,
                session_key=key if live else None,
                ref=self.keys.encrypt(ref),
                attempts=0,
                created_at=now,
            )
            self.db.add(row)
            if key is not None and not live:
                self._unlinked.setdefault(key, []).append(row)
        if due_at is not None and (row.due_at is None or due_at < row.due_at):
            row.due_at = due_at
        self.db.flush()

    def keep_sent_copy(
        self, channel: str, key: str | None, ref: str, delay: timedelta | None, now: datetime
    ) -> None:
        """Remember a copy of a message Haven sent: due ``delay`` after ``now`` (None: when
        the conversation ends); a conversation already ended makes it due at once."""
        live = key is not None and self.session_exists(key)
        due = (now + delay if delay is not None else None) if live else now
        self.keep_copy(channel, key if live else None, ref, due, now)

    def session_exists(self, key: str) -> bool:
        return self.db.get(SessionRow, key) is not None

    def first_delivery(self, digest: str, at: datetime) -> bool:
        """Record a provider message id; False when it was seen before (a redelivery)."""
        if self.db.get(ReceiptRow, digest) is not None:
            return False
        self.db.add(ReceiptRow(digest=digest, created_at=at))
        self.db.flush()
        return True


def _count_messages(db: Session, which: ColumnElement[bool]) -> int:
    """The size of transcripts about to go, counted before the database deletes them."""
    return int(db.scalar(select(func.count()).select_from(MessageRow).where(which)) or 0)


class Store:
    """Opens transactions and runs the purge."""

    def __init__(self, engine: Engine, keys: KeyRing) -> None:
        self.engine = engine
        self.keys = keys
        self._writes = sessionmaker(writing(engine), expire_on_commit=False)
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self.writers = Writers(queued=engine.dialect.name == "sqlite", timeout=BUSY_TIMEOUT)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A transaction that may write; committed when the block ends without an error.

        Inside another writing transaction of the same thread it only reads (see
        ``bot.store.writes``). After a wipe, SQLite's log is emptied of what it held.
        """
        if self.writers.writing_here():
            with self.reading() as nested:
                yield nested
            return
        with self._writing() as db:
            tx = Transaction(db, self.keys)
            yield tx
        if tx.wiped:
            self.checkpoint()

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """A transaction that only reads: on SQLite it waits for no writer."""
        with self._reads.begin() as db:
            yield Transaction(db, self.keys)

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self.writers.turn(), self._writes.begin() as db:
            yield db

    def checkpoint(self) -> None:
        """Empty SQLite's write-ahead log into the database file, deleted rows zeroed."""
        with self.writers.turn():
            if not checkpoint(self.engine):
                log.warning("event=wal_checkpoint_busy")

    def purge_idle(self, retention: int, now: datetime | None = None) -> PurgeCounts:
        """Delete every conversation idle for ``retention`` seconds, and old receipts.

        Also forgets erasures older than ``ERASURE_KEPT`` and copies set aside longer
        than ``retention``; then SQLite's log is emptied of what it held.
        """
        now = now or utcnow()
        cutoff = now - timedelta(seconds=retention)
        with self._writing() as db:
            idle = select(SessionRow.key).where(SessionRow.last_active < cutoff)
            messages = _count_messages(db, MessageRow.session_key.in_(idle))
            sessions = db.execute(delete(SessionRow).where(SessionRow.last_active < cutoff))
            receipts = db.execute(delete(ReceiptRow).where(ReceiptRow.created_at < cutoff))
            erasures = db.execute(delete(ErasureRow).where(ErasureRow.at < now - ERASURE_KEPT))
            db.execute(delete(ProviderCopyRow).where(ProviderCopyRow.set_aside_at < cutoff))
        counts = PurgeCounts(
            sessions=int(sessions.rowcount or 0),  # type: ignore[attr-defined]
            messages=messages,
            receipts=int(receipts.rowcount or 0),  # type: ignore[attr-defined]
        )
        if counts.sessions or counts.receipts or erasures.rowcount:  # type: ignore[attr-defined]
            self.checkpoint()
        return counts

    def purge_audit(self, retention: int, now: datetime | None = None) -> int:
        """Delete audit entries older than ``retention`` seconds; returns how many."""
        cutoff = (now or utcnow()) - timedelta(seconds=retention)
        with self._writing() as db:
            result = db.execute(delete(AuditRow).where(AuditRow.at < cutoff))
        deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if deleted:
            self.checkpoint()
        return deleted

    def due_copies(self, channel: str, now: datetime, limit: int) -> list[DueCopy]:
        """Provider copies whose deletion is due, oldest first.

        A copy is due at its ``due_at``, or at once when its conversation is gone
        (the database unlinked it) and no deletion was tried yet: after a failure
        it waits for the retry time ``copy_retry`` set. A copy set aside is never due.
        """
        orphan = ProviderCopyRow.session_key.is_(None) & (ProviderCopyRow.attempts == 0)
        with self._reads() as db:
            rows = db.scalars(
                select(ProviderCopyRow)
                .where(ProviderCopyRow.channel == channel)
                .where(ProviderCopyRow.set_aside_at.is_(None))
                .where(or_(ProviderCopyRow.due_at <= now, orphan))
                .order_by(func.coalesce(ProviderCopyRow.due_at, ProviderCopyRow.created_at))
                .limit(limit)
            ).all()
            return [
                DueCopy(row.digest, self.keys.decrypt(row.ref), row.attempts, aware(row.created_at))
                for row in rows
            ]

    def copy_deleted(self, digest: str) -> None:
        with self._writing() as db:
            db.execute(delete(ProviderCopyRow).where(ProviderCopyRow.digest == digest))

    def copy_retry(self, digest: str, at: datetime) -> None:
        """A deletion failed: count the attempt and try again at ``at``."""
        with self._writing() as db:
            row = db.get(ProviderCopyRow, digest)
            if row is not None:
                row.attempts += 1
                row.due_at = at

    def copy_set_aside(self, digest: str, now: datetime) -> None:
        """A deletion failed for a reason that will not pass: stop trying (see the purge)."""
        with self._writing() as db:
            row = db.get(ProviderCopyRow, digest)
            if row is not None:
                row.attempts += 1
                row.set_aside_at = now

    def close(self) -> None:
        self.engine.dispose()

    def count_sessions(self) -> int:
        with self._reads() as db:
            return int(db.scalar(select(func.count()).select_from(SessionRow)) or 0)
