"""Sending what the console says to the person, on the channel the person already uses.

Each channel renders the outcome exactly as it renders the bot's replies
(Telegram messages with buttons, numbered SMS through Twilio's REST API, the
web chat's outbox); the relay only finds the channel in the registry, and says how
far the message got: a channel whose provider reports delivery later (``Tracked``:
Twilio) gives its message ids, and the message is ``sent``; the web chat's is
``sent`` until its page shows it; any other channel's API taking a message
(Telegram) is delivery.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from bot.channels.base import DeliveryError
from bot.channels.registry import Channels
from bot.core.messages import Outcome

log = logging.getLogger(__name__)

WEB = "web"
"""The channel whose page fetches what is said: delivered when it shows it."""


class RelayError(RuntimeError):
    """The message could not be delivered; the text says why, for the console."""


@runtime_checkable
class Tracked(Protocol):
    """A channel whose provider reports later whether each message arrived."""

    async def send_tracked(self, address: str, outcome: Outcome) -> list[str]:
        """``send``, returning the provider's ids of the messages it created."""
        ...


@dataclass(frozen=True)
class Delivered:
    """How far a message got when its channel took it."""

    state: Literal["sent", "delivered"]
    refs: tuple[str, ...] = ()
    """The provider's ids of what it created, for its later reports."""


class Relay:
    def __init__(self, channels: Channels) -> None:
        self.channels = channels

    async def deliver(self, channel: str, address: str, outcome: Outcome) -> Delivered:
        """Send ``outcome`` to ``address`` on ``channel``, or raise ``RelayError``."""
        if channel not in self.channels:
            raise RelayError(f"the {channel} channel is not set up on this server")
        medium = self.channels[channel]
        try:
            if isinstance(medium, Tracked):
                return Delivered("sent", tuple(await medium.send_tracked(address, outcome)))
            await medium.send(address, outcome)
        except DeliveryError as exc:
            raise RelayError(str(exc)) from exc
        return Delivered("sent" if channel == WEB else "delivered")

    async def tell(self, channel: str, address: str, outcome: Outcome) -> bool:
        """Deliver a notice (an advocate joined, handed over); whether it went. One that did
        not go is no error for the advocate: the chat goes on, and it is in the transcript."""
        try:
            await self.deliver(channel, address, outcome)
        except RelayError:
            log.warning("event=notice_not_delivered channel=%s", channel)
            return False
        return True
