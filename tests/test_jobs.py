"""The server's background loops: one failure is logged by its type, and the others go on."""

from __future__ import annotations

import asyncio
import contextlib
from typing import ClassVar

import pytest

from bot.jobs import delete_copies_forever


class Failing:
    """A channel whose round of deletions fails with an error whose text names a chat."""

    name: ClassVar[str] = "failing"

    async def delete_copies(self) -> int:
        return int("chat-7f3e")  # ValueError: invalid literal for int() ... 'chat-7f3e'


class Counting:
    name: ClassVar[str] = "counting"

    def __init__(self) -> None:
        self.rounds = 0

    async def delete_copies(self) -> int:
        self.rounds += 1
        return 0


async def two_rounds(channels: list[Failing | Counting]) -> None:
    loop = asyncio.create_task(delete_copies_forever(channels, 0.01))  # type: ignore[arg-type]
    await asyncio.sleep(0.015)
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop


def test_a_channel_whose_round_fails_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    counting = Counting()
    asyncio.run(two_rounds([Failing(), counting]))
    assert counting.rounds == 2
    logged = [record.getMessage() for record in caplog.records if record.name == "bot.jobs"]
    assert logged[0] == "event=provider_copy_round_failed channel=failing error=ValueError"
    assert not any("7f3e" in line for line in logged)
    assert all(record.exc_info is None for record in caplog.records)  # no traceback either
