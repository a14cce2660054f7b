"""Signing in and out of the console, who is signed in, and whether they take chats.

(No ``from __future__ import annotations``: FastAPI reads the dependency
annotations, which name aliases local to ``session_router``.)
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from bot.config import Settings
from bot.console.accounts import Advocate, audit, log_in, log_out
from bot.console.auth import COOKIE, COOKIE_PATH, PREFIX, ConsoleAuth
from bot.console.models import OUTCOMES, AvailabilityChange, Credentials, Me, SignedIn
from bot.core.states import Role
from bot.store.models import AdvocateRow
from bot.store.store import Store


def session_router(settings: Settings, store: Store, auth: ConsoleAuth) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["advocate console"])
    secure = settings.public_url.startswith("https://")
    Changer = Annotated[Advocate, Depends(auth.changer)]  # noqa: N806 (a type)

    @router.post("/login")
    def login(credentials: Credentials, response: Response) -> SignedIn:
        """Sign in; sets the session cookie and returns the CSRF token for changes."""
        session = log_in(store, credentials.username, credentials.password)
        if session is None:
            raise HTTPException(401, "wrong name or password, or the account is locked")
        response.set_cookie(
            COOKIE,
            session.cookie,
            httponly=True,
            samesite="strict",
            secure=secure,
            path=COOKIE_PATH,
        )
        return SignedIn(csrf_token=session.csrf_token)

    @router.post("/logout", status_code=204)
    def logout(request: Request, response: Response, _: Changer) -> None:
        log_out(store, request.cookies.get(COOKIE, ""))
        response.delete_cookie(COOKIE, path=COOKIE_PATH)

    @router.get("/me")
    def me(request: Request) -> Me:
        """Who is signed in, with the CSRF token again (for a page that was reloaded)."""
        advocate, csrf = auth.session(request)
        with store.transaction() as tx:
            row = tx.db.get(AdvocateRow, advocate.id)
            available = bool(row and row.available)
        return Me(
            username=advocate.username,
            role=Role(advocate.role),
            available=available,
            csrf_token=csrf,
            outcomes=list(OUTCOMES),
        )

    @router.post("/me/availability")
    def availability(change: AvailabilityChange, advocate: Changer) -> AvailabilityChange:
        with store.transaction() as tx:
            row = tx.db.get(AdvocateRow, advocate.id)
            assert row is not None
            row.available = change.available
            audit(tx, advocate.username, "available" if change.available else "unavailable")
        return AvailabilityChange(available=change.available)

    return router
