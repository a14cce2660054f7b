"""Admins' part of the console API: accounts and opening hours.

Every advocate may list the accounts (to choose whom to transfer a chat to) and
read the opening hours; only admins change them.

(No ``from __future__ import annotations``: FastAPI reads the annotations.)
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from bot.config import ConfigError
from bot.console.accounts import (
    AccountError,
    Advocate,
    add_advocate,
    advocates,
    audit,
    remove_advocate,
)
from bot.console.auth import ConsoleAuth
from bot.handoff.queue import Availability
from bot.store.store import Store
from common.clock import utcnow


class NewAccount(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    admin: bool = False


class Hours(BaseModel):
    hours: str = Field(
        max_length=512, description="e.g. MO-FR 09:00-17:00, SA 10:00-14:00; empty: always open"
    )


def admin_router(
    prefix: str, store: Store, availability: Availability, auth: ConsoleAuth
) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["advocate console"])
    Viewer = Annotated[Advocate, Depends(auth.viewer)]  # noqa: N806 (a type)
    Admin = Annotated[Advocate, Depends(auth.admin)]  # noqa: N806 (a type)

    @router.get("/advocates")
    def accounts(_: Viewer) -> dict[str, list[dict[str, Any]]]:
        return {"items": advocates(store)}

    @router.post("/advocates", status_code=201)
    def create(account: NewAccount, admin: Admin) -> dict[str, str]:
        try:
            created = add_advocate(store, account.username, account.password, account.admin)
        except AccountError as exc:
            raise HTTPException(422, str(exc)) from exc
        with store.transaction() as tx:
            audit(tx, admin.username, "account_added")
        return {"username": created.username, "role": created.role}

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
    def hours(_: Viewer) -> dict[str, Any]:
        current = availability.opening_hours()
        return {
            "hours": current.spec,
            "timezone": availability.zone,
            "open_now": current.open_at(utcnow()),
        }

    @router.put("/opening-hours")
    def change_hours(change: Hours, admin: Admin) -> dict[str, Any]:
        with store.transaction() as tx:
            try:
                current = availability.set_opening_hours(tx, change.hours)
            except ConfigError as exc:
                raise HTTPException(422, str(exc)) from exc
            audit(tx, admin.username, "hours_changed")
        return {
            "hours": current.spec,
            "timezone": availability.zone,
            "open_now": current.open_at(utcnow()),
        }

    return router
