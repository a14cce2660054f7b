"""The web chat: a JSON message from the page to an Inbound, an outcome back to JSON.

The sender is the random value of the page's one session cookie; it names no one
and is keyed like every other sender.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from bot.channels.base import InputError
from bot.core.messages import Inbound, Outcome

MAX_CHOICE_CHARS = 64


class WebChannel:
    name: ClassVar[str] = "web"

    def parse_body(self, sender: str, body: bytes, language: str | None) -> Inbound:
        try:
            data = json.loads(body.decode("utf-8"))
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
            channel=self.name, sender=sender, text=text, choice=choice, language_hint=language
        )

    def render(self, outcome: Outcome) -> dict[str, Any]:
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
