"""Handing a chat over in the console API: a transfer with its note, an admin taking over.

Either way the person is told the chat was handed over, the change is audited, and the
answer says who holds it now, where they are, and whether the person was told: what the
page needs to confirm it.

(No ``from __future__ import annotations``: FastAPI reads the dependency annotations.)
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from starlette.concurrency import run_in_threadpool

from bot.console.accounts import Advocate, audit
from bot.console.auth import PREFIX, ConsoleAuth
from bot.console.handover import Holders, Notice, advocate_named, keep_handover_note
from bot.console.models import Handed, Transfer
from bot.console.presence import roster
from bot.console.relay import Relay
from bot.console.view import conversation_item, handoff_or_404, held_or_403
from bot.core.states import Handoff
from bot.handoff.notices import Presence
from bot.runtime import Runtime
from bot.store.models import AdvocateRow, HandoffRow
from bot.store.store import Transaction
from common.clock import utcnow


def handover_router(runtime: Runtime, relay: Relay, auth: ConsoleAuth) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["advocate console"])
    store = runtime.store
    holders = Holders(runtime.settings, runtime.engine.catalogs)
    Changer = Annotated[Advocate, Depends(auth.changer)]  # noqa: N806 (a type)
    Admin = Annotated[Advocate, Depends(auth.admin)]  # noqa: N806 (a type)

    @router.post("/conversations/{conversation_id}/transfer")
    async def transfer(conversation_id: str, to: Transfer, advocate: Changer) -> Handed:
        """Hand a held chat to another advocate, with an optional note only they see; the
        person is told. 409 to whoever holds it already."""
        handed, notice = await run_in_threadpool(_transfer, conversation_id, to, advocate)
        return await _told(handed, notice)

    def _transfer(
        conversation_id: str, to: Transfer, advocate: Advocate
    ) -> tuple[Handed, Notice | None]:
        now = utcnow()
        with store.transaction() as tx:
            row = held_or_403(tx, conversation_id, advocate)
            if row.state != Handoff.ASSIGNED:
                raise HTTPException(409, "claim the chat first")
            target = advocate_named(tx, to.to)
            if target.id == row.assigned_to:
                raise HTTPException(409, f"{target.name} holds this chat already")
            before = _username(tx, row)
            note = (to.note or "").strip()
            if note:
                keep_handover_note(tx, row, advocate, target, note, now)
            notice = holders.hold(tx, row, target, Presence.HANDED_OVER, now)
            audit(tx, advocate.username, "transferred", row.id)
            return _handed(tx, row, target, before, bool(note)), notice

    @router.post("/conversations/{conversation_id}/take-over")
    async def take_over(conversation_id: str, admin: Admin) -> Handed:
        """Admins: hold a chat another holds (or a waiting one), to write in it; audited,
        and the person is told."""
        handed, notice = await run_in_threadpool(_take_over, conversation_id, admin)
        return await _told(handed, notice)

    def _take_over(conversation_id: str, admin: Advocate) -> tuple[Handed, Notice | None]:
        with store.transaction() as tx:
            row = handoff_or_404(tx, conversation_id)
            before = _username(tx, row)
            if row.state == Handoff.ASSIGNED and row.assigned_to == admin.id:
                return _handed(tx, row, admin, before, False), None
            event = Presence.HANDED_OVER if row.state == Handoff.ASSIGNED else Presence.JOINED
            notice = holders.hold(tx, row, admin, event, utcnow())
            audit(tx, admin.username, "taken_over", row.id)
            return _handed(tx, row, admin, before, False), notice

    async def _told(handed: Handed, notice: Notice | None) -> Handed:
        told = await notice.send(relay) if notice is not None else False
        return handed.model_copy(update={"told": told})

    def _handed(
        tx: Transaction, row: HandoffRow, holder: Advocate, before: str | None, note: bool
    ) -> Handed:
        (account,) = [each for each in roster(tx, auth.idle) if each.username == holder.username]
        return Handed(
            **dict(conversation_item(tx, row)),
            to=account,
            from_=before,
            note_kept=note,
            told=False,
        )

    def _username(tx: Transaction, row: HandoffRow) -> str | None:
        holder = tx.db.get(AdvocateRow, row.assigned_to) if row.assigned_to is not None else None
        return holder.username if holder else None

    return router
