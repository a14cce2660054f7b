"""Who writes when: one conversation at a time, and on SQLite one writer at a time.

``take`` gives a transaction its conversation. ``Writers`` queues writing transactions on
SQLite in the order they asked, within this process.

SQLite lets one transaction write at a time. Left to SQLite alone, the others wait in
its busy handler, which sleeps and tries again up to 100 ms apart: under load the write
lock is free most of the time while everyone sleeps, and the unluckiest waiter gives up
with ``database is locked``. Here the waiters queue, and each gets the lock the moment
the one before it commits. SQLite's own busy timeout still covers other processes (the
command line's purge, an import).

A transaction opened by a thread that already writes (a read its turn needs, such as the
opening hours) only reads, beside it: waiting for the write lock there would be waiting
for itself. PostgreSQL needs no queue (rows are locked, not the database), but the same
rule for nested transactions holds there too.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def take(db: Session, key: str) -> None:
    """Take the conversation ``key`` for the transaction of ``db``, until it ends.

    On SQLite the writing transaction holds the database's write lock from its first
    statement: this begins it. On PostgreSQL a transaction-level advisory lock on the key
    covers the conversation even before its row exists (a first message racing a quick
    exit). Nothing is flushed first, so every transaction takes the conversation before
    any other row it writes, always in the same order: none waits for another in a circle.
    """
    with db.no_autoflush:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(select(func.pg_advisory_xact_lock(_lock_number(key))))
        else:
            db.connection()  # BEGIN IMMEDIATE


def _lock_number(key: str) -> int:
    """A conversation's key as PostgreSQL's 64-bit advisory lock number."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class BusyError(TimeoutError):
    """The write lock stayed taken for the whole busy timeout."""


class Writers:
    def __init__(self, queued: bool, timeout: float) -> None:
        self.queued = queued
        """Whether writers queue here (SQLite) or only in the database (PostgreSQL)."""
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Event] = deque()
        self._here = threading.local()

    def writing_here(self) -> bool:
        """This thread is inside a writing transaction of this store."""
        return bool(getattr(self._here, "writing", False))

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the write lock (where writers queue) for the block."""
        if self.writing_here():  # it would wait for itself until the busy timeout
            raise RuntimeError("a writing transaction inside another, in one thread")
        if self.queued and not self._acquire():
            raise BusyError(f"no turn to write within {self.timeout:g} s")
        self._here.writing = True
        try:
            yield
        finally:
            self._here.writing = False
            if self.queued:
                self._release()

    def _acquire(self) -> bool:
        with self._mutex:
            if not self._held and not self._waiting:
                self._held = True
                return True
            called = threading.Event()
            self._waiting.append(called)
        called.wait(self.timeout)
        with self._mutex:
            if called.is_set():  # handed over, perhaps just as the wait ended
                return True
            self._waiting.remove(called)
            return False

    def _release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # the lock passes on without being free
            else:
                self._held = False
