"""The Telegram channel as the registry knows it: the medium, the bot and the webhook in one.

The bot connects in the background (``bot.channels.connection``): with Telegram's
API unreachable at start-up, the server starts and serves the other channels.
Until the bot is connected, nothing can be sent: the webhook acknowledges no
update (see ``routes``), an advocate's words are refused with ``DeliveryError``,
and the deletion of copies waits.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from fastapi import APIRouter
from telegram import Update
from telegram.constants import FloodLimit
from telegram.error import InvalidToken

from bot.channels import base
from bot.channels.base import DeliveryError, Handle
from bot.channels.connection import Connection
from bot.channels.telegram import adapter
from bot.channels.telegram.adapter import Send
from bot.channels.telegram.client import TelegramBot, passing
from bot.channels.telegram.routes import telegram_router
from bot.config import Settings
from bot.core.messages import Inbound, Outcome
from bot.store.store import Store

PER_CHAT_INTERVAL = 1 / FloodLimit.MESSAGES_PER_SECOND_PER_CHAT
"""Seconds between two messages to one chat: Telegram asks for about one a second."""
PACED_CHATS = 10_000


class TelegramChannel:
    name: ClassVar[str] = adapter.NAME

    def __init__(self, settings: Settings, store: Store, handle: Handle) -> None:
        self.client = TelegramBot(settings, store)
        self.connection = Connection(self.name, self.client.start, problem)
        self.per_chat_interval = PER_CHAT_INTERVAL
        self._last_sent: dict[int, float] = {}
        self.router: APIRouter = telegram_router(settings, store, handle, self)

    def parse(self, raw: Update) -> Inbound | None:
        return adapter.parse(raw)

    def render(self, outcome: Outcome) -> list[Send]:
        return adapter.render(outcome)

    @property
    def state(self) -> str:
        return self.connection.state

    @property
    def connected(self) -> bool:
        return self.connection.connected

    async def send(self, address: str, outcome: Outcome) -> None:
        """Send the messages in order, and none after one that was lost."""
        if not self.connected:
            raise DeliveryError(
                f"Telegram is not connected ({self.connection.problem}); try again later"
            )
        chat_id = int(address)
        for item in self.render(outcome):
            await self._pace(chat_id)
            if await self.client.send(chat_id, item) is None:
                raise DeliveryError("Telegram did not take the message")

    async def delete_copies(self) -> int:
        """The copies due, once connected; until then they wait, due all the same."""
        if not self.connected:
            return 0
        return await self.client.delete_due()

    async def start(self) -> None:
        await self.connection.open()

    async def stop(self) -> None:
        await self.connection.close()
        await self.client.stop()

    async def _pace(self, chat_id: int) -> None:
        """Keep to about one message a second in each chat (this process's share)."""
        loop = asyncio.get_running_loop()
        wait = self._last_sent.get(chat_id, 0.0) + self.per_chat_interval - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_sent[chat_id] = loop.time()
        if len(self._last_sent) > PACED_CHATS:
            self._last_sent.clear()  # a bound on memory; the worst case is one early message


def problem(error: Exception) -> str:
    """Why the bot could not connect, for ``state``: the error's text may hold the token."""
    if isinstance(error, InvalidToken):
        return "token refused"
    if passing(error):
        return "api unreachable"
    return "api error"


KEEPS_THE_CONTRACT: type[base.Channel[Update, list[Send]]] = TelegramChannel
"""Nothing at run time: mypy checks here that the class satisfies ``Channel``."""
