"""What the console API reads and answers, as types: the schemas that ``/docs`` shows.

Field names and values are the JSON the console page has always used; states
are the ``StrEnum``s of ``bot.core.states``, which serialise to the same strings.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
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

Delivery = Literal["sent", "delivered", "read", "failed"]
"""Where an advocate's message is: taken by the channel; on the person's phone (Telegram at
once, SMS by Twilio's report); shown on the person's web chat page; or not delivered."""


class Presence(StrEnum):
    """Where an advocate is, as colleagues see it (``bot.console.presence``)."""

    AVAILABLE = "available"
    """Marked available, the console live: counted for the queue."""
    AWAY = "away"
    """Signed in, not taking chats."""
    CONNECTION_LOST = "connection_lost"
    """Marked available, but their console's stream is lost: not counted."""
    SIGNED_OUT = "signed_out"


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
    note: str | None = Field(
        default=None,
        description=f"a handover note for them, at most {MAX_NOTE_CHARS} characters",
    )


class Closing(BaseModel):
    outcome: OutcomeCategory | None = None
    wipe: bool = Field(default=False, description="erase everything now, as the person's DELETE")


class NewAccount(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    admin: bool = False
    display_name: str | None = Field(
        default=None, max_length=64, description="how colleagues see them; default: username"
    )


class HoursChange(BaseModel):
    hours: str = Field(
        max_length=512, description="e.g. MO-FR 09:00-17:00, SA 10:00-14:00; empty: always open"
    )


# -- what the API answers -------------------------------------------------------------------------


class SignedIn(BaseModel):
    csrf_token: str = Field(description="send it back as X-CSRF-Token with every change")


class SessionClock(BaseModel):
    """When the console session ends unless the advocate does something."""

    idle_seconds: int = Field(description="how long a session lasts without a call")
    idle_seconds_left: int
    expires_at: Moment


class Me(BaseModel):
    username: str
    display_name: str
    role: Role
    available: bool = Field(description="the advocate's own choice to take chats")
    presence: Presence
    csrf_token: str
    outcomes: list[OutcomeCategory] = Field(description="what a closing may record")
    idle_seconds: int
    idle_seconds_left: int
    server_time: Moment = Field(description="the server's clock, to show waits as durations")


class AvailabilityShown(BaseModel):
    """The ``availability`` event: the advocate's own choice and where they stand."""

    available: bool
    presence: Presence


class ConversationItem(BaseModel):
    """A handed-over chat in a list: never the person's number or name."""

    id: str
    channel: str
    language: str
    right_to_left: bool
    country: str | None
    priority: Literal["emergency", "normal"]
    emergency: bool = Field(description="the person said they are in danger")
    state: Handoff
    waiting_since: Moment = Field(description="when the person was queued")
    assigned: bool
    assigned_to: str | None = Field(description="the username of the advocate who holds it")
    assigned_name: str | None = Field(description="their display name")
    held_since: Moment | None = Field(description="when they took it")
    unanswered_since: Moment | None = Field(
        description="a held chat: the person's oldest message no advocate answered yet"
    )


class ConversationList(BaseModel):
    items: list[ConversationItem]


class Line(BaseModel):
    """One message since the handoff; an advocate's (``adv``) names its writer and says
    whether it reached the person."""

    id: int
    direction: Direction
    text: str
    at: Moment
    author: str | None = Field(default=None, description="the advocate's username")
    author_name: str | None = Field(default=None, description="the advocate's display name")
    delivery: Delivery | None = None


class NoteShown(BaseModel):
    author: str
    author_name: str
    text: str
    at: Moment
    handover_to: str | None = Field(
        default=None, description="a handover note: the username the chat was handed to"
    )


class Handover(BaseModel):
    """The note written when the chat was handed to the advocate who holds it now."""

    from_: str = Field(serialization_alias="from", description="the username who handed it over")
    from_name: str
    text: str
    at: Moment


class Conversation(ConversationItem):
    """A chat opened by the advocate who holds it (or an admin)."""

    summary: Summary
    messages: list[Line]
    notes: list[NoteShown]
    handover: Handover | None


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
    at: Moment
    author: str
    author_name: str
    delivery: Delivery


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
    display_name: str
    role: Role
    available: bool = Field(description="takes chats now: presence is available")
    presence: Presence
    signed_in: bool
    locked: bool


class Accounts(BaseModel):
    items: list[Account]


class Handed(ConversationItem):
    """A chat handed over (a transfer, an admin taking it over), for the page to confirm."""

    to: Account = Field(description="the advocate who holds it now")
    from_: str | None = Field(
        serialization_alias="from", description="the username who held it before"
    )
    note_kept: bool = Field(description="a handover note was kept for the new holder")
    told: bool = Field(description="the person was told; false when their channel failed")


class Supervision(BaseModel):
    """Admins: every held chat and where every advocate is."""

    held: list[ConversationItem]
    advocates: list[Account]


class AccountAdded(BaseModel):
    username: str
    display_name: str
    role: Role


class OpeningHoursShown(BaseModel):
    hours: str = Field(description="e.g. MO-FR 09:00-17:00, SA 10:00-14:00; empty: always open")
    timezone: str
    open_now: bool


class NewMessage(Line):
    """The ``message`` event of the live stream: a new line in a chat the advocate holds."""

    conversation: str


class DeliveryChange(BaseModel):
    """The ``delivery`` event: an advocate's message got further (or failed)."""

    conversation: str
    id: int
    delivery: Delivery
