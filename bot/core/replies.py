"""Turning what a turn says into replies.

The engine writes a turn's parts as one reply, its options on it; how long a
message may be is the channel's business (Twilio's 1,600 characters, Telegram's
4,096), so each channel cuts a reply to its own limit when it renders it.
"""

from __future__ import annotations

from bot.core.messages import Choice, Reply

PARAGRAPH = "\n\n"


def compose(parts: list[str], options: tuple[Choice, ...], rtl: bool) -> tuple[Reply, ...]:
    """The parts of a turn as one reply with its options; none when there is nothing to say."""
    if not parts and not options:
        return ()
    return (Reply(PARAGRAPH.join(parts), options, rtl),)
