"""What a channel hands the engine, and what the engine hands back.

These are the whole interface between channels and the conversation: a channel
knows nothing of flows, and the engine nothing of any channel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from bot.core.states import ACTIVE, Handoff
from common.clock import utcnow


@dataclass(frozen=True)
class ProviderCopy:
    """A copy of a message that the provider keeps and Haven must delete there."""

    ref: str
    """The provider's id of the message (a Twilio MessageSid)."""
    due_at: datetime | None
    """When to delete it; None while the message is not final yet."""


@dataclass(frozen=True)
class Inbound:
    """One message from a person, already decoded by its channel."""

    channel: str
    sender: str
    text: str = ""
    choice: str | None = None
    """The id of a button or option the person picked, where the channel has them."""
    provider_id: str | None = None
    """The provider's id of this message, to recognise redeliveries."""
    received_at: datetime = field(default_factory=utcnow)
    language_hint: str | None = None
    country_hint: str | None = None
    copy: ProviderCopy | None = None
    """The provider's copy of this message, where it keeps one."""
    media: bool = False
    """The message carried a photo, voice note, sticker or the like, which Haven does not read."""
    single_use: bool = False
    """The sender is a secret of one conversation that quick exit revokes (a web chat page's
    cookie): once the conversation is erased, nothing more from it is taken, even a message
    that reached the server after the erasure."""


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    text: str
    options: tuple[Choice, ...] = ()
    right_to_left: bool = False


class Speaker(StrEnum):
    """Who an outcome speaks for, for a channel that shows it (the web chat labels each)."""

    HAVEN = "haven"
    ADVOCATE = "advocate"
    NOTICE = "notice"
    """A line about the handoff (an advocate joined, handed the chat over, ended it): the
    first paragraph of the first reply; anything after it is Haven's own (the menu)."""


@dataclass(frozen=True)
class Outcome:
    """The engine's answer to one inbound message."""

    replies: tuple[Reply, ...]
    language: str | None
    flow: str | None
    intent: str | None = None
    confidence: float | None = None
    handoff: Handoff = Handoff.NONE
    exited: bool = False
    duplicate: bool = False
    started: bool = False
    """This message opened a new conversation (a channel may set up its controls)."""
    receipt: str | None = None
    """Where the replies are kept until the channel says they went out
    (``bot.store.answers``); None where nothing is kept."""
    speaker: Speaker = Speaker.HAVEN
    speaker_name: str | None = None
    """The advocate's name as the person is shown it; None: the role ("Advocate")."""

    def kept(self) -> str:
        """The replies as kept for a redelivery (``again``)."""
        replies = [
            {
                "text": reply.text,
                "options": [[choice.id, choice.label] for choice in reply.options],
                "rtl": reply.right_to_left,
            }
            for reply in self.replies
        ]
        body = {"replies": replies, "language": self.language, "handoff": self.handoff.value}
        return json.dumps(body, ensure_ascii=False)

    @classmethod
    def again(cls, kept: str, receipt: str) -> Outcome:
        """The outcome of a message already handled, for its redelivery: its replies,
        which may not have reached the person."""
        body = json.loads(kept)
        replies = tuple(
            Reply(
                reply["text"],
                tuple(Choice(id_, label) for id_, label in reply["options"]),
                reply["rtl"],
            )
            for reply in body["replies"]
        )
        return cls(
            replies=replies,
            language=body["language"],
            flow=None,
            handoff=Handoff(body["handoff"]),
            duplicate=True,
            receipt=receipt,
        )

    def keeping(self, receipt: str) -> Outcome:
        return replace(self, receipt=receipt)

    @property
    def with_person(self) -> bool:
        """A person is on the way or there: more may come without being asked for."""
        return self.handoff in ACTIVE
