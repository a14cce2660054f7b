"""Twilio SMS: an inbound webhook's form to a message, an outcome to TwiML sized for SMS.

Menus are numbered, since a text message has no buttons; the engine already
reads "2" as the second option. Each reply is cut on sentence boundaries into
messages that fit one segment (160 GSM-7 or 70 UCS-2 characters) where a
sentence allows it, and no message is longer than Twilio's 1,600 characters.
Every message Haven sends asks Twilio for delivery callbacks (``action``), so
that its copy at Twilio can be deleted once it is final.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import ClassVar

from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.base import InputError
from bot.core.messages import Inbound, Outcome, ProviderCopy, Reply
from bot.core.segments import segments
from common.clock import utcnow

MAX_MESSAGE_CHARS = 1600
"""Twilio refuses longer message bodies."""
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "received", "read"})
"""Message statuses after which nothing changes at Twilio: its copy can be deleted."""
NOT_DELIVERED = frozenset({"undelivered", "failed"})
MAX_FIELD_CHARS = 64
_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟])\s+")


class SmsChannel:
    name: ClassVar[str] = "sms"

    def __init__(self, status_url: str, delete_after: int) -> None:
        self.status_url = status_url
        self.delete_after = timedelta(seconds=delete_after)

    def parse(self, form: Mapping[str, str]) -> Inbound:
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        sender = form.get("From", "")
        if not sid or not sender:
            raise InputError("MessageSid and From are required")
        if len(sid) > MAX_FIELD_CHARS or len(sender) > MAX_FIELD_CHARS:
            raise InputError("MessageSid or From is too long")
        now = utcnow()
        country = form.get("FromCountry", "").upper()
        return Inbound(
            channel=self.name,
            sender=sender,
            text=form.get("Body", ""),
            provider_id=sid,
            received_at=now,
            country_hint=country if re.fullmatch(r"[A-Z]{2}", country) else None,
            copy=ProviderCopy(sid, now + self.delete_after),  # "received" is final
        )

    def render(self, outcome: Outcome) -> str:
        response = MessagingResponse()
        for body in messages(outcome):
            response.message(body, action=self.status_url)
        return str(response)


def messages(outcome: Outcome) -> list[str]:
    """The texts of an outcome as separate SMS, options numbered."""
    return [part for reply in outcome.replies for part in split(with_numbers(reply))]


def with_numbers(reply: Reply) -> str:
    options = "\n".join(
        f"{number}. {option.label}" for number, option in enumerate(reply.options, 1)
    )
    return f"{reply.text}\n{options}" if options else reply.text


def split(text: str) -> list[str]:
    """Sentences and lines packed into messages of one segment where they fit."""
    packed: list[str] = []
    for separator, piece in _pieces(text):
        joined = f"{packed[-1]}{separator}{piece}" if packed else piece
        if packed and segments(joined) == 1:
            packed[-1] = joined
        else:
            packed.append(piece)
    return packed


def _pieces(text: str) -> Iterator[tuple[str, str]]:
    """Each sentence with what joins it to the one before: a space, or a line break."""
    for line in text.split("\n"):
        separator = "\n"
        for sentence in _SENTENCE_END.split(line.strip()):
            for piece in _cut(sentence) if sentence else ():
                yield separator, piece
                separator = " "


def _cut(sentence: str) -> Iterator[str]:
    """A sentence longer than one message, cut between words."""
    while len(sentence) > MAX_MESSAGE_CHARS:
        cut = sentence.rfind(" ", 0, MAX_MESSAGE_CHARS)
        cut = cut if cut > 0 else MAX_MESSAGE_CHARS
        yield sentence[:cut]
        sentence = sentence[cut:].lstrip()
    yield sentence
