"""Twilio SMS as a medium: an inbound webhook's form to a message, an outcome to TwiML.

Menus are numbered, since a text message has no buttons; the engine already
reads "2" as the second option. Each reply is cut on sentence boundaries into
messages that fit one segment (160 GSM-7 or 70 UCS-2 characters) where a
sentence allows it, and no message is longer than Twilio's 1,600 characters;
an option's number stays with its label. Every message Haven sends asks Twilio
for delivery callbacks (``action``), so that its copy at Twilio can be deleted
once it is final.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.base import InputError
from bot.core import replies
from bot.core.messages import Inbound, Outcome, ProviderCopy, Reply
from bot.core.segments import segments
from common.clock import utcnow

NAME = "sms"
MAX_MESSAGE_CHARS = 1600
"""Twilio refuses longer message bodies (its library has no constant for it)."""
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "received", "read"})
"""Message statuses after which nothing changes at Twilio: its copy can be deleted."""
NOT_DELIVERED = frozenset({"undelivered", "failed"})
MAX_FIELD_CHARS = 64


def parse(form: Mapping[str, str], delete_after: timedelta) -> Inbound:
    """The message in Twilio's form; its copy at Twilio due ``delete_after`` from now."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    sender = form.get("From", "")
    if not sid or not sender:
        raise InputError("MessageSid and From are required")
    if len(sid) > MAX_FIELD_CHARS or len(sender) > MAX_FIELD_CHARS:
        raise InputError("MessageSid or From is too long")
    now = utcnow()
    country = form.get("FromCountry", "").upper()
    return Inbound(
        channel=NAME,
        sender=sender,
        text=form.get("Body", ""),
        provider_id=sid,
        received_at=now,
        country_hint=country if re.fullmatch(r"[A-Z]{2}", country) else None,
        copy=ProviderCopy(sid, now + delete_after),  # "received" is final
    )


def render(outcome: Outcome, status_url: str) -> str:
    """TwiML with one ``<Message>`` for each SMS, each asking for delivery callbacks."""
    response = MessagingResponse()
    for body in messages(outcome):
        response.message(body, action=status_url)
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
    """Sentences and lines packed into messages of one segment where they fit.

    A sentence longer than one segment is a message of its own, cut between
    words only where it is longer than Twilio allows.
    """
    pieces = (
        (joiner if n == 0 else " ", piece)
        for joiner, sentence in replies.sentences(text)
        for n, piece in enumerate(replies.split(sentence, MAX_MESSAGE_CHARS))
    )
    return replies.pack(pieces, lambda joined: segments(joined) == 1)
