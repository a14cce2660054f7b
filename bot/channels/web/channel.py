"""The web chat as the registry knows it: the page and its JSON endpoints, and its outbox.

What goes out outside a request (an advocate's words) waits, encrypted, in the
outbox until the page fetches it. The page is Haven's own, so no provider keeps
a copy to delete.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from bot.channels import base
from bot.channels.base import DeliveryError, Handle, NoProvider
from bot.channels.web import adapter, outbox
from bot.channels.web.adapter import Posted
from bot.channels.web.routes import web_router
from bot.config import Settings
from bot.core.messages import Inbound, Outcome
from bot.store.store import Store


class WebChannel(NoProvider):
    name: ClassVar[str] = adapter.NAME

    def __init__(self, settings: Settings, store: Store, handle: Handle) -> None:
        self.store = store
        self.router: APIRouter = web_router(settings, store, handle, self)

    def parse(self, raw: Posted) -> Inbound:
        return adapter.parse(raw)

    def render(self, outcome: Outcome) -> dict[str, Any]:
        return adapter.render(outcome)

    async def send(self, address: str, outcome: Outcome) -> None:
        await run_in_threadpool(self._post, address, adapter.pushed(outcome))

    def _post(self, sender: str, items: list[dict[str, Any]]) -> None:
        key = self.store.keys.session_key(self.name, sender)
        try:
            with self.store.transaction() as tx:
                outbox.post(tx, key, items)
        except outbox.LeftError:
            raise DeliveryError("the person has left the web chat") from None


KEEPS_THE_CONTRACT: type[base.Channel[Posted, dict[str, Any]]] = WebChannel
"""Nothing at run time: mypy checks here that the class satisfies ``Channel``."""
