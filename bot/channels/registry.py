"""The channels this server runs, built from its settings: the one place that names them all.

The web chat is always there; SMS when Twilio's credentials are set, Telegram
when a bot token is. The app mounts each one's routes and runs its background
work, and the console's relay reaches a person through ``channels[name].send``;
neither knows which channels exist. The terminal (``haven chat``) is not
served, so it is not here.
"""

from __future__ import annotations

from typing import Any

from bot.channels.base import Channel, Handle
from bot.channels.sms.channel import SmsChannel
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.web.channel import WebChannel
from bot.config import Settings
from bot.store.store import Store

Channels = dict[str, Channel[Any, Any]]
"""The configured channels by name."""


def build_channels(settings: Settings, store: Store, handle: Handle) -> Channels:
    """The channels ``settings`` configure; ``handle`` is the engine's, for their routes."""
    channels: list[Channel[Any, Any]] = [WebChannel(settings, store, handle)]
    if settings.twilio_auth_token:
        channels.append(SmsChannel(settings, store, handle))
    if settings.telegram_bot_token:
        channels.append(TelegramChannel(settings, store, handle))
    return {channel.name: channel for channel in channels}
