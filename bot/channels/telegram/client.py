"""Haven's Telegram bot: python-telegram-bot's ``Application`` without an updater.

Updates arrive at Haven's own webhook route (the library's custom-webhook
pattern); this module sends messages and deletes them through the Bot API,
whose address is configurable so a self-hosted server or a test fake can stand in.
Every call goes through the library's rate limiter, which keeps to Telegram's
overall limit and waits out a 429's ``retry_after``; network failures and 5xx
answers are retried with the provider retry policy (``bot.channels.retry``).
Failures are logged as events with no content.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool
from telegram import Bot, Message
from telegram.constants import BulkRequestLimit, FloodLimit
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.channels.retry import DELETING, SENDING, Sleep
from bot.channels.telegram.adapter import NAME, Send, message_ref, parse_ref
from bot.config import Settings
from bot.store.store import Store
from common.clock import utcnow

log = logging.getLogger(__name__)

DELETABLE_FOR = timedelta(hours=48)
"""Bots may delete messages in private chats only while they are under 48 hours old."""
REFUSED_FOR_GOOD = (BadRequest, Forbidden)
"""Deletions Telegram refuses for a reason that will not pass (a chat it does not know, a bot
the person blocked): their copies are set aside rather than tried again."""
RATE_LIMIT_RETRIES = 3
"""How often the rate limiter waits out a 429 before the call fails."""
WEBHOOK_PATH = "/webhooks/telegram"


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    # Durations (a 429's retry_after) as timedelta, as the library's next major version
    # will have them; without this it warns on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    api = settings.telegram_api_url.rstrip("/")
    limiter = AIORateLimiter(
        overall_max_rate=FloodLimit.MESSAGES_PER_SECOND, max_retries=RATE_LIMIT_RETRIES
    )
    builder: ApplicationBuilder = (  # type: ignore[type-arg]
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .updater(None)
        .rate_limiter(limiter)
    )
    return builder.build()


def passing(error: BaseException) -> bool:
    """A failure worth another try: the network or a 5xx, not a request Telegram refused."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


class TelegramBot:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.application = build_application(settings)
        self.store = store
        self.sleep: Sleep = asyncio.sleep
        """How retries wait; tests make it instant."""

    @property
    def bot(self) -> Bot:
        bot: Bot = self.application.bot
        return bot

    async def start(self) -> None:
        """Connect: asks Telegram who the bot is (``getMe``); raises when it cannot."""
        await self.application.initialize()

    async def stop(self) -> None:
        await self.application.shutdown()
        # A start that never got through left the bot's HTTP clients open and the
        # application uninitialized, which the application's shutdown then skips.
        await self.bot.shutdown()

    async def answer_callback(self, query_id: str) -> None:
        try:
            await self.bot.answer_callback_query(query_id)
        except TelegramError as exc:
            log.warning("event=telegram_callback_answer_failed error=%s", type(exc).__name__)

    async def send(self, chat_id: int, item: Send) -> Message | None:
        """Send one message, remembered so it can be deleted later; None when it was lost."""
        try:
            async for attempt in SENDING.retrying("telegram_send", passing, self.sleep):
                with attempt:
                    message = await self.bot.send_message(
                        chat_id, item.text, reply_markup=item.markup
                    )
        except TelegramError as exc:  # blocked by the person, chat gone, retries spent
            log.warning("event=telegram_send_failed error=%s", type(exc).__name__)
            return None
        await run_in_threadpool(self._keep, chat_id, message)
        return message

    def _keep(self, chat_id: int, message: Message) -> None:
        now = utcnow()
        key = self.store.keys.session_key(NAME, str(chat_id))
        with self.store.transaction() as tx:
            ref = message_ref(chat_id, message.message_id)
            tx.keep_sent_copy(NAME, key, ref, None, now)  # deleted when the chat ends

    async def delete_due(self, now: datetime | None = None) -> int:
        """Delete from the person's phone every message of ended conversations.

        Only the copies this worker claimed (``bot.store.copies``). A batch that fails is
        tried again by a later round, after the retry policy's pause for the failures so
        far; one that can never succeed (refused for good, or a malformed id) is set aside,
        logged without identifiers, and the rest go on.
        """
        now = now or utcnow()
        copies = self.store.copies
        batch_size = BulkRequestLimit.MAX_LIMIT
        due = await run_in_threadpool(copies.claim, NAME, now, batch_size * 10)
        by_chat: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        too_old: list[str] = []
        malformed: list[str] = []
        for copy in due:
            if now - copy.created_at > DELETABLE_FOR:
                too_old.append(copy.digest)
                continue
            try:
                chat_id, message_id = parse_ref(copy.ref)
            except ValueError:
                malformed.append(copy.digest)
                continue
            by_chat[chat_id].append((copy.digest, message_id, copy.attempts))
        if too_old:
            await run_in_threadpool(copies.deleted, too_old)
        if malformed:
            await self._set_aside(malformed, now, "malformed_id")
        deleted = 0
        for chat_id, items in by_chat.items():
            for start in range(0, len(items), batch_size):
                batch = items[start : start + batch_size]
                try:
                    await self.bot.delete_messages(chat_id, [message for _, message, _ in batch])
                except REFUSED_FOR_GOOD as exc:
                    await self._set_aside([digest for digest, _, _ in batch], now, exc)
                    continue
                except TelegramError as exc:
                    log.warning("event=telegram_delete_failed error=%s", type(exc).__name__)
                    later = {d: now + DELETING.pause(attempts + 1) for d, _, attempts in batch}
                    await run_in_threadpool(copies.retry, later)
                    continue
                await run_in_threadpool(copies.deleted, [digest for digest, _, _ in batch])
                deleted += len(batch)
        if deleted or too_old:
            log.info("event=telegram_messages_deleted count=%d too_old=%d", deleted, len(too_old))
        return deleted

    async def _set_aside(self, digests: list[str], now: datetime, why: str | Exception) -> None:
        await run_in_threadpool(self.store.copies.set_aside, digests, now)
        reason = why if isinstance(why, str) else type(why).__name__
        log.warning(
            "event=provider_copy_set_aside channel=%s reason=%s count=%d",
            NAME,
            reason,
            len(digests),
        )


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
