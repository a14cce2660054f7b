"""The named states a conversation and its people can be in, as types.

They are ``StrEnum``s, so they are stored and compared as the plain strings the
database and the console API have always used.
"""

from __future__ import annotations

from enum import StrEnum


class Handoff(StrEnum):
    """Where a conversation stands with a person: ``none`` while only the bot answers."""

    NONE = "none"
    QUEUED = "queued"
    """Waiting for an advocate."""
    ASSIGNED = "assigned"
    """An advocate holds it."""
    CLOSED = "closed"
    """The advocate closed it; the person is back with the bot."""


ACTIVE = frozenset({Handoff.QUEUED, Handoff.ASSIGNED})
"""A person is on the way or there: the bot stays silent but for the safety layer."""


class Direction(StrEnum):
    """Who wrote a line of a transcript."""

    IN = "in"
    """The person."""
    OUT = "out"
    """Haven."""
    ADVOCATE = "adv"
    NOTICE = "ntc"
    """A line about the handoff told to the person: an advocate joined, handed over, ended."""
    SYSTEM = "sys"
    """A note for advocates (an SMS that did not arrive); the person never sees it."""


class Role(StrEnum):
    """What a console account may do."""

    ADVOCATE = "advocate"
    ADMIN = "admin"
