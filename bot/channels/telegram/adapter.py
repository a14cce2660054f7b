"""Telegram's medium: an ``Update`` to a message, an outcome to the messages the bot sends.

Only private chats are served; groups, channels and edited messages are left
alone. Commands and the persistent exit button become the words the safety
layer already knows, so they work in every state and language. Choices become
inline keyboards whose callback data is the option id. A reply longer than a
Telegram message is cut at paragraphs (else lines, sentences, words) into
several, its buttons under the last.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType, InlineKeyboardButtonLimit, MessageLimit

from bot.core.messages import Inbound, Outcome, ProviderCopy, Reply
from bot.core.replies import PARAGRAPH, split

NAME = "telegram"
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
class Send:
    text: str
    markup: Markup = None


def parse(update: Update) -> Inbound | None:
    """The message in an update; None for groups, channels, edits and the like."""
    provider_id = f"update:{update.update_id}"
    query = update.callback_query
    if query is not None:
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return None
        return Inbound(
            channel=NAME,
            sender=str(message.chat.id),
            choice=(query.data or "")[: InlineKeyboardButtonLimit.MAX_CALLBACK_DATA],
            provider_id=provider_id,
            language_hint=query.from_user.language_code,
        )
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    chat_id = message.chat.id
    text = message.text
    if text is not None and text.startswith("/"):
        command = text.split()[0].split("@")[0].lower()
        text = COMMANDS.get(command, text)
    return Inbound(
        channel=NAME,
        sender=str(chat_id),
        text=text or "",
        provider_id=provider_id,
        language_hint=message.from_user.language_code if message.from_user else None,
        copy=ProviderCopy(message_ref(chat_id, message.message_id), None),
        media=text is None,
    )


def render(outcome: Outcome) -> list[Send]:
    sends = [send for reply in outcome.replies for send in _messages(reply)]
    if outcome.started and sends:
        sends = with_exit_button(sends)
    return sends


def _messages(reply: Reply) -> list[Send]:
    """A reply cut to Telegram's length, its buttons under the last message."""
    *head, last = split(reply.text, MessageLimit.MAX_TEXT_LENGTH, utf16_units)
    return [*(Send(text) for text in head), Send(last, keyboard(reply))]


def utf16_units(text: str) -> int:
    """A text's length as Telegram counts it: in UTF-16 code units (an emoji may be two)."""
    return len(text.encode("utf-16-le")) // 2


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    buttons = [
        [InlineKeyboardButton(option.label, callback_data=option.id)]
        for option in reply.options
        if len(option.id.encode()) <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
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
    head, _, question = first.text.rpartition(PARAGRAPH)
    if not head:
        return [*sends, Send(EXIT_BUTTON, exit_keyboard())]
    return [Send(head, exit_keyboard()), Send(question, first.markup), *sends[1:]]


def message_ref(chat_id: int, message_id: int) -> str:
    return f"{chat_id}:{message_id}"


def parse_ref(ref: str) -> tuple[int, int]:
    chat, _, message = ref.partition(":")
    return int(chat), int(message)
