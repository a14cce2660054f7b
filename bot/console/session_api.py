"""Signing in and out of the console, who is signed in, whether they take chats, and how
long the session has left.

(No ``from __future__ import annotations``: FastAPI reads the dependency
annotations, which name aliases local to ``session_router``.)
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from bot.config import Settings
from bot.console.accounts import Advocate, ConsoleSession, audit, log_in, log_out
from bot.console.auth import COOKIE, COOKIE_PATH, PREFIX, ConsoleAuth
from bot.console.models import (
    OUTCOMES,
    AvailabilityChange,
    Credentials,
    Me,
    SessionClock,
    SignedIn,
)
from bot.console.presence import own
from bot.core.states import Role
from bot.store.models import AdvocateRow
from bot.store.store import Store
from common.clock import utcnow


def session_router(settings: Settings, store: Store, auth: ConsoleAuth) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["advocate console"])
    secure = settings.public_url.startswith("https://")
    Changer = Annotated[Advocate, Depends(auth.changer)]  # noqa: N806 (a type)
    Watcher = Annotated[ConsoleSession, Depends(auth.watcher)]  # noqa: N806 (a type)
    Changing = Annotated[ConsoleSession, Depends(auth.changing)]  # noqa: N806 (a type)

    @router.post("/login")
    def login(credentials: Credentials, response: Response) -> SignedIn:
        """Sign in; sets the session cookie and returns the CSRF token for changes. The
        advocate starts unavailable unless signed in elsewhere already."""
        session = log_in(store, credentials.username, credentials.password, auth.idle)
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
        """Sign out: the advocate takes no more chats."""
        log_out(store, request.cookies.get(COOKIE, ""))
        response.delete_cookie(COOKIE, path=COOKIE_PATH)

    @router.get("/me")
    def me(request: Request) -> Me:
        """Who is signed in, with the CSRF token again (for a page that was reloaded)."""
        session = auth.session(request)
        advocate, now = session.advocate, utcnow()
        with store.transaction() as tx:
            shown = own(tx, advocate, now)
        clock = auth.clock(session, now)
        return Me(
            username=advocate.username,
            display_name=advocate.name,
            role=Role(advocate.role),
            available=shown.available,
            presence=shown.presence,
            csrf_token=session.csrf_token,
            outcomes=list(OUTCOMES),
            idle_seconds=clock.idle_seconds,
            idle_seconds_left=clock.idle_seconds_left,
            server_time=now,
        )

    @router.post("/me/availability")
    def availability(change: AvailabilityChange, advocate: Changer) -> AvailabilityChange:
        """Take chats or stop; taking them counts as a sign of life until the page's live
        stream takes over (``bot.console.presence``)."""
        with store.transaction() as tx:
            row = tx.db.get(AdvocateRow, advocate.id)
            assert row is not None
            row.available = change.available
            if change.available:
                row.live_at = utcnow()
            audit(tx, advocate.username, "available" if change.available else "unavailable")
        return AvailabilityChange(available=change.available)

    @router.get("/me/session")
    def session_left(session: Watcher) -> SessionClock:
        """How long the session has left; asking does not count as activity."""
        return auth.clock(session)

    @router.post("/me/touch")
    def touch(session: Changing) -> SessionClock:
        """Activity without a change (the advocate is typing): the session starts its
        idle time again."""
        return auth.clock(session)

    return router
