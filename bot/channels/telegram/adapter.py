"""Telegram: an ``Update`` to a message, an outcome to the messages the bot sends.

Only private chats are served; groups, channels and edited messages are left
alone. Commands and the persistent exit button become the words the safety
layer already knows, so they work in every state and language. Choices become
inline keyboards whose callback data is the option id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType

from bot.core.messages import Inbound, Outcome, ProviderCopy, Reply

MAX_CALLBACK_DATA_BYTES = 64
"""Telegram's limit on an inline button's callback data."""
DELETE_BATCH = 100
"""``deleteMessages`` takes at most 100 message ids."""
EXIT_BUTTON = "EXIT"
"""The persistent button's label: pressing it sends this word, a quick exit everywhere."""
COMMANDS = {
    "/start": "",
    "/menu": "MENU",
    "/exit": "EXIT",
    "/delete": "DELETE",
    "/language": "LANGUAGE",
}

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None


@dataclass(frozen=True)
class Incoming:
    """What one update asks of Haven."""

    inbound: Inbound | None
    """The message for the engine; None when the update is none of Haven's business."""
    chat_id: int | None = None
    callback_query_id: str | None = None
    """A button press, which Telegram wants answered whatever happens."""


@dataclass(frozen=True)
class Send:
    text: str
    markup: Markup = None


class TelegramChannel:
    name: ClassVar[str] = "telegram"

    def parse(self, update: Update, received_at: datetime) -> Incoming:
        provider_id = f"update:{update.update_id}"
        query = update.callback_query
        if query is not None:
            message = query.message
            if message is None or message.chat.type != ChatType.PRIVATE:
                return Incoming(None, callback_query_id=query.id)
            chat_id = message.chat.id
            inbound = Inbound(
                channel=self.name,
                sender=str(chat_id),
                choice=(query.data or "")[:MAX_CALLBACK_DATA_BYTES],
                provider_id=provider_id,
                received_at=received_at,
                language_hint=query.from_user.language_code,
            )
            return Incoming(inbound, chat_id, query.id)
        message = update.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return Incoming(None)
        chat_id = message.chat.id
        text = message.text
        if text is not None and text.startswith("/"):
            command = text.split()[0].split("@")[0].lower()
            text = COMMANDS.get(command, text)
        inbound = Inbound(
            channel=self.name,
            sender=str(chat_id),
            text=text or "",
            provider_id=provider_id,
            received_at=received_at,
            language_hint=message.from_user.language_code if message.from_user else None,
            copy=ProviderCopy(message_ref(chat_id, message.message_id), None),
            media=text is None,
        )
        return Incoming(inbound, chat_id)

    def render(self, outcome: Outcome) -> list[Send]:
        sends = [Send(reply.text, keyboard(reply)) for reply in outcome.replies]
        if outcome.started and sends:
            sends = with_exit_button(sends)
        return sends


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    buttons = [
        [InlineKeyboardButton(option.label, callback_data=option.id)]
        for option in reply.options
        if len(option.id.encode()) <= MAX_CALLBACK_DATA_BYTES
    ]
    return InlineKeyboardMarkup(buttons) if buttons else None


def exit_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[EXIT_BUTTON]], resize_keyboard=True, is_persistent=True)


def with_exit_button(sends: list[Send]) -> list[Send]:
    """Put the persistent exit button under the first message of a conversation.

    A message carries one keyboard; where the first one has choices, its last
    paragraph (the question) goes on with the choices in a message of its own.
    """
    first = sends[0]
    if first.markup is None:
        return [Send(first.text, exit_keyboard()), *sends[1:]]
    head, _, question = first.text.rpartition("\n\n")
    if not head:
        return [*sends, Send(EXIT_BUTTON, exit_keyboard())]
    return [Send(head, exit_keyboard()), Send(question, first.markup), *sends[1:]]


def message_ref(chat_id: int, message_id: int) -> str:
    return f"{chat_id}:{message_id}"


def parse_ref(ref: str) -> tuple[int, int]:
    chat, _, message = ref.partition(":")
    return int(chat), int(message)
