"""The chats in the console API: the queue, the chats held, and working one of them.

Advocates see the queue and the chats they hold; admins see every chat.
Conversation ids are the handoffs' random ids. Signing in is
``bot.console.session_api``; authentication and CSRF rules are in
``bot.console.auth``; accounts and opening hours in ``bot.console.admin_api``.

(No ``from __future__ import annotations`` here: FastAPI reads the dependency
annotations, which name aliases local to ``chats_router``.)
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from prometheus_client import Counter
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from bot.console.accounts import Advocate, audit
from bot.console.auth import PREFIX, ConsoleAuth
from bot.console.canned import canned_responses
from bot.console.handover import Holders, Notice, holder_name
from bot.console.models import (
    MAX_NOTE_CHARS,
    MAX_REPLY_CHARS,
    AdvocateMessage,
    CannedTexts,
    Closed,
    Closing,
    Conversation,
    ConversationItem,
    ConversationList,
    Delivery,
    Handover,
    Note,
    NoteShown,
    Sent,
    Wiped,
)
from bot.console.relay import Delivered, Relay, RelayError
from bot.console.transcript import lines, record
from bot.console.view import (
    conversation_item,
    handoff_or_404,
    held_by,
    held_or_403,
    summary_of,
    waiting,
)
from bot.core.messages import Outcome
from bot.core.states import Handoff
from bot.handoff.notices import Presence, shown_name
from bot.runtime import Runtime
from bot.store.models import AdvocateRow, HandoffRow, NoteRow
from bot.store.store import Transaction
from common.clock import aware, utcnow

HANDOFFS_CLOSED = Counter(
    "haven_handoffs_closed",
    "Chats closed from the console, by outcome category: numbers that outlive the chats",
    ["outcome"],
)


def chats_router(runtime: Runtime, relay: Relay, auth: ConsoleAuth) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["advocate console"])
    store, engine = runtime.store, runtime.engine
    holders = Holders(runtime.settings, engine.catalogs)
    Viewer = Annotated[Advocate, Depends(auth.viewer)]  # noqa: N806 (a type)
    Changer = Annotated[Advocate, Depends(auth.changer)]  # noqa: N806 (a type)

    @router.get("/queue")
    def queue(_: Viewer) -> ConversationList:
        """Waiting chats in the order to take them: emergencies first, then the longest wait."""
        with store.transaction() as tx:
            return ConversationList(items=[conversation_item(tx, row) for row in waiting(tx)])

    @router.get("/conversations")
    def held(advocate: Viewer, everyone: bool = False) -> ConversationList:
        """The chats this advocate holds; ``everyone=true`` (admins): every held chat."""
        if everyone and not advocate.is_admin:
            raise HTTPException(403, "only admins may see every chat")
        with store.transaction() as tx:
            rows = held_by(tx, None if everyone else advocate)
            return ConversationList(items=[conversation_item(tx, row) for row in rows])

    @router.post("/conversations/{conversation_id}/claim")
    async def claim(conversation_id: str, advocate: Changer) -> ConversationItem:
        """Take a waiting chat; the person is told an advocate joined."""
        item, notice = await run_in_threadpool(_claim, conversation_id, advocate)
        if notice is not None:
            await notice.send(relay)
        return item

    def _claim(conversation_id: str, advocate: Advocate) -> tuple[ConversationItem, Notice | None]:
        with store.transaction() as tx:
            row = handoff_or_404(tx, conversation_id)
            notice = None
            if row.state == Handoff.ASSIGNED and row.assigned_to != advocate.id:
                instead = ": take it over instead" if advocate.is_admin else ""
                raise HTTPException(409, f"{holder_name(tx, row)} holds this chat{instead}")
            if row.state != Handoff.ASSIGNED:  # not when the holder claims again
                notice = holders.hold(tx, row, advocate, Presence.JOINED, utcnow())
                audit(tx, advocate.username, "claimed", row.id)
            return conversation_item(tx, row), notice

    @router.get("/conversations/{conversation_id}")
    def conversation(conversation_id: str, advocate: Viewer) -> Conversation:
        """The summary the person agreed to, the chat since the handoff, and the notes."""
        with store.transaction() as tx:
            row = held_or_403(tx, conversation_id, advocate)
            notes = [
                _shown(tx, note)
                for note in tx.db.scalars(
                    select(NoteRow)
                    .where(NoteRow.session_key == row.session_key)
                    .order_by(NoteRow.id)
                )
            ]
            audit(tx, advocate.username, "viewed", row.id)
            item = conversation_item(tx, row)
            return Conversation(
                **dict(item),
                summary=summary_of(tx, row),
                messages=lines(tx, row),
                notes=notes,
                handover=_handover(notes, item.assigned_to),
            )

    def _shown(tx: Transaction, note: NoteRow) -> NoteShown:
        author = tx.db.scalar(select(AdvocateRow).where(AdvocateRow.username == note.author))
        return NoteShown(
            author=note.author,
            author_name=(author.display_name or author.username) if author else note.author,
            text=tx.keys.decrypt(note.body),
            at=aware(note.created_at),
            handover_to=note.handover_to,
        )

    def _handover(notes: list[NoteShown], holder: str | None) -> Handover | None:
        """The newest note written when the chat was handed to its holder."""
        for note in reversed(notes):
            if holder is not None and note.handover_to == holder:
                return Handover(
                    from_=note.author, from_name=note.author_name, text=note.text, at=note.at
                )
        return None

    @router.get("/conversations/{conversation_id}/canned")
    def canned(conversation_id: str, advocate: Viewer) -> CannedTexts:
        """Standard texts in the person's language: safety plan, lines, checking in."""
        with store.transaction() as tx:
            row = held_or_403(tx, conversation_id, advocate)
            person = tx.load(row.session_key)
            if person is None:
                raise HTTPException(404, "no such conversation")
        return CannedTexts(
            language=person.language,
            items=canned_responses(engine.catalogs, engine.actions, person),
        )

    @router.post("/conversations/{conversation_id}/messages")
    async def reply(conversation_id: str, message: AdvocateMessage, advocate: Changer) -> Sent:
        """Send the advocate's words on the person's channel; 502 says why it failed. Only
        the holder writes: an admin takes another's chat over first (409 says so)."""
        if len(message.text) > MAX_REPLY_CHARS:
            raise HTTPException(413, f"a reply has at most {MAX_REPLY_CHARS} characters")
        channel, address, outcome = await run_in_threadpool(
            _outgoing, conversation_id, advocate, message.text
        )
        try:
            delivered = await relay.deliver(channel, address, outcome)
        except RelayError as exc:
            raise HTTPException(502, f"not delivered: {exc}") from exc
        return await run_in_threadpool(_record_reply, conversation_id, advocate, outcome, delivered)

    def _outgoing(conversation_id: str, advocate: Advocate, text: str) -> tuple[str, str, Outcome]:
        with store.transaction() as tx:
            row = held_or_403(tx, conversation_id, advocate)
            if row.state != Handoff.ASSIGNED:
                raise HTTPException(409, "claim the chat first")
            if row.assigned_to != advocate.id:
                raise HTTPException(
                    409, f"{holder_name(tx, row)} holds this chat: take it over first"
                )
            person = tx.load(row.session_key)
            if person is None:
                raise HTTPException(404, "no such conversation")
            said = engine.advocate_says(
                person, text, name=shown_name(runtime.settings, advocate.name)
            )
            return row.channel, tx.keys.decrypt(row.address), said

    def _record_reply(
        conversation_id: str, advocate: Advocate, outcome: Outcome, delivered: Delivered
    ) -> Sent:
        now = utcnow()
        with store.transaction() as tx:
            row = tx.db.get(HandoffRow, conversation_id)
            audit(tx, advocate.username, "replied", conversation_id)
            if row is not None:
                tx.lock(row.session_key)  # numbered after the messages committed before it
            line_id: int | None = None
            delivery: Delivery = delivered.state
            if row is not None and tx.session_exists(row.session_key):
                text = outcome.replies[0].text
                line_id, delivery = record(tx, row, advocate, text, delivered, now)
            # else the person erased the chat while the reply was on its way
        return Sent(
            status="sent",
            id=line_id,
            at=now,
            author=advocate.username,
            author_name=advocate.name,
            delivery=delivery,
        )

    @router.post("/conversations/{conversation_id}/notes", status_code=201)
    def add_note(conversation_id: str, note: Note, advocate: Changer) -> NoteShown:
        """A private note for advocates; it is erased with the conversation."""
        if len(note.text) > MAX_NOTE_CHARS:
            raise HTTPException(413, f"a note has at most {MAX_NOTE_CHARS} characters")
        with store.transaction() as tx:
            row = held_or_403(tx, conversation_id, advocate)
            now = utcnow()
            tx.db.add(
                NoteRow(
                    session_key=row.session_key,
                    author=advocate.username,
                    body=tx.keys.encrypt(note.text),
                    created_at=now,
                )
            )
            audit(tx, advocate.username, "noted", row.id)
        return NoteShown(
            author=advocate.username, author_name=advocate.name, text=note.text, at=now
        )

    @router.post("/conversations/{conversation_id}/close")
    async def close(conversation_id: str, closing: Closing, advocate: Changer) -> Closed | Wiped:
        """Return the person to the bot (they are told, and see the menu), or erase it all."""
        ended = await run_in_threadpool(_close, conversation_id, closing, advocate)
        HANDOFFS_CLOSED.labels(outcome=closing.outcome or "none").inc()
        if ended is None:
            return Wiped(state="wiped")
        channel, address, outcome = ended
        try:
            await relay.deliver(channel, address, outcome)
        except RelayError as exc:
            return Closed(state=Handoff.CLOSED, told=False, error=f"not delivered: {exc}")
        return Closed(state=Handoff.CLOSED, told=True)

    def _close(
        conversation_id: str, closing: Closing, advocate: Advocate
    ) -> tuple[str, str, Outcome] | None:
        """Close (or wipe); returns where to tell the person, and what."""
        with store.transaction() as tx:
            row = held_or_403(tx, conversation_id, advocate)
            if closing.wipe:  # the person may write again: a new conversation then begins
                tx.wipe(row.session_key, by_the_person=False)
                audit(tx, advocate.username, "wiped", conversation_id)
                return None
            now = utcnow()
            row.state, row.closed_at, row.outcome = Handoff.CLOSED, now, closing.outcome
            audit(tx, advocate.username, "closed", conversation_id)
            address = tx.keys.decrypt(row.address)
            person = tx.load(row.session_key)
            if person is None:
                raise HTTPException(404, "no such conversation")
            return row.channel, address, engine.back_to_bot(tx, person, now)

    return router
