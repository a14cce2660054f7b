"""Sending what the console says to the person, on the channel the person already uses.

Each channel renders the outcome exactly as it renders the bot's replies
(Telegram messages with buttons, numbered SMS through Twilio's REST API, the
web chat's outbox); the relay only finds the channel in the registry.
"""

from __future__ import annotations

from bot.channels.base import DeliveryError
from bot.channels.registry import Channels
from bot.core.messages import Outcome


class RelayError(RuntimeError):
    """The message could not be delivered; the text says why, for the console."""


class Relay:
    def __init__(self, channels: Channels) -> None:
        self.channels = channels

    async def deliver(self, channel: str, address: str, outcome: Outcome) -> None:
        """Send ``outcome`` to ``address`` on ``channel``, or raise ``RelayError``."""
        if channel not in self.channels:
            raise RelayError(f"the {channel} channel is not set up on this server")
        try:
            await self.channels[channel].send(address, outcome)
        except DeliveryError as exc:
            raise RelayError(str(exc)) from exc
