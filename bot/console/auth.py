"""Who is calling the console API: the session cookie, the CSRF token, the role.

Every call but login needs the console cookie (401 without); every change also
needs ``X-CSRF-Token`` (403 without or wrong); admin calls need the admin role.
"""

from __future__ import annotations

import hmac
import math
from datetime import datetime, timedelta

from fastapi import HTTPException, Request

from bot.console.accounts import Advocate, ConsoleSession, session_of
from bot.console.models import SessionClock
from bot.store.store import Store
from common.clock import utcnow

PREFIX = "/advocate/api"
"""Where the console's JSON API lives."""
COOKIE = "haven_console"
COOKIE_PATH = "/advocate"
"""The cookie goes to the console page and its API, nowhere else."""
CSRF_HEADER = "x-csrf-token"


class ConsoleAuth:
    """The checks, as FastAPI dependencies."""

    def __init__(self, store: Store, idle: timedelta) -> None:
        self.store = store
        self.idle = idle

    def session(self, request: Request) -> ConsoleSession:
        """The advocate's session; a call counts as activity."""
        found = self.watching(request, touch=True)
        if found is None:
            raise HTTPException(401, "sign in first")
        return found

    def viewer(self, request: Request) -> Advocate:
        return self.session(request).advocate

    def changer(self, request: Request) -> Advocate:
        return self.changing(request).advocate

    def changing(self, request: Request) -> ConsoleSession:
        """The session of a change: with the CSRF token."""
        session = self.session(request)
        given = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(given.encode(), session.csrf_token.encode()):
            raise HTTPException(403, "missing or wrong X-CSRF-Token")
        return session

    def admin(self, request: Request) -> Advocate:
        advocate = self.changer(request)
        if not advocate.is_admin:
            raise HTTPException(403, "only admins may do this")
        return advocate

    def watcher(self, request: Request) -> ConsoleSession:
        """The session, for a call that must not count as activity (how long it has left)."""
        found = self.watching(request)
        if found is None:
            raise HTTPException(401, "sign in first")
        return found

    def watching(self, request: Request, touch: bool = False) -> ConsoleSession | None:
        """The live session, or None; by default without counting as activity (a stream)."""
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        return session_of(self.store, cookie, self.idle, touch=touch)

    def clock(self, session: ConsoleSession, now: datetime | None = None) -> SessionClock:
        """How long the session has left, for the page's warning before it ends."""
        left = (session.expires_at - (now or utcnow())).total_seconds()
        return SessionClock(
            idle_seconds=int(self.idle.total_seconds()),
            idle_seconds_left=max(0, math.ceil(left)),
            expires_at=session.expires_at,
        )
