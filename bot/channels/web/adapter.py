"""The web chat: a JSON message from the page to an Inbound, an outcome back to JSON.

The sender is the random value of the page's one session cookie; it names no one
and is keyed like every other sender.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.channels.base import InputError
from bot.core.messages import Inbound, Outcome

NAME = "web"
MAX_CHOICE_CHARS = 64


@dataclass(frozen=True)
class Posted:
    """What the page posted: the body, with the session cookie and the browser's language."""

    sender: str
    body: bytes
    language: str | None


def parse(posted: Posted) -> Inbound:
    try:
        data = json.loads(posted.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object")
    text, choice = data.get("text", ""), data.get("choice")
    if not isinstance(text, str) or not (choice is None or isinstance(choice, str)):
        raise InputError("text and choice must be strings")
    if choice is not None and len(choice) > MAX_CHOICE_CHARS:
        raise InputError("choice is too long")
    return Inbound(
        channel=NAME,
        sender=posted.sender,
        text=text,
        choice=choice,
        language_hint=posted.language,
        single_use=True,
    )


def render(outcome: Outcome) -> dict[str, Any]:
    """The page shows a reply of any length: there is no limit to cut it to."""
    return {
        "replies": [
            {
                "text": reply.text,
                "options": [{"id": o.id, "label": o.label} for o in reply.options],
                "rtl": reply.right_to_left,
            }
            for reply in outcome.replies
        ],
        "lang": outcome.language,
        "exited": outcome.exited,
        "with_person": outcome.with_person,
    }
