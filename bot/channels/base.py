"""The contract every channel keeps, in the shape of courier's handlers and Rasa's channels.

A channel is one object: its provider's webhooks (a FastAPI router), ``parse``
from the provider's raw event to an ``Inbound``, ``render`` of the engine's
``Outcome`` for its medium (cut to the provider's limits), ``send`` for what
goes out outside a request (an advocate's words), and the deletion of the
copies its provider keeps. The registry (``bot.channels.registry``) builds the
configured ones; nothing else needs to know which channels exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Protocol, TypeVar

from fastapi import APIRouter

from bot.core.messages import Inbound, Outcome

RawT_contra = TypeVar("RawT_contra", contravariant=True)
RenderedT_co = TypeVar("RenderedT_co", covariant=True)

Handle = Callable[[Inbound], Outcome]
"""The engine's one entry point, which a channel's routes call in a worker thread."""


class InputError(ValueError):
    """A raw event that cannot become a message; the text is safe to show the sender."""


class DeliveryError(RuntimeError):
    """The provider did not take a message; the text says why, safe to show an advocate."""


class Channel(Protocol[RawT_contra, RenderedT_co]):
    """One medium Haven talks on; ``RawT`` is what its provider sends, ``RenderedT`` its answer."""

    name: ClassVar[str]
    """The channel's name in stored conversations and in ``Inbound.channel``."""

    @property
    def router(self) -> APIRouter | None:
        """The routes its provider (or its page) calls; None where there are none."""
        ...

    def parse(self, raw: RawT_contra) -> Inbound | None:
        """The message in a raw event; None for an event that is none of Haven's business
        (a group chat, an edit), or ``InputError``."""
        ...

    def render(self, outcome: Outcome) -> RenderedT_co:
        """What the channel sends back for an outcome, within its provider's limits."""
        ...

    async def send(self, address: str, outcome: Outcome) -> None:
        """Deliver an outcome to ``address`` outside a request, or raise ``DeliveryError``."""
        ...

    async def delete_copies(self) -> int:
        """Delete the provider's copies that are due; how many went (0 where it keeps none)."""
        ...

    @property
    def state(self) -> str:
        """``ok``; ``connecting``; or ``degraded: <why>`` while its provider cannot be reached,
        in words that name no one (``GET /readyz`` shows it)."""
        ...

    async def start(self) -> None:
        """Open what the channel needs while the server runs (its provider's client).

        Never fails the server: a provider that cannot be reached is connected in the
        background meanwhile, and ``state`` says so."""
        ...

    async def stop(self) -> None: ...


class NoProvider:
    """For a channel with no provider behind it (the web chat, the terminal): no client to
    start or stop, and no copies kept anywhere else to delete."""

    @property
    def state(self) -> str:
        return "ok"

    async def delete_copies(self) -> int:
        return 0

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
