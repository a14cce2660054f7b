"""The per-conversation rate limit: at most ``count`` messages in a ``window``."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.records import Conversation


def count_message(conversation: Conversation, now: datetime, count: int, window: int) -> bool:
    """Count one message; False when it is over the limit of its window.

    The window starts with the first message after the previous one ended, and
    the person is told to slow down once per window (``rate_notified``).
    """
    if now - conversation.rate_window_start >= timedelta(seconds=window):
        conversation.rate_window_start = now
        conversation.rate_count = 0
        conversation.rate_notified = False
    conversation.rate_count += 1
    return conversation.rate_count <= count
