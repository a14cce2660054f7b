"""Who is calling the console API: the session cookie, the CSRF token, the role.

Every call but login needs the console cookie (401 without); every change also
needs ``X-CSRF-Token`` (403 without or wrong); admin calls need the admin role.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from fastapi import HTTPException, Request

from bot.console.accounts import Advocate, session_of
from bot.store.store import Store

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

    def session(self, request: Request) -> tuple[Advocate, str]:
        """The advocate and their CSRF token; a call counts as activity."""
        cookie = request.cookies.get(COOKIE)
        found = session_of(self.store, cookie, self.idle) if cookie else None
        if found is None:
            raise HTTPException(401, "sign in first")
        return found

    def viewer(self, request: Request) -> Advocate:
        return self.session(request)[0]

    def changer(self, request: Request) -> Advocate:
        advocate, csrf = self.session(request)
        given = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(given.encode(), csrf.encode()):
            raise HTTPException(403, "missing or wrong X-CSRF-Token")
        return advocate

    def admin(self, request: Request) -> Advocate:
        advocate = self.changer(request)
        if not advocate.is_admin:
            raise HTTPException(403, "only admins may do this")
        return advocate

    def still_signed_in(self, request: Request) -> bool:
        """For a long-lived stream: the session lives, without counting as activity."""
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return False
        return session_of(self.store, cookie, self.idle, touch=False) is not None
