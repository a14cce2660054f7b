"""Sending what the console says to the person, on the channel the person already uses.

Each channel renders the outcome exactly as it renders the bot's replies: Telegram
messages with buttons through the bot, numbered SMS through Twilio's REST API
(with delivery callbacks, so the copy at Twilio is deleted once final), and for
the web chat an encrypted outbox that the page fetches from.
"""

from __future__ import annotations

import logging

from requests import RequestException
from starlette.concurrency import run_in_threadpool
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from bot.channels.sms.adapter import messages
from bot.channels.sms.copies import rest_client
from bot.channels.sms.routes import STATUS_PATH
from bot.channels.telegram.adapter import TelegramChannel
from bot.channels.telegram.client import TelegramBot
from bot.channels.web import outbox as web_outbox
from bot.channels.web.adapter import WebChannel
from bot.config import Settings
from bot.core.messages import Outcome
from bot.store.store import Store

log = logging.getLogger(__name__)


class RelayError(RuntimeError):
    """The message could not be delivered; the text says why, for the console."""


class Relay:
    def __init__(self, settings: Settings, store: Store, telegram: TelegramBot | None) -> None:
        self.settings = settings
        self.store = store
        self.telegram = telegram
        self.twilio: Client | None = None
        if settings.twilio_auth_token:
            self.twilio = rest_client(settings)

    async def deliver(self, channel: str, address: str, outcome: Outcome) -> None:
        """Send ``outcome`` to ``address`` on ``channel``, or raise ``RelayError``."""
        if channel == "telegram" and self.telegram is not None:
            sends = TelegramChannel().render(outcome)
            if await self.telegram.send(int(address), sends) < len(sends):
                raise RelayError("Telegram did not take the message")
        elif channel == "sms" and self.twilio is not None:
            await run_in_threadpool(self._sms, address, messages(outcome))
        elif channel == "web":
            await run_in_threadpool(self._web, address, outcome)
        else:
            raise RelayError(f"the {channel} channel is not set up on this server")

    def _sms(self, to: str, bodies: list[str]) -> None:
        assert self.twilio is not None
        try:
            for body in bodies:
                self.twilio.messages.create(
                    to=to,
                    from_=self.settings.twilio_from,
                    body=body,
                    status_callback=self.settings.public_base + STATUS_PATH,
                )
        except (TwilioException, RequestException) as exc:
            log.warning("event=sms_relay_failed error=%s", type(exc).__name__)
            raise RelayError("Twilio did not take the message") from exc

    def _web(self, sender: str, outcome: Outcome) -> None:
        key = self.store.keys.session_key(WebChannel.name, sender)
        try:
            with self.store.transaction() as tx:
                web_outbox.post(tx, key, WebChannel().render(outcome))
        except web_outbox.LeftError:
            raise RelayError("the person has left the web chat") from None
