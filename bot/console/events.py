"""The console's live stream, ``GET /advocate/api/events`` (Server-Sent Events).

Each open stream looks at the database about once a second and sends what
changed: ``queue`` (the waiting chats, in order), ``held`` (the chats this
advocate holds) and ``message`` (a new message in a chat this advocate holds;
admins too get only their own, so that reading another's chat is always a
``viewed`` entry in the audit log). Reading the
database rather than a process's memory means any worker may serve the stream
and any other worker may take the message. The stream ends with ``signed_out``
when the session ends or times out; watching does not count as activity.

(No ``from __future__ import annotations``: FastAPI reads the annotations.)
"""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from bot.console.accounts import Advocate
from bot.console.auth import ConsoleAuth
from bot.console.view import conversation_item, held_by, waiting
from bot.store.models import MessageRow
from bot.store.store import Line, Store

POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
"""A comment line this often keeps proxies from closing a quiet stream."""


@dataclass
class Watch:
    """What one stream has already sent."""

    start: int
    """Messages up to this id were there before the stream began (or were sent before a
    reconnection, by the browser's ``Last-Event-ID``); later ones are all sent."""
    queue: list[dict[str, Any]] | None = None
    held: list[dict[str, Any]] | None = None
    last_message: dict[str, int] = field(default_factory=dict)
    """Per held conversation, the id of the last message sent."""


def changes(store: Store, advocate: Advocate, watch: Watch) -> list[tuple[str, Any]]:
    """The events since the last look, as (name, data)."""
    events: list[tuple[str, Any]] = []
    with store.transaction() as tx:
        queue = [conversation_item(tx, row) for row in waiting(tx)]
        rows = held_by(tx, advocate)
        held = [conversation_item(tx, row) for row in rows]
        for row in rows:
            seen = watch.last_message.get(row.id, watch.start)
            lines = tx.messages_since(row.session_key, row.queued_at, after=seen)
            events += [("message", _message(row.id, line)) for line in lines]
            watch.last_message[row.id] = lines[-1].id if lines else seen
    if held != watch.held:
        events.insert(0, ("held", {"items": held}))
        watch.held = held
        kept = {item["id"] for item in held}
        watch.last_message = {id_: last for id_, last in watch.last_message.items() if id_ in kept}
    if queue != watch.queue:
        events.insert(0, ("queue", {"items": queue}))
        watch.queue = queue
    return events


def _message(conversation_id: str, line: Line) -> dict[str, Any]:
    return {
        "conversation": conversation_id,
        "id": line.id,
        "direction": line.direction,
        "text": line.text,
        "at": line.at.isoformat(),
    }


def starting_point(store: Store, last_event_id: str | None) -> int:
    """Where a stream starts: after the browser's last event, or after what is there now."""
    if last_event_id and last_event_id.isdigit():
        return int(last_event_id)
    with store.transaction() as tx:
        return int(tx.db.scalar(select(func.max(MessageRow.id))) or 0)


def frame(name: str, data: Any) -> str:
    """One event; a message carries its id, which the browser sends back on reconnecting."""
    ident = f"id: {data['id']}\n" if name == "message" else ""
    return f"event: {name}\n{ident}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def events_router(prefix: str, store: Store, auth: ConsoleAuth) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["advocate console"])
    Viewer = Annotated[Advocate, Depends(auth.viewer)]  # noqa: N806 (a type)

    @router.get(
        "/events",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def events(request: Request, advocate: Viewer) -> StreamingResponse:
        """Server-Sent Events: ``queue``, ``held``, ``message``, and ``signed_out`` at the end."""
        return StreamingResponse(
            _stream(request, advocate),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _stream(request: Request, advocate: Advocate) -> AsyncIterator[str]:
        last_event_id = request.headers.get("last-event-id")
        watch = Watch(await run_in_threadpool(starting_point, store, last_event_id))
        quiet = 0.0
        yield "retry: 3000\n\n"
        while not await request.is_disconnected():
            if not await run_in_threadpool(auth.still_signed_in, request):
                yield frame("signed_out", {})
                return
            found = await run_in_threadpool(changes, store, advocate, watch)
            for name, data in found:
                yield frame(name, data)
            quiet = 0.0 if found else quiet + POLL_SECONDS
            if quiet >= HEARTBEAT_SECONDS:
                yield ": still here\n\n"
                quiet = 0.0
            await asyncio.sleep(POLL_SECONDS)

    return router
