"""Haven's Telegram bot: python-telegram-bot's ``Application`` without an updater.

Updates arrive at Haven's own webhook route (the library's custom-webhook
pattern); this module sends replies and deletes messages through the Bot API,
whose address is configurable so a self-hosted server or a test fake can stand in.
Sending respects Telegram's limits through the library's rate limiter (30
messages a second overall, retrying after a 429's ``retry_after``) and retries
network failures and 5xx answers with growing pauses. Failures are logged as
events with no content.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool
from telegram import Bot, Message
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.channels.telegram.adapter import (
    DELETE_BATCH,
    Send,
    TelegramChannel,
    message_ref,
    parse_ref,
)
from bot.config import Settings
from bot.store.store import Store
from common.clock import utcnow

log = logging.getLogger(__name__)

DELETABLE_FOR = timedelta(hours=48)
"""Bots may delete messages in private chats only while they are under 48 hours old."""
SEND_ATTEMPTS = 3
FIRST_PAUSE = 0.5
OVERALL_PER_SECOND = 30
PER_CHAT_INTERVAL = 1.0
PACED_CHATS = 10_000
"""Seconds between two messages to one chat: Telegram asks for about one a second."""
WEBHOOK_PATH = "/webhooks/telegram"
CHANNEL = TelegramChannel.name


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    # Durations (a 429's retry_after) as timedelta, as the library's next major version
    # will have them; without this it warns on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    api = settings.telegram_api_url.rstrip("/")
    builder: ApplicationBuilder = (  # type: ignore[type-arg]
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .updater(None)
        .rate_limiter(AIORateLimiter(overall_max_rate=OVERALL_PER_SECOND, max_retries=3))
    )
    return builder.build()


class TelegramBot:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.application = build_application(settings)
        self.store = store
        self.per_chat_interval = PER_CHAT_INTERVAL
        self._last_sent: dict[int, float] = {}

    @property
    def bot(self) -> Bot:
        bot: Bot = self.application.bot
        return bot

    async def start(self) -> None:
        await self.application.initialize()

    async def stop(self) -> None:
        await self.application.shutdown()

    async def answer_callback(self, query_id: str) -> None:
        try:
            await self.bot.answer_callback_query(query_id)
        except TelegramError as exc:
            log.warning("event=telegram_callback_answer_failed error=%s", type(exc).__name__)

    async def send(self, chat_id: int, sends: list[Send]) -> int:
        """Send the messages in order; remember each one's id to delete it later."""
        sent = 0
        for item in sends:
            message = await self._send_one(chat_id, item)
            if message is None:
                break  # keep the order: do not send what comes after a lost message
            await run_in_threadpool(self._keep, chat_id, message)
            sent += 1
        return sent

    async def _pace(self, chat_id: int) -> None:
        """Keep to about one message a second in each chat (this process's share)."""
        loop = asyncio.get_running_loop()
        wait = self._last_sent.get(chat_id, 0.0) + self.per_chat_interval - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_sent[chat_id] = loop.time()
        if len(self._last_sent) > PACED_CHATS:
            self._last_sent.clear()  # a bound on memory; the worst case is one early message

    async def _send_one(self, chat_id: int, item: Send) -> Message | None:
        await self._pace(chat_id)
        pause = FIRST_PAUSE
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await self.bot.send_message(chat_id, item.text, reply_markup=item.markup)
            except RetryAfter as exc:
                wait = exc.retry_after
                pause = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            except NetworkError as exc:  # 5xx answers and connection failures
                log.warning(
                    "event=telegram_send_retry attempt=%d error=%s", attempt, type(exc).__name__
                )
            except TelegramError as exc:  # blocked by the person, chat gone: final
                log.warning("event=telegram_send_failed error=%s", type(exc).__name__)
                return None
            await asyncio.sleep(pause)
            pause *= 2
        log.warning("event=telegram_send_failed error=retries_exhausted")
        return None

    def _keep(self, chat_id: int, message: Message) -> None:
        now = utcnow()
        key = self.store.keys.session_key(CHANNEL, str(chat_id))
        with self.store.transaction() as tx:
            ref = message_ref(chat_id, message.message_id)
            tx.keep_sent_copy(CHANNEL, key, ref, None, now)  # deleted when the chat ends

    async def delete_due(self, now: datetime | None = None) -> int:
        """Delete from the person's phone every message of ended conversations."""
        now = now or utcnow()
        due = await run_in_threadpool(self.store.due_copies, CHANNEL, now, DELETE_BATCH * 10)
        by_chat: dict[int, list[tuple[str, int]]] = defaultdict(list)
        too_old = 0
        for copy in due:
            if now - copy.created_at > DELETABLE_FOR:
                await run_in_threadpool(self.store.copy_deleted, copy.digest)
                too_old += 1
                continue
            chat_id, message_id = parse_ref(copy.ref)
            by_chat[chat_id].append((copy.digest, message_id))
        deleted = 0
        for chat_id, items in by_chat.items():
            for start in range(0, len(items), DELETE_BATCH):
                batch = items[start : start + DELETE_BATCH]
                try:
                    await self.bot.delete_messages(chat_id, [message for _, message in batch])
                except TelegramError as exc:
                    log.warning("event=telegram_delete_failed error=%s", type(exc).__name__)
                    for digest, _ in batch:
                        await run_in_threadpool(
                            self.store.copy_retry, digest, now + timedelta(seconds=30)
                        )
                    continue
                for digest, _ in batch:
                    await run_in_threadpool(self.store.copy_deleted, digest)
                deleted += len(batch)
        if deleted or too_old:
            log.info("event=telegram_messages_deleted count=%d too_old=%d", deleted, too_old)
        return deleted


async def set_webhook(bot: Bot, public_base: str, secret: str) -> str:
    """Register Haven's webhook with its secret, dropping updates queued before."""
    url = public_base + WEBHOOK_PATH
    await bot.set_webhook(
        url,
        secret_token=secret,
        drop_pending_updates=True,
        allowed_updates=["message", "callback_query"],
    )
    return url
