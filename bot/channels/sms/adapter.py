"""Twilio SMS as a medium: an inbound webhook's form to a message, an outcome to TwiML.

Menus are numbered, since a text message has no buttons; the engine already
reads "2" as the second option. Each reply is one SMS, its options below it: the
phone shows it as one message however many segments it takes, so its lock-screen
preview is the reply's opening and an option never arrives apart from its number.
Only a reply longer than Twilio's 1,600 characters is cut, between paragraphs,
lines, then sentences. Every message Haven sends asks Twilio for delivery
callbacks (``action``), so that its copy at Twilio can be deleted once it is
final.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.base import InputError
from bot.core import replies
from bot.core.messages import Choice, Inbound, Outcome, ProviderCopy
from common.clock import utcnow

NAME = "sms"
MAX_MESSAGE_CHARS = 1600
"""Twilio refuses longer message bodies (its library has no constant for it)."""
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "received", "read"})
"""Message statuses after which nothing changes at Twilio: its copy can be deleted."""
NOT_DELIVERED = frozenset({"undelivered", "failed"})
MAX_FIELD_CHARS = 64
NO_BREAK_SPACES = str.maketrans(dict.fromkeys("\u00a0\u2007\u202f", " "))
"""Spaces that GSM-7 lacks ("24\u00a0heures", as Babel writes French): one would make a
whole SMS UCS-2, 70 characters to a segment instead of 160, with nothing gained on a phone."""


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
    return [
        part for reply in outcome.replies for part in split(reply.text, numbered(reply.options))
    ]


def numbered(options: Iterable[Choice]) -> list[str]:
    """Each option as the line a person answers by its number: "2. Find help"."""
    return [f"{number}. {option.label}" for number, option in enumerate(options, 1)]


def split(text: str, options: Sequence[str] = ()) -> list[str]:
    """A reply as one SMS, its options numbered below it.

    The phone joins the segments of one SMS into one message: one preview on the lock
    screen, a reply that cannot arrive out of order, and an option never apart from its
    number. Only a reply longer than Twilio allows is cut, between paragraphs, then lines,
    then sentences. No-break spaces are sent as spaces.
    """
    body = "\n".join([text, *options]) if options else text
    return replies.split(body.translate(NO_BREAK_SPACES), MAX_MESSAGE_CHARS)
