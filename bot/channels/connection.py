"""A provider's client that connects in the background, so that no provider holds the server up.

Telegram's bot must reach its API once (to learn who it is) before it can send
anything. If that fails at start-up, the server starts all the same and serves
every other channel; the connection keeps trying in the background, after the
jittered pauses of ``retry.CONNECTING``, until it succeeds or the server stops.
Meanwhile the channel's ``state`` says it is degraded, and why, in words that
name no one (``/readyz`` shows it).

Start-up waits for the first try, for a few seconds at most, so that a provider
that answers is connected before the first request arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.channels.retry import CONNECTING, Backoff, Sleep

log = logging.getLogger(__name__)

Connect = Callable[[], Awaitable[None]]
Describe = Callable[[Exception], str]
"""A failure in a few words for ``state``: never the error's text, which may hold a token."""

OK = "ok"
CONNECTING_STATE = "connecting"
FIRST_TRY_SECONDS = 10.0
"""How long start-up waits for the first try (a provider's client times out before this)."""


class Connection:
    def __init__(self, channel: str, connect: Connect, describe: Describe) -> None:
        self.channel = channel
        self.connect = connect
        self.describe = describe
        self.policy: Backoff = CONNECTING
        self.sleep: Sleep = asyncio.sleep
        """How the pauses between tries wait; tests may shorten them through ``policy``."""
        self.problem: str | None = CONNECTING_STATE
        """Why the client is not connected; None once it is."""
        self._tried = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self.problem is None

    @property
    def state(self) -> str:
        """``ok``, ``connecting`` before the first try ends, else ``degraded: <why>``."""
        if self.problem is None:
            return OK
        if self.problem == CONNECTING_STATE:
            return CONNECTING_STATE
        return f"degraded: {self.problem}"

    async def open(self) -> None:
        """Start connecting; back once connected, once the first try failed, or after
        ``FIRST_TRY_SECONDS``. Never raises: the tries go on in the background."""
        self.problem = CONNECTING_STATE
        self._tried = asyncio.Event()  # bound to this event loop (a test may start twice)
        self._task = asyncio.create_task(self._keep_trying(), name=f"{self.channel}-connection")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._tried.wait(), FIRST_TRY_SECONDS)

    async def close(self) -> None:
        """Stop trying (a try under way is cancelled); a connected client stays as it is."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _keep_trying(self) -> None:
        failures = 0
        while True:
            try:
                await self.connect()
            except Exception as exc:  # whatever it is, the server must go on serving
                failures += 1
                pause = self.policy.jittered(failures).total_seconds()
                log.warning(
                    "event=channel_connect_failed channel=%s attempt=%d error=%s retry_in=%.1f",
                    self.channel,
                    failures,
                    type(exc).__name__,
                    pause,
                )
                self.problem = self.describe(exc)
                self._tried.set()
                await self.sleep(pause)
                continue
            self.problem = None
            self._tried.set()
            if failures:
                log.info(
                    "event=channel_connected channel=%s after_failures=%d", self.channel, failures
                )
            return
