"""The one retry policy for provider calls: doubling pauses, and only for failures that pass."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.retry import DELETING, SENDING, Backoff
from bot.channels.telegram.client import passing

POLICY = Backoff(first=timedelta(seconds=1), longest=timedelta(seconds=5), attempts=3)


class Flaky:
    """A provider call that fails with ``errors``, one a call, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "sent"


def call(flaky: Flaky) -> tuple[str, list[float]]:
    """Call through the policy, connection errors passing; what came back, and the pauses
    it waited (without waiting)."""
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    def may_pass(error: BaseException) -> bool:
        return isinstance(error, ConnectionError)

    async def run() -> str:
        async for attempt in POLICY.retrying("test", may_pass, sleep):
            with attempt:
                return await flaky()
        raise AssertionError("the policy neither returned nor raised")

    return asyncio.run(run()), pauses


def test_pauses_double_from_the_first_up_to_the_longest() -> None:
    pauses = [POLICY.pause(failures) for failures in range(1, 6)]
    assert pauses == [timedelta(seconds=s) for s in (1, 2, 4, 5, 5)]


def test_a_failure_that_may_pass_is_tried_again_after_the_pauses() -> None:
    flaky = Flaky(ConnectionError(), ConnectionError())
    assert call(flaky) == ("sent", [1.0, 2.0])
    assert flaky.calls == 3


def test_after_the_last_attempt_the_last_error_is_raised() -> None:
    flaky = Flaky(ConnectionError("1"), ConnectionError("2"), ConnectionError("3"))
    with pytest.raises(ConnectionError, match="3"):
        call(flaky)
    assert flaky.calls == POLICY.attempts


def test_a_failure_that_will_not_pass_is_raised_at_once() -> None:
    flaky = Flaky(PermissionError())
    with pytest.raises(PermissionError):
        call(flaky)
    assert flaky.calls == 1


def test_a_reply_is_tried_three_times_within_two_seconds() -> None:
    waited = sum((SENDING.pause(n) for n in range(1, SENDING.attempts)), timedelta())
    assert SENDING.attempts == 3 and waited < timedelta(seconds=2)


def test_a_deletion_is_tried_again_after_five_seconds_and_at_most_an_hour_later() -> None:
    assert DELETING.pause(1) == timedelta(seconds=5)
    assert DELETING.pause(2) == timedelta(seconds=10)
    assert DELETING.pause(20) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (NetworkError("Bad Gateway"), True),
        (TimedOut(), True),
        (BadRequest("chat not found"), False),
        (Forbidden("bot was blocked by the user"), False),
    ],
    ids=["5xx", "timeout", "bad-request", "blocked"],
)
def test_telegram_calls_are_retried_for_the_network_and_5xx_only(
    error: Exception, retried: bool
) -> None:
    assert passing(error) is retried


def test_telegrams_429_is_left_to_the_rate_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # durations as timedelta, as the app has them
    assert passing(RetryAfter(timedelta(seconds=3))) is False
