"""Waking the console's streams when any worker commits what they show (PostgreSQL).

The database's triggers (migration 0008) send ``NOTIFY haven_events``, with nothing in
it, when a transaction changes a handoff or adds a message to a held chat. Each worker
process keeps one connection listening: opened by the first stream that waits, opened
again after a failure. A notification wakes every stream of the process, which then
looks at the database as it would have at its next poll. The streams poll all the same
(``bot.console.events``): a listener that cannot connect only makes them slower, and on
SQLite, with no listener at all, polling is how they learn of changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg
from sqlalchemy import Engine

log = logging.getLogger(__name__)

CHANNEL = "haven_events"
RECONNECT_SECONDS = 5.0
"""How long a listener that lost its connection (or never had one) waits to try again."""


class Wakeups:
    """One process's listener, and the streams waiting on it."""

    def __init__(self, conninfo: str | None) -> None:
        self.conninfo = conninfo
        """libpq's address of the database; None where there is nothing to listen to."""
        self.listening = False
        """Whether notifications arrive now (tests wait for it)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, engine: Engine) -> Wakeups:
        """The listener for ``engine``'s database: none unless it is PostgreSQL."""
        url = engine.url
        if url.get_backend_name() != "postgresql":
            return cls(None)
        return cls(url.set(drivername="postgresql").render_as_string(hide_password=False))

    def ticket(self) -> asyncio.Event:
        """Taken before a stream looks at the database: any change committed after that
        sets it, so the ``wait`` that follows the look misses none."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # the first stream (of this event loop, for tests)
            self._loop, self._event, self.listening = loop, asyncio.Event(), False
            if self.conninfo is not None:
                self._task = loop.create_task(self._listen(self.conninfo))
        return self._event

    @staticmethod
    async def wait(ticket: asyncio.Event, timeout: float) -> None:
        """Until a change since ``ticket`` was taken, or ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ticket.wait(), timeout)

    def _wake(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def _listen(self, conninfo: str) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self.listening = True
                    self._wake()  # whatever changed while nobody listened
                    async for _notification in connection.notifies():
                        self._wake()
            except psycopg.Error as exc:  # by type: the text may hold the database's address
                log.warning("event=console_listen_failed error=%s", type(exc).__name__)
            self.listening = False
            await asyncio.sleep(RECONNECT_SECONDS)
