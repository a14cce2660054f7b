"""The advocates' JSON API under ``/advocate/api/``, used by the console page.

Every call but login needs the console cookie (401 without); every change also
needs ``X-CSRF-Token`` (403 without). Advocates see the queue and the chats they
hold; admins see every chat. Conversation ids are the handoffs' random ids.

(No ``from __future__ import annotations`` here: FastAPI reads the dependency
annotations, which name aliases local to ``console_router``.)
"""

import hmac
import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from bot.advocates import Advocate, audit, log_in, log_out, session_of
from bot.config import Settings
from bot.handoff import ASSIGNED, CLOSED, NONE, QUEUED
from bot.models import AdvocateRow, HandoffRow
from bot.relay import Relay, RelayError
from bot.runtime import Runtime
from bot.store import utcnow

COOKIE = "haven_console"
PREFIX = "/advocate/api"
MAX_REPLY_CHARS = 1600


class Credentials(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class AvailabilityChange(BaseModel):
    available: bool


class AdvocateMessage(BaseModel):
    text: str = Field(min_length=1)


class Closing(BaseModel):
    outcome: str | None = Field(default=None, max_length=32)
    wipe: bool = False


def console_router(settings: Settings, runtime: Runtime, relay: Relay) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["advocate console"])
    store = runtime.store
    idle = timedelta(seconds=settings.console_idle)
    secure = settings.public_url.startswith("https://")

    def signed_in(request: Request) -> tuple[Advocate, str]:
        cookie = request.cookies.get(COOKIE)
        found = session_of(store, cookie, idle) if cookie else None
        if found is None:
            raise HTTPException(401, "sign in first")
        return found

    Session = Annotated[tuple[Advocate, str], Depends(signed_in)]  # noqa: N806 (a type)

    def changing(request: Request, session: Session) -> Advocate:
        advocate, csrf = session
        given = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(given.encode(), csrf.encode()):
            raise HTTPException(403, "missing or wrong X-CSRF-Token")
        return advocate

    def viewer(session: Session) -> Advocate:
        return session[0]

    Changing = Annotated[Advocate, Depends(changing)]  # noqa: N806 (a type)
    Viewer = Annotated[Advocate, Depends(viewer)]  # noqa: N806 (a type)

    @router.post("/login")
    def login(credentials: Credentials, response: Response) -> dict[str, str]:
        session = log_in(store, credentials.username, credentials.password)
        if session is None:
            raise HTTPException(401, "wrong name or password, or the account is locked")
        response.set_cookie(
            COOKIE,
            session.cookie,
            httponly=True,
            samesite="strict",
            secure=secure,
            path="/advocate",
        )
        return {"csrf_token": session.csrf_token}

    @router.post("/logout", status_code=204)
    def logout(request: Request, response: Response, _: Changing) -> None:
        log_out(store, request.cookies.get(COOKIE, ""))
        response.delete_cookie(COOKIE, path="/advocate")

    @router.post("/me/availability")
    def availability(change: AvailabilityChange, advocate: Changing) -> dict[str, bool]:
        with store.transaction() as tx:
            row = tx.db.get(AdvocateRow, advocate.id)
            assert row is not None
            row.available = change.available
            audit(tx, advocate.username, "available" if change.available else "unavailable")
        return {"available": change.available}

    @router.get("/queue")
    def queue(_: Viewer) -> dict[str, list[dict[str, Any]]]:
        with store.transaction() as tx:
            rows = tx.db.scalars(
                select(HandoffRow)
                .where(HandoffRow.state == QUEUED)
                .order_by(HandoffRow.priority.desc(), HandoffRow.queued_at)
            ).all()
            items = [_item(store, row) for row in rows]
        return {"items": items}

    @router.post("/conversations/{conversation_id}/claim")
    def claim(conversation_id: str, advocate: Changing) -> dict[str, Any]:
        with store.transaction() as tx:
            row = _handoff(tx, conversation_id)
            if row.state == ASSIGNED and row.assigned_to != advocate.id:
                raise HTTPException(409, "another advocate holds this chat")
            row.state, row.assigned_to, row.assigned_at = ASSIGNED, advocate.id, utcnow()
            _set_session_handoff(tx, row.session_key, ASSIGNED)
            audit(tx, advocate.username, "claimed", row.id)
            return _item(store, row)

    @router.get("/conversations/{conversation_id}")
    def conversation(conversation_id: str, advocate: Viewer) -> dict[str, Any]:
        with store.transaction() as tx:
            row = _held(tx, conversation_id, advocate)
            summary = json.loads(store.keys.decrypt(row.summary))
            messages = tx.transcript_since(row.session_key, row.queued_at)
            audit(tx, advocate.username, "viewed", row.id)
            return {
                **_item(store, row),
                "summary": summary,
                "messages": [{"direction": d, "text": t} for d, t in messages],
            }

    @router.post("/conversations/{conversation_id}/messages")
    async def reply(
        conversation_id: str, message: AdvocateMessage, advocate: Changing
    ) -> dict[str, str]:
        if len(message.text) > MAX_REPLY_CHARS:
            raise HTTPException(413, f"a reply has at most {MAX_REPLY_CHARS} characters")
        channel, address, key = await run_in_threadpool(_target, conversation_id, advocate)
        try:
            await relay.send(channel, address, message.text)
        except RelayError as exc:
            raise HTTPException(502, str(exc)) from exc
        await run_in_threadpool(_record_reply, key, conversation_id, advocate, message.text)
        return {"status": "sent"}

    def _target(conversation_id: str, advocate: Advocate) -> tuple[str, str, str]:
        with store.transaction() as tx:
            row = _held(tx, conversation_id, advocate)
            if row.state != ASSIGNED:
                raise HTTPException(409, "claim the chat first")
            return row.channel, store.keys.decrypt(row.address), row.session_key

    def _record_reply(key: str, conversation_id: str, advocate: Advocate, text: str) -> None:
        with store.transaction() as tx:
            tx.append_message(key, "out", text, utcnow())
            audit(tx, advocate.username, "replied", conversation_id)

    @router.post("/conversations/{conversation_id}/close")
    async def close(
        conversation_id: str, closing: Closing, advocate: Changing
    ) -> dict[str, str | bool]:
        ended = await run_in_threadpool(_close, conversation_id, closing, advocate)
        if ended is None:
            return {"state": "wiped"}
        channel, address, language = ended
        text = runtime.engine.catalogs.text(language, "handoff.closed")
        try:
            await relay.send(channel, address, text)
        except RelayError:
            return {"state": CLOSED, "told": False}  # the console shows it was not delivered
        return {"state": CLOSED, "told": True}

    def _close(
        conversation_id: str, closing: Closing, advocate: Advocate
    ) -> tuple[str, str, str] | None:
        """Close (or wipe); returns where to tell the person, and in which language."""
        with store.transaction() as tx:
            row = _held(tx, conversation_id, advocate)
            if closing.wipe:
                tx.wipe(row.session_key)
                audit(tx, advocate.username, "wiped", conversation_id)
                return None
            row.state, row.closed_at, row.outcome = CLOSED, utcnow(), closing.outcome
            conversation = tx.load(row.session_key)
            language = conversation.language if conversation else "en"
            if conversation is not None:
                conversation.handoff, conversation.flow, conversation.step = NONE, "menu", "choose"
                conversation.last_active = utcnow()  # the retention clock starts again
                tx.save(conversation)
            audit(tx, advocate.username, "closed", conversation_id)
            return row.channel, store.keys.decrypt(row.address), language

    def _held(tx: Any, conversation_id: str, advocate: Advocate) -> HandoffRow:
        row = _handoff(tx, conversation_id)
        if not advocate.is_admin and row.assigned_to != advocate.id:
            raise HTTPException(403, "this chat is not yours")
        return row

    return router


def _handoff(tx: Any, conversation_id: str) -> HandoffRow:
    row: HandoffRow | None = tx.db.get(HandoffRow, conversation_id[:32])
    if row is None or row.state == CLOSED:
        raise HTTPException(404, "no such conversation")
    return row


def _set_session_handoff(tx: Any, key: str, state: str) -> None:
    conversation = tx.load(key)
    if conversation is not None:
        conversation.handoff = state
        tx.save(conversation)


def _item(store: Any, row: HandoffRow) -> dict[str, Any]:
    summary = json.loads(store.keys.decrypt(row.summary))
    return {
        "id": row.id,
        "channel": row.channel,
        "language": summary.get("language"),
        "country": summary.get("country"),
        "priority": "emergency" if row.priority else "normal",
        "state": row.state,
        "waiting_since": row.queued_at.isoformat(),
        "assigned": row.assigned_to is not None,
    }
