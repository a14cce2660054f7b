"""One retry policy for calls to a provider: pauses that double, up to a longest one.

A reply is retried on the spot, a few times (``Backoff.retrying``, with tenacity),
since the person is waiting for it. A deletion that fails is tried again by a
later round of the server's deletion job, after ``Backoff.pause`` for the number
of failures so far, which the database counts; so a provider that is down for
an hour is asked less and less often, and no request waits for it. A client that
could not connect at start-up tries again in the background (``bot.channels.connection``)
after ``Backoff.jittered`` pauses, so that workers which lost a provider together do not
all ask it again at the same moment.

Telegram's 429s are not retried here: python-telegram-bot's ``AIORateLimiter``
already waits out their ``retry_after`` and holds every other request back
meanwhile; a second loop around it would only multiply the waits.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Backoff:
    first: timedelta
    """The pause after the first failure; each failure after it doubles the pause."""
    longest: timedelta
    attempts: int = 1
    """How often ``retrying`` calls at most, the first call included."""

    def pause(self, failures: int) -> timedelta:
        """How long to wait after ``failures`` failures in a row (1 or more)."""
        doubling: int = 2 ** (failures - 1)
        return min(self.first * doubling, self.longest)

    def jittered(self, failures: int) -> timedelta:
        """``pause`` shortened at random by up to a half: never longer than the longest."""
        return self.pause(failures) * random.uniform(0.5, 1.0)

    def retrying(
        self, event: str, passing: Callable[[BaseException], bool], sleep: Sleep = asyncio.sleep
    ) -> AsyncRetrying:
        """Calls again after a failure ``passing`` says may pass; then the last error is raised.

        Each retry is logged as ``event=<event>_retry`` with the error's type only.
        """

        def wait(state: RetryCallState) -> float:
            return self.pause(state.attempt_number).total_seconds()

        def note(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "event=%s_retry attempt=%d error=%s",
                event,
                state.attempt_number,
                type(error).__name__,
            )

        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait,
            retry=retry_if_exception(passing),
            sleep=sleep,
            before_sleep=note,
            reraise=True,
        )


SENDING = Backoff(first=timedelta(seconds=0.5), longest=timedelta(seconds=4), attempts=3)
"""A reply: three tries within about a second and a half, while the person waits."""
DELETING = Backoff(first=timedelta(seconds=5), longest=timedelta(hours=1))
"""A provider's copy: tried again by the deletion job, 5 s after a first failure, then
10 s, 20 s and so on, at most an hour apart."""
CONNECTING = Backoff(first=timedelta(seconds=1), longest=timedelta(minutes=1))
"""A provider's client that could not connect: tried again about 1 s later, then 2 s, 4 s
and so on (each jittered), at most a minute apart, until it connects or the server stops."""
