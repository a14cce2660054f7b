"""The SMS channel as the registry knows it: Twilio's webhooks, its REST API, its copies.

Replies to an inbound SMS go back as TwiML in the webhook's answer; what goes out
outside a request (an advocate's words) is created through the REST API, once:
a create that failed on the way may still have been sent, so it is not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import ClassVar

from fastapi import APIRouter
from requests import RequestException
from starlette.concurrency import run_in_threadpool
from twilio.base.exceptions import TwilioException

from bot.channels import base
from bot.channels.base import DeliveryError, Handle
from bot.channels.sms import adapter
from bot.channels.sms.copies import TwilioCopies, rest_client
from bot.channels.sms.routes import STATUS_PATH, twilio_router
from bot.config import Settings
from bot.core.messages import Inbound, Outcome
from bot.store.store import Store

log = logging.getLogger(__name__)


class SmsChannel:
    name: ClassVar[str] = adapter.NAME

    def __init__(self, settings: Settings, store: Store, handle: Handle) -> None:
        self.status_url = settings.public_base + STATUS_PATH
        self.delete_after = timedelta(seconds=settings.twilio_delete_after)
        self.from_number = settings.twilio_from
        self.rest = rest_client(settings)
        self.copies = TwilioCopies(settings, store)
        self.router: APIRouter = twilio_router(settings, store, handle, self)

    def parse(self, raw: Mapping[str, str]) -> Inbound:
        return adapter.parse(raw, self.delete_after)

    def render(self, outcome: Outcome) -> str:
        return adapter.render(outcome, self.status_url)

    async def send(self, address: str, outcome: Outcome) -> None:
        await self.send_tracked(address, outcome)

    async def send_tracked(self, address: str, outcome: Outcome) -> list[str]:
        """``send``, returning Twilio's ids of the messages: its delivery callbacks name them."""
        return await run_in_threadpool(self._create, address, adapter.messages(outcome))

    async def delete_copies(self) -> int:
        return await self.copies.delete_due()

    @property
    def state(self) -> str:
        """Always ``ok``: Twilio's REST client connects per request, and nothing at start-up."""
        return "ok"

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def _create(self, to: str, bodies: list[str]) -> list[str]:
        try:
            return [
                str(
                    self.rest.messages.create(
                        to=to, from_=self.from_number, body=body, status_callback=self.status_url
                    ).sid
                )
                for body in bodies
            ]
        except (TwilioException, RequestException) as exc:
            log.warning("event=sms_send_failed error=%s", type(exc).__name__)
            raise DeliveryError("Twilio did not take the message") from exc


KEEPS_THE_CONTRACT: type[base.Channel[Mapping[str, str], str]] = SmsChannel
"""Nothing at run time: mypy checks here that the class satisfies ``Channel``."""
