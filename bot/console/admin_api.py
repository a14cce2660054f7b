"""Admins' part of the console API: accounts, opening hours, and the supervisor's view.

Every advocate may list the accounts with where each one is (to choose whom to
transfer a chat to) and read the opening hours; only admins change them, and only
admins see every held chat (``supervision``).

(No ``from __future__ import annotations``: FastAPI reads the annotations.)
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from bot.config import ConfigError
from bot.console.accounts import (
    AccountError,
    Advocate,
    add_advocate,
    audit,
    remove_advocate,
)
from bot.console.auth import PREFIX, ConsoleAuth
from bot.console.models import (
    AccountAdded,
    Accounts,
    HoursChange,
    NewAccount,
    OpeningHoursShown,
    Supervision,
)
from bot.console.presence import roster
from bot.console.view import conversation_item, held_by
from bot.core.states import Role
from bot.handoff.availability import Availability, OpeningHours
from bot.store.store import Store
from common.clock import utcnow


def admin_router(store: Store, availability: Availability, auth: ConsoleAuth) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["advocate console"])
    Viewer = Annotated[Advocate, Depends(auth.viewer)]  # noqa: N806 (a type)
    Admin = Annotated[Advocate, Depends(auth.admin)]  # noqa: N806 (a type)

    @router.get("/advocates")
    def accounts(_: Viewer) -> Accounts:
        """Every account and where it is: ``available`` only while it takes chats now."""
        with store.transaction() as tx:
            return Accounts(items=roster(tx, auth.idle))

    @router.get("/supervision")
    def supervision(advocate: Viewer) -> Supervision:
        """Admins: every held chat, who holds it and since when, and every advocate's presence."""
        if not advocate.is_admin:
            raise HTTPException(403, "only admins may do this")
        with store.transaction() as tx:
            held = [conversation_item(tx, row) for row in held_by(tx, None)]
            return Supervision(held=held, advocates=roster(tx, auth.idle))

    @router.post("/advocates", status_code=201)
    def create(account: NewAccount, admin: Admin) -> AccountAdded:
        try:
            created = add_advocate(
                store,
                account.username,
                account.password,
                account.admin,
                display_name=account.display_name,
            )
        except AccountError as exc:
            raise HTTPException(422, str(exc)) from exc
        with store.transaction() as tx:
            audit(tx, admin.username, "account_added")
        return AccountAdded(
            username=created.username, display_name=created.name, role=Role(created.role)
        )

    @router.delete("/advocates/{username}", status_code=204)
    def remove(username: str, admin: Admin) -> None:
        """Remove an account; the chats it held go back to the queue."""
        if username == admin.username:
            raise HTTPException(409, "an admin cannot remove their own account")
        with store.transaction() as tx:
            if not remove_advocate(tx, username):
                raise HTTPException(404, "no advocate by that name")
            audit(tx, admin.username, "account_removed")

    @router.get("/opening-hours")
    def hours(_: Viewer) -> OpeningHoursShown:
        return _shown(availability.opening_hours())

    @router.put("/opening-hours")
    def change_hours(change: HoursChange, admin: Admin) -> OpeningHoursShown:
        with store.transaction() as tx:
            try:
                current = availability.set_opening_hours(tx, change.hours)
            except ConfigError as exc:
                raise HTTPException(422, str(exc)) from exc
            audit(tx, admin.username, "hours_changed")
        return _shown(current)

    def _shown(current: OpeningHours) -> OpeningHoursShown:
        return OpeningHoursShown(
            hours=current.spec, timezone=availability.zone, open_now=current.open_at(utcnow())
        )

    return router
