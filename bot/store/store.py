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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.states import Direction, Handoff
from bot.store import statements
from bot.store.copies import Copies
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
from bot.store.records import Conversation, Line, PurgeCounts
from bot.store.writes import Writers, take
from common.clock import aware, utcnow

log = logging.getLogger(__name__)

ERASURE_KEPT = timedelta(minutes=10)
"""How long an erasure is remembered: far longer than any message can be on its way."""
PURGE_LOCK = (0x68617665, 1)
"""PostgreSQL's advisory lock of the purge, two 32-bit numbers: a key space apart from the
conversations' 64-bit ones (``bot.store.writes.take``)."""


class Transaction:
    """The operations of one inbound message, inside one database transaction.

    The rows of a turn (the conversation, its transcript, the receipt and the copy) are
    written as Core statements on the transaction's connection (``bot.store.statements``);
    the rarer rows (handoffs, accounts) go through the ORM session ``db``.
    """

    def __init__(self, db: Session, keys: KeyRing) -> None:
        self.db = db
        self.keys = keys
        self._locked: set[str] = set()
        self.wiped = False
        """A conversation was erased: the store empties SQLite's log after the commit."""

    @property
    def connection(self) -> Connection:
        return self.db.connection()

    @property
    def dialect(self) -> str:
        return self.db.get_bind().dialect.name

    def lock(self, key: str) -> None:
        """Take the conversation ``key`` until the commit: others wait for it
        (``bot.store.writes.take``); ``load`` adds the lock on its row."""
        if key not in self._locked:
            self._locked.add(key)
            take(self.db, key)

    def load(self, key: str) -> Conversation | None:
        self.lock(key)
        row = self.connection.execute(statements.LOAD_SESSION, {"key": key}).first()
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
        """Write the conversation, new or not, in one statement."""
        self.connection.execute(
            statements.save_session(self.dialect),
            {
                "key": conversation.key,
                "channel": conversation.channel,
                "language": conversation.language,
                "flow": conversation.flow,
                "step": conversation.step,
                "misses": conversation.misses,
                "handoff": conversation.handoff.value,
                "data": self.keys.encrypt(json.dumps(conversation.vars, ensure_ascii=False)),
                "created_at": conversation.created_at,
                "last_active": conversation.last_active,
                "rate_window_start": conversation.rate_window_start,
                "rate_count": conversation.rate_count,
                "rate_notified": conversation.rate_notified,
            },
        )

    def append_message(self, key: str, direction: Direction, text: str, at: datetime) -> int:
        """Add a message to the transcript of a saved conversation; returns its id."""
        added = self.connection.execute(
            insert(MessageRow).returning(MessageRow.id),
            {
                "session_key": key,
                "direction": direction,
                "body": self.keys.encrypt(text),
                "created_at": at,
            },
        )
        return int(added.scalar_one())

    def append_messages(
        self, key: str, lines: Iterable[tuple[Direction, str]], at: datetime
    ) -> None:
        """Add several messages to a saved conversation's transcript, in order, at once."""
        rows = [
            {
                "session_key": key,
                "direction": direction,
                "body": self.keys.encrypt(text),
                "created_at": at,
            }
            for direction, text in lines
        ]
        if rows:
            self.connection.execute(insert(MessageRow), rows)

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
            self.connection.execute(
                statements.add_erasure(self.dialect), {"key": key, "at": utcnow()}
            )
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
        erased_at = self.connection.execute(statements.ERASED_AT, {"key": key}).scalar()
        if erased_at is None:
            return False
        return received_at is None or aware(erased_at) >= received_at

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

        ``key`` is a conversation that exists (saved in this transaction or before), or
        None: an unlinked copy is due at once. A copy remembered already keeps its link,
        and its due time only moves earlier.
        """
        self.connection.execute(
            statements.keep_copy(self.dialect, due=due_at is not None),
            {
                "digest": self.keys.digest("copy", f"{channel}:{ref}"),
                "channel": channel,
                "session_key": key,
                "ref": self.keys.encrypt(ref),
                "due_at": due_at,
                "attempts": 0,
                "created_at": now,
            },
        )

    def keep_sent_copy(
        self, channel: str, key: str | None, ref: str, delay: timedelta | None, now: datetime
    ) -> None:
        """Remember a copy of a message Haven sent: due ``delay`` after ``now`` (None: when
        the conversation ends); a conversation already ended makes it due at once."""
        if key is not None:
            self.lock(key)  # an erasure of the conversation meanwhile waits, or went first
        live = key is not None and self.session_exists(key)
        due = (now + delay if delay is not None else None) if live else now
        self.keep_copy(channel, key if live else None, ref, due, now)

    def session_exists(self, key: str) -> bool:
        return self.connection.execute(statements.SESSION_EXISTS, {"key": key}).first() is not None

    def first_delivery(self, digest: str, at: datetime) -> bool:
        """Record a provider message id; False when it was seen before (a redelivery)."""
        added = self.connection.execute(
            statements.add_receipt(self.dialect), {"digest": digest, "created_at": at}
        )
        return added.first() is not None


def _one_purger(db: Session) -> None:
    """On PostgreSQL, wait for any other worker's purge to commit first: two purges deleting
    the same rows at once could deadlock, and both would count them. (SQLite's write lock
    already lets one writer at a time.)"""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(func.pg_advisory_xact_lock(*PURGE_LOCK)))


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
        self.copies = Copies(self._writing, self._reads, keys)
        """The provider copies this process deletes (``bot.store.copies``)."""

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
        than ``retention``; then SQLite's log is emptied of what it held. Every worker
        purges: one at a time (``_one_purger``), so the next finds nothing left to count.
        """
        now = now or utcnow()
        cutoff = now - timedelta(seconds=retention)
        with self._writing() as db:
            _one_purger(db)
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
            _one_purger(db)
            result = db.execute(delete(AuditRow).where(AuditRow.at < cutoff))
        deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if deleted:
            self.checkpoint()
        return deleted

    def close(self) -> None:
        """Give back the copies claimed and not deleted (a worker stopping), then disconnect."""
        try:
            self.copies.release()
        except SQLAlchemyError as exc:  # their leases run out instead
            log.warning("event=provider_copy_release_failed error=%s", type(exc).__name__)
        self.engine.dispose()

    def count_sessions(self) -> int:
        with self._reads() as db:
            return int(db.scalar(select(func.count()).select_from(SessionRow)) or 0)
