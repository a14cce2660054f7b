"""Sending an advocate's words to the person, on the channel the person already uses.

Telegram through the bot, SMS through Twilio's REST API (with delivery callbacks,
so the copy at Twilio is deleted once final). Web chat is not relayed yet: the
page has no way to receive messages it did not ask for.
"""

from __future__ import annotations

import logging

from requests import RequestException
from starlette.concurrency import run_in_threadpool
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from bot.channels.sms import MAX_MESSAGE_CHARS, split
from bot.channels.telegram import Send
from bot.config import Settings
from bot.telegram_bot import TelegramBot
from bot.twilio_routes import STATUS_PATH

log = logging.getLogger(__name__)


class RelayError(RuntimeError):
    """The message could not be delivered; the console shows it."""


class Relay:
    def __init__(self, settings: Settings, telegram: TelegramBot | None) -> None:
        self.settings = settings
        self.telegram = telegram
        self.twilio: Client | None = None
        if settings.twilio_auth_token:
            self.twilio = Client(settings.twilio_account_sid, settings.twilio_auth_token)
            self.twilio.api.base_url = settings.twilio_api_url.rstrip("/")

    async def send(self, channel: str, address: str, text: str) -> None:
        if channel == "telegram" and self.telegram is not None:
            if await self.telegram.send(int(address), [Send(text)]) == 0:
                raise RelayError("Telegram did not take the message")
            return
        if channel == "sms" and self.twilio is not None:
            await run_in_threadpool(self._sms, address, text)
            return
        raise RelayError(f"replies cannot reach the {channel} channel yet")

    def _sms(self, to: str, text: str) -> None:
        assert self.twilio is not None
        try:
            for part in split(text[: MAX_MESSAGE_CHARS * 4]):
                self.twilio.messages.create(
                    to=to,
                    from_=self.settings.twilio_from,
                    body=part,
                    status_callback=self.settings.public_base + STATUS_PATH,
                )
        except (TwilioException, RequestException) as exc:
            log.warning("event=sms_relay_failed error=%s", type(exc).__name__)
            raise RelayError("Twilio did not take the message") from exc
