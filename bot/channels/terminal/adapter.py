"""The terminal channel: ``haven chat`` for a person, ``haven chat --jsonl`` for scripts.

JSONL input, one object a line: ``{"text": "...", "sender": "id", "choice": "option id"}``
(every field optional). Each input line gets exactly one output line: the outcome,
or ``{"error": "..."}`` for a line that cannot be read; the conversation goes on.
Blank lines are not messages and are skipped.

The terminal has two faces, one for each audience, both keeping the channel
contract; neither is served by the server, so neither is in the registry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any, ClassVar

from bot.channels import base
from bot.channels.base import DeliveryError, InputError, NoProvider
from bot.core.messages import Inbound, Outcome, Reply

DEFAULT_SENDER = "local"
MAX_SENDER_CHARS = 256


class Local(NoProvider):
    """What both faces share: no routes, no one to reach between turns, no copies."""

    name: ClassVar[str] = "terminal"
    router: None = None

    async def send(self, address: str, outcome: Outcome) -> None:
        raise DeliveryError("the terminal answers only what is typed into it")


class JsonlChannel(Local):
    def parse(self, raw: bytes) -> Inbound:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("input is not valid UTF-8") from exc
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"input is not JSON ({exc.msg})") from exc
        if not isinstance(data, dict):
            raise InputError("input must be a JSON object")
        text = _optional_string(data, "text") or ""
        sender = _optional_string(data, "sender") or DEFAULT_SENDER
        choice = _optional_string(data, "choice")
        if len(sender) > MAX_SENDER_CHARS:
            raise InputError(f"sender is longer than {MAX_SENDER_CHARS} characters")
        return Inbound(channel=self.name, sender=sender, text=text, choice=choice)

    def render(self, outcome: Outcome) -> dict[str, Any]:
        return {
            "replies": [_reply_json(reply) for reply in outcome.replies],
            "lang": outcome.language,
            "intent": outcome.intent,
            "confidence": None if outcome.confidence is None else round(outcome.confidence, 4),
            "flow": outcome.flow,
            "handoff": outcome.handoff,
            "exited": outcome.exited,
        }


class KeyboardChannel(Local):
    """For a person at a terminal: options are numbered, answer with the number."""

    def __init__(self, sender: str = DEFAULT_SENDER) -> None:
        self.sender = sender

    def parse(self, raw: str) -> Inbound:
        return Inbound(channel=self.name, sender=self.sender, text=raw)

    def render(self, outcome: Outcome) -> str:
        if outcome.exited and not outcome.replies:
            return "(conversation erased)"
        blocks = []
        for reply in outcome.replies:
            lines = [reply.text]
            lines += [f"  {n}. {option.label}" for n, option in enumerate(reply.options, 1)]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def run_jsonl(handle: Callable[[Inbound], Outcome], source: IO[bytes], sink: IO[str]) -> None:
    """Answer every line of ``source`` with one line on ``sink``."""
    channel = JsonlChannel()
    for raw in source:
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        try:
            result = channel.render(handle(channel.parse(line)))
        except InputError as exc:
            result = {"error": str(exc)}
        sink.write(json.dumps(result, ensure_ascii=False) + "\n")
        sink.flush()


def run_keyboard(
    handle: Callable[[Inbound], Outcome], read: Callable[[str], str], write: Callable[[str], None]
) -> None:
    channel = KeyboardChannel()
    write("Type a message. EXIT erases the conversation; Ctrl-D leaves.")
    while True:
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        write(channel.render(handle(channel.parse(line))))


def _optional_string(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{field} must be a string")
    return value


def _reply_json(reply: Reply) -> dict[str, Any]:
    item: dict[str, Any] = {
        "text": reply.text,
        "options": [{"id": o.id, "label": o.label} for o in reply.options],
    }
    if reply.right_to_left:
        item["rtl"] = True
    return item


KEEPS_THE_CONTRACT: tuple[
    type[base.Channel[bytes, dict[str, Any]]], type[base.Channel[str, str]]
] = (JsonlChannel, KeyboardChannel)
"""Nothing at run time: mypy checks here that both faces satisfy ``Channel``."""
