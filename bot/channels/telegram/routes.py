"""Telegram's webhook: ``POST /webhooks/telegram``.

The secret header is compared in constant time before anything else is read; a
wrong or missing one gets 403. The update is acknowledged only after the engine
has committed and the replies have been sent, so a crash before that means
Telegram redelivers it: the receipt recognises what was already done, and the
replies kept with it (``bot.store.answers``) are sent, unless they were before.

While the bot is not connected to Telegram's API (unreachable since start-up),
an update could be handled but not answered: the conversation would move on
and the reply be lost, and a redelivery would then be a duplicate, answered
never. So no update is read: each gets 503 before the engine sees it, nothing
is committed, and Telegram delivers it again later (it retries a webhook that
fails, keeping updates for a day), to be handled once the bot is connected.
After a quick exit or a deletion, the conversation's messages are deleted from
the person's phone at once.
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool
from telegram import Update

from bot.channels.base import DeliveryError, Handle
from bot.channels.telegram.client import WEBHOOK_PATH
from bot.config import Settings
from bot.http import BodyError, media_type, read_limited
from bot.store import answers
from bot.store.store import Store

if TYPE_CHECKING:
    from bot.channels.telegram.channel import TelegramChannel

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 (a header name)


def telegram_router(
    settings: Settings, store: Store, handle: Handle, channel: TelegramChannel
) -> APIRouter:
    router = APIRouter()
    client = channel.client
    secret = settings.telegram_webhook_secret.encode()

    @router.post(WEBHOOK_PATH)
    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            return PlainTextResponse("forbidden", status_code=403)
        if not channel.connected:
            return PlainTextResponse("not connected to Telegram yet", status_code=503)
        if media_type(request) != "application/json":
            return PlainTextResponse("expected application/json", status_code=400)
        try:
            body = await read_limited(request, settings.max_webhook_bytes)
            data = json.loads(body)
            update = Update.de_json(data, client.bot) if isinstance(data, dict) else None
        except BodyError as exc:
            return PlainTextResponse(exc.reason, status_code=exc.status)
        except (ValueError, TypeError, KeyError, AttributeError):
            update = None
        if update is None:
            return PlainTextResponse("not a Telegram update", status_code=400)
        if update.callback_query is not None:  # a button press, answered whatever happens
            await client.answer_callback(update.callback_query.id)
        inbound = channel.parse(update)
        if inbound is None:
            return Response(status_code=200)  # groups, edits, channels: not Haven's business
        outcome = await run_in_threadpool(handle, inbound)
        if outcome.duplicate and not outcome.replies:
            return Response(status_code=200)
        try:  # the replies, or those of a redelivery that may not have gone out
            await channel.send(inbound.sender, outcome)
        except DeliveryError:
            pass  # logged; a message Telegram refused would be refused again
        else:
            if outcome.receipt is not None:
                await run_in_threadpool(answers.sent, store, outcome.receipt)
        if outcome.exited:
            await channel.delete_copies()
        return Response(status_code=200)

    return router
