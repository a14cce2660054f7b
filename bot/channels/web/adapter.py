"""The web chat: a JSON message from the page to an Inbound, an outcome back to JSON.

The sender is the random value of the page's one session cookie; it names no one
and is keyed like every other sender. Every rendered item says who speaks (``from``:
``haven``, ``advocate`` or ``notice``), so that the page can label and style each.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.channels.base import InputError
from bot.core.messages import Inbound, Outcome, Reply, Speaker
from bot.core.replies import PARAGRAPH

NAME = "web"
MAX_CHOICE_CHARS = 64
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
"""The page's own id for a message, random, so that sending it again (the answer was lost)
is recognised and answered with the replies it already got."""


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
    text, choice, message_id = data.get("text", ""), data.get("choice"), data.get("id")
    if not isinstance(text, str) or not (choice is None or isinstance(choice, str)):
        raise InputError("text and choice must be strings")
    if choice is not None and len(choice) > MAX_CHOICE_CHARS:
        raise InputError("choice is too long")
    if message_id is not None and not (
        isinstance(message_id, str) and MESSAGE_ID.fullmatch(message_id)
    ):
        raise InputError("id must be 8 to 64 letters, digits, - or _")
    return Inbound(
        channel=NAME,
        sender=posted.sender,
        text=text,
        choice=choice,
        provider_id=message_id,
        language_hint=posted.language,
        single_use=True,
    )


def render(outcome: Outcome) -> dict[str, Any]:
    """The page shows a reply of any length: there is no limit to cut it to."""
    return _item(outcome, outcome.replies, Speaker.HAVEN)


def pushed(outcome: Outcome) -> list[dict[str, Any]]:
    """What goes to the outbox for an outcome sent outside a request: an advocate's words,
    or a notice, kept apart from Haven's own words that follow it (the menu after a close)."""
    if outcome.speaker is not Speaker.NOTICE or not outcome.replies:
        return [_item(outcome, outcome.replies, outcome.speaker)]
    first, *others = outcome.replies
    notice, _, rest = first.text.partition(PARAGRAPH)
    items = [_item(outcome, (Reply(notice, (), first.right_to_left),), Speaker.NOTICE)]
    if rest or first.options or others:
        haven = (Reply(rest, first.options, first.right_to_left), *others)
        items.append(_item(outcome, haven, Speaker.HAVEN))
    return items


def _item(outcome: Outcome, replies: tuple[Reply, ...], speaker: Speaker) -> dict[str, Any]:
    item: dict[str, Any] = {
        "from": speaker.value,
        "replies": [
            {
                "text": reply.text,
                "options": [{"id": o.id, "label": o.label} for o in reply.options],
                "rtl": reply.right_to_left,
            }
            for reply in replies
            if reply.text or reply.options
        ],
        "lang": outcome.language,
        "exited": outcome.exited,
        "with_person": outcome.with_person,
        "state": outcome.handoff.value,
    }
    if speaker is Speaker.ADVOCATE and outcome.speaker_name:
        item["name"] = outcome.speaker_name
    return item
