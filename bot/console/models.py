"""What the console API reads and answers, as types: the schemas that ``/docs`` shows.

Field names and values are the JSON the console page has always used; states
are the ``StrEnum``s of ``bot.core.states``, which serialise to the same strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from bot.core.states import Direction, Handoff, Role
from bot.handoff.queue import Summary

MAX_REPLY_CHARS = 1600
"""The console's rule for one reply: about ten SMS segments, already a lot to read on a phone.
Channels cut longer texts themselves; this keeps an advocate's reply one message."""
MAX_NOTE_CHARS = 2000
OutcomeCategory = Literal["referred", "information", "safety_plan", "no_reply", "other"]
"""What an advocate may record when closing: a category, never free text."""
OUTCOMES: tuple[OutcomeCategory, ...] = get_args(OutcomeCategory)

Moment = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A time as ``datetime.isoformat`` writes it (``+00:00``, not pydantic's ``Z``): the page
compares these strings."""

# -- what the page sends --------------------------------------------------------------------------


class Credentials(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class AvailabilityChange(BaseModel):
    """Whether the advocate takes chats; sent to change it, answered with the new state."""

    available: bool


class AdvocateMessage(BaseModel):
    text: str = Field(min_length=1, description=f"at most {MAX_REPLY_CHARS} characters")


class Note(BaseModel):
    text: str = Field(min_length=1, description=f"at most {MAX_NOTE_CHARS} characters")


class Transfer(BaseModel):
    to: str = Field(max_length=64, description="the username of the advocate who takes over")


class Closing(BaseModel):
    outcome: OutcomeCategory | None = None
    wipe: bool = Field(default=False, description="erase everything now, as the person's DELETE")


class NewAccount(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    admin: bool = False


class HoursChange(BaseModel):
    hours: str = Field(
        max_length=512, description="e.g. MO-FR 09:00-17:00, SA 10:00-14:00; empty: always open"
    )


# -- what the API answers -------------------------------------------------------------------------


class SignedIn(BaseModel):
    csrf_token: str = Field(description="send it back as X-CSRF-Token with every change")


class Me(BaseModel):
    username: str
    role: Role
    available: bool
    csrf_token: str
    outcomes: list[OutcomeCategory] = Field(description="what a closing may record")


class ConversationItem(BaseModel):
    """A handed-over chat in a list: never the person's number or name."""

    id: str
    channel: str
    language: str
    right_to_left: bool
    country: str | None
    priority: Literal["emergency", "normal"]
    state: Handoff
    waiting_since: Moment
    assigned: bool
    assigned_to: str | None = Field(description="the username of the advocate who holds it")


class ConversationList(BaseModel):
    items: list[ConversationItem]


class Line(BaseModel):
    """One message since the handoff."""

    id: int
    direction: Direction
    text: str
    at: Moment


class NoteShown(BaseModel):
    author: str
    text: str
    at: Moment


class Conversation(ConversationItem):
    """A chat opened by the advocate who holds it (or an admin)."""

    summary: Summary
    messages: list[Line]
    notes: list[NoteShown]


class CannedText(BaseModel):
    id: str
    title: str = Field(description="for the advocate, in English")
    text: str = Field(description="in the person's language")


class CannedTexts(BaseModel):
    language: str
    items: list[CannedText]


class Sent(BaseModel):
    status: Literal["sent"]
    id: int | None = Field(description="the message's id; none if the chat was erased meanwhile")


class Wiped(BaseModel):
    state: Literal["wiped"]


class Closed(BaseModel):
    state: Literal[Handoff.CLOSED]
    told: bool = Field(description="whether the person was told they are back with Haven")
    error: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="why the person could not be told; only when they were not",
    )


class Account(BaseModel):
    username: str
    role: Role
    available: bool
    locked: bool


class Accounts(BaseModel):
    items: list[Account]


class AccountAdded(BaseModel):
    username: str
    role: Role


class OpeningHoursShown(BaseModel):
    hours: str = Field(description="e.g. MO-FR 09:00-17:00, SA 10:00-14:00; empty: always open")
    timezone: str
    open_now: bool


class NewMessage(Line):
    """The ``message`` event of the live stream: a new line in a chat the advocate holds."""

    conversation: str
