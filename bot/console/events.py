"""The console's live stream, ``GET /advocate/api/events`` (Server-Sent Events).

Each open stream looks at the database about once a second, and at once when any
worker commits a change it shows (PostgreSQL's ``NOTIFY``, ``bot.console.listen``); it
sends what changed: ``queue`` (the waiting chats, in order), ``held`` (the chats this
advocate holds) and ``message`` (a new message in a chat this advocate holds;
admins too get only their own, so that reading another's chat is always a
``viewed`` entry in the audit log). Reading the
database rather than a process's memory means any worker may serve the stream
and any other worker may take the message; the poll alone tells of a change on
SQLite, and of a session that timed out. The stream ends with ``signed_out``
when the session ends or times out; watching does not count as activity.

FastAPI writes the events and, when nothing was sent for 15 seconds, a comment
that keeps proxies from closing a quiet stream.

(No ``from __future__ import annotations``: FastAPI reads the annotations.)
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from bot.console.accounts import Advocate
from bot.console.auth import PREFIX, ConsoleAuth
from bot.console.listen import Wakeups
from bot.console.models import ConversationItem, ConversationList, NewMessage
from bot.console.view import conversation_item, held_by, waiting
from bot.store.models import MessageRow
from bot.store.store import Store

POLL_SECONDS = 1.0
"""The longest a stream goes without looking, woken or not."""
RETRY_MILLISECONDS = 3000
"""How long a browser waits before reconnecting a dropped stream."""
DESCRIPTION = """Server-Sent Events, each with JSON data:

- `queue`: the waiting chats (`ConversationList`), at the start and whenever the queue changes;
- `held`: the chats this advocate holds (`ConversationList`), likewise;
- `message`: a new message in a held chat (`NewMessage`); its `id` is the message's, which the
  browser sends back as `Last-Event-ID` on reconnecting, so nothing is missed or sent twice;
- `signed_out` (`{}`): the session ended; the stream ends with it.
"""


@dataclass
class Watch:
    """What one stream has already sent."""

    start: int
    """Messages up to this id were there before the stream began (or were sent before a
    reconnection, by the browser's ``Last-Event-ID``); later ones are all sent."""
    queue: list[ConversationItem] | None = None
    held: list[ConversationItem] | None = None
    last_message: dict[str, int] = field(default_factory=dict)
    """Per held conversation, the id of the last message sent."""


def changes(store: Store, advocate: Advocate, watch: Watch) -> list[ServerSentEvent]:
    """The events since the last look."""
    events: list[ServerSentEvent] = []
    with store.reading() as tx:
        queue = [conversation_item(tx, row) for row in waiting(tx)]
        rows = held_by(tx, advocate)
        held = [conversation_item(tx, row) for row in rows]
        for row in rows:
            seen = watch.last_message.get(row.id, watch.start)
            lines = tx.messages_since(row.session_key, row.queued_at, after=seen)
            events += [
                ServerSentEvent(
                    event="message",
                    id=str(line.id),
                    data=NewMessage(
                        conversation=row.id,
                        id=line.id,
                        direction=line.direction,
                        text=line.text,
                        at=line.at,
                    ),
                )
                for line in lines
            ]
            watch.last_message[row.id] = lines[-1].id if lines else seen
    if held != watch.held:
        events.insert(0, ServerSentEvent(event="held", data=ConversationList(items=held)))
        watch.held = held
        kept = {item.id for item in held}
        watch.last_message = {id_: last for id_, last in watch.last_message.items() if id_ in kept}
    if queue != watch.queue:
        events.insert(0, ServerSentEvent(event="queue", data=ConversationList(items=queue)))
        watch.queue = queue
    return events


def starting_point(store: Store, last_event_id: str | None) -> int:
    """Where a stream starts: after the browser's last event, or after what is there now."""
    if last_event_id and last_event_id.isdigit():
        return int(last_event_id)
    with store.reading() as tx:
        return int(tx.db.scalar(select(func.max(MessageRow.id))) or 0)


def events_router(store: Store, auth: ConsoleAuth) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["advocate console"])
    wakeups = Wakeups.of(store.engine)
    Viewer = Annotated[Advocate, Depends(auth.viewer)]  # noqa: N806 (a type)

    def start(last_event_id: Annotated[str | None, Header()] = None) -> int:
        """Taken before the response begins: a message that arrives once the browser sees
        the stream open comes after this point, never before it."""
        return starting_point(store, last_event_id)

    @router.get("/events", response_class=EventSourceResponse, description=DESCRIPTION)
    async def events(
        request: Request,
        advocate: Viewer,
        after: Annotated[int, Depends(start)],
    ) -> AsyncIterator[ServerSentEvent]:
        watch = Watch(after)
        yield ServerSentEvent(retry=RETRY_MILLISECONDS)
        while not await request.is_disconnected():
            ticket = wakeups.ticket()
            if not await run_in_threadpool(auth.still_signed_in, request):
                yield ServerSentEvent(event="signed_out", data={})
                return
            for event in await run_in_threadpool(changes, store, advocate, watch):
                yield event
            await wakeups.wait(ticket, POLL_SECONDS)

    return router
