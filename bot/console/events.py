"""The console's live stream, ``GET /advocate/api/events`` (Server-Sent Events).

Each open stream looks at the database about once a second, and at once when any
worker commits a change it shows (PostgreSQL's ``NOTIFY``, ``bot.console.listen``); it
sends what changed: ``queue`` (the waiting chats, in order), ``held`` (the chats this
advocate holds), ``message`` (a new message in a chat this advocate holds;
admins too get only their own, so that reading another's chat is always a
``viewed`` entry in the audit log), ``delivery`` (an advocate message got further),
``availability`` (the advocate's own) and ``session`` (when it ends); admins also get
``presence`` (every account) and ``supervision`` (every held chat). Reading the
database rather than a process's memory means any worker may serve the stream
and any other worker may take the message; the poll alone tells of a change on
SQLite, and of a session that timed out. The stream ends with ``signed_out``
when the session ends or times out; watching does not count as activity.

An open stream is the advocate's sign of life (``bot.console.presence``): it records one
every ``HEARTBEAT``, and an advocate whose stream is lost stops counting for the queue.

FastAPI writes the events and, when nothing was sent for 15 seconds, a comment
that keeps proxies from closing a quiet stream.

(No ``from __future__ import annotations``: FastAPI reads the annotations.)
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from bot.console.accounts import Advocate
from bot.console.auth import PREFIX, ConsoleAuth
from bot.console.listen import Wakeups
from bot.console.models import (
    Account,
    Accounts,
    AvailabilityShown,
    ConversationItem,
    ConversationList,
    Delivery,
    DeliveryChange,
    NewMessage,
)
from bot.console.presence import HEARTBEAT, beat, own, roster
from bot.console.transcript import deliveries, lines
from bot.console.view import conversation_item, held_by, waiting
from bot.store.models import MessageRow
from bot.store.store import Store
from common.clock import utcnow

POLL_SECONDS = 1.0
"""The longest a stream goes without looking, woken or not."""
RETRY_MILLISECONDS = 3000
"""How long a browser waits before reconnecting a dropped stream."""
DESCRIPTION = """Server-Sent Events, each with JSON data:

- `queue`: the waiting chats (`ConversationList`), at the start and whenever the queue changes;
- `held`: the chats this advocate holds (`ConversationList`), likewise;
- `message`: a new message in a held chat (`NewMessage`); its `id` is the message's, which the
  browser sends back as `Last-Event-ID` on reconnecting, so nothing is missed or sent twice;
- `delivery`: an advocate message in a held chat got further, or failed (`DeliveryChange`);
- `availability`: the advocate's own choice and presence (`AvailabilityShown`), at the start
  and on change (signed out elsewhere, a session that timed out);
- `session`: when the session ends without activity (`SessionClock`), at the start and
  whenever a call moves it;
- admins only: `presence` (`Accounts`: every account and where it is) and `supervision`
  (`ConversationList`: every held chat), at the start and on change;
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
    deliveries: dict[str, dict[int, Delivery]] = field(default_factory=dict)
    """Per held conversation, each advocate message's delivery as last told."""
    availability: AvailabilityShown | None = None
    roster: list[Account] | None = None
    everyone: list[ConversationItem] | None = None
    """Admins: every held chat."""
    expires_at: datetime | None = None
    beaten_at: datetime | None = None
    """When this stream last recorded the advocate's sign of life."""


def changes(store: Store, advocate: Advocate, watch: Watch) -> list[ServerSentEvent]:
    """The events since the last look."""
    events: list[ServerSentEvent] = []
    with store.reading() as tx:
        queue = [conversation_item(tx, row) for row in waiting(tx)]
        rows = held_by(tx, advocate)
        held = [conversation_item(tx, row) for row in rows]
        for row in rows:
            seen = watch.last_message.get(row.id, watch.start)
            told = watch.deliveries.setdefault(row.id, {})
            new = lines(tx, row, after=seen)
            for line in new:
                data = NewMessage(conversation=row.id, **dict(line))
                events.append(ServerSentEvent(event="message", id=str(line.id), data=data))
                if line.delivery is not None:
                    told[line.id] = line.delivery
            watch.last_message[row.id] = new[-1].id if new else seen
            events += _delivered(row.id, deliveries(tx, row), told, watch.start)
        availability = own(tx, advocate)
    if held != watch.held:
        events.insert(0, ServerSentEvent(event="held", data=ConversationList(items=held)))
        watch.held = held
        kept = {item.id for item in held}
        watch.last_message = {id_: last for id_, last in watch.last_message.items() if id_ in kept}
        watch.deliveries = {id_: told for id_, told in watch.deliveries.items() if id_ in kept}
    if queue != watch.queue:
        events.insert(0, ServerSentEvent(event="queue", data=ConversationList(items=queue)))
        watch.queue = queue
    if availability != watch.availability:
        events.insert(0, ServerSentEvent(event="availability", data=availability))
        watch.availability = availability
    return events


def _delivered(
    conversation: str, now: dict[int, Delivery], told: dict[int, Delivery], start: int
) -> list[ServerSentEvent]:
    """``delivery`` events for messages that got further since they were told; those from
    before the stream began are taken as the page read them, at first sight."""
    events = []
    for id_, state in now.items():
        if id_ not in told and id_ <= start:
            told[id_] = state
        elif told.get(id_) != state:
            told[id_] = state
            change = DeliveryChange(conversation=conversation, id=id_, delivery=state)
            events.append(ServerSentEvent(event="delivery", data=change))
    return events


def supervision(store: Store, watch: Watch, idle: timedelta) -> list[ServerSentEvent]:
    """Admins' events since the last look: where every advocate is, every held chat."""
    events = []
    with store.reading() as tx:
        accounts = roster(tx, idle)
        everyone = [conversation_item(tx, row) for row in held_by(tx, None)]
    if accounts != watch.roster:
        events.append(ServerSentEvent(event="presence", data=Accounts(items=accounts)))
        watch.roster = accounts
    if everyone != watch.everyone:
        events.append(ServerSentEvent(event="supervision", data=ConversationList(items=everyone)))
        watch.everyone = everyone
    return events


def alive(store: Store, advocate: Advocate, watch: Watch) -> None:
    """Record the advocate's sign of life, every ``HEARTBEAT`` of the stream."""
    now = utcnow()
    if watch.beaten_at is None or now - watch.beaten_at >= HEARTBEAT:
        beat(store, advocate.id, now)
        watch.beaten_at = now


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
            session = await run_in_threadpool(auth.watching, request)
            if session is None:
                yield ServerSentEvent(event="signed_out", data={})
                return
            await run_in_threadpool(alive, store, advocate, watch)
            if session.expires_at != watch.expires_at:
                yield ServerSentEvent(event="session", data=auth.clock(session))
                watch.expires_at = session.expires_at
            for event in await run_in_threadpool(changes, store, advocate, watch):
                yield event
            if advocate.is_admin:
                for event in await run_in_threadpool(supervision, store, watch, auth.idle):
                    yield event
            await wakeups.wait(ticket, POLL_SECONDS)

    return router
