"""The interface every channel has."""

from __future__ import annotations

from typing import ClassVar, Protocol, TypeVar

from bot.core.messages import Inbound, Outcome

RawT_contra = TypeVar("RawT_contra", contravariant=True)
RenderedT_co = TypeVar("RenderedT_co", covariant=True)


class InputError(ValueError):
    """A raw event that cannot become a message; the text is safe to show the sender."""


class Channel(Protocol[RawT_contra, RenderedT_co]):
    name: ClassVar[str]

    def parse(self, raw: RawT_contra) -> Inbound:
        """The message in a raw event, or ``InputError``."""
        ...

    def render(self, outcome: Outcome) -> RenderedT_co:
        """What the channel sends back for an outcome."""
        ...
