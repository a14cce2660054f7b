"""The web chat: the page at ``/``, its script and style, and its JSON endpoints.

No third-party requests (a Content-Security-Policy of 'self' says so to the
browser), no analytics, and one cookie: a random session id, HttpOnly,
SameSite=Strict, Secure over HTTPS. Quick exit wipes the conversation, expires
the cookie, and the page replaces itself with a neutral site.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from bot.channels.base import Handle, InputError
from bot.channels.web import outbox as web_outbox
from bot.channels.web.adapter import NAME, Posted
from bot.config import Settings
from bot.http import BodyError, media_type, read_limited, static_page
from bot.store.store import Store

if TYPE_CHECKING:
    from bot.channels.web.channel import WebChannel

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "haven_session"


def web_router(settings: Settings, store: Store, handle: Handle, channel: WebChannel) -> APIRouter:
    router = APIRouter()
    secure = settings.public_url.startswith("https://")

    def page(name: str, media_type: str) -> FileResponse:
        return static_page(STATIC, name, media_type)

    @router.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return page("chat.html", "text/html")

    @router.get("/chat.js", include_in_schema=False)
    def script() -> FileResponse:
        return page("chat.js", "text/javascript")

    @router.get("/chat.css", include_in_schema=False)
    def style() -> FileResponse:
        return page("chat.css", "text/css")

    @router.get("/chat/config")
    def config() -> dict[str, str]:
        return {"exit_url": settings.web_exit_url}

    @router.post("/chat/messages")
    async def message(request: Request) -> Response:
        if media_type(request) != "application/json":
            return PlainTextResponse("expected application/json", status_code=400)
        try:
            body = await read_limited(request, settings.max_webhook_bytes)
        except BodyError as exc:
            return PlainTextResponse(exc.reason, status_code=exc.status)
        sender = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
        language = request.headers.get("accept-language", "").split(",")[0].split("-")[0]
        try:
            inbound = channel.parse(Posted(sender, body, language or None))
        except InputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        outcome = await run_in_threadpool(handle, inbound)
        response = JSONResponse(channel.render(outcome), headers={"Cache-Control": "no-store"})
        if outcome.exited:
            response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=secure)
        elif COOKIE not in request.cookies:  # set once: a late answer must not undo a quick exit
            response.set_cookie(COOKIE, sender, httponly=True, samesite="strict", secure=secure)
        return response

    @router.get("/chat/inbox")
    async def inbox(request: Request, after: int = Query(default=0, ge=0)) -> Response:
        """What an advocate said since item ``after``; asking acknowledges the items before."""
        sender = request.cookies.get(COOKIE)
        items: list[dict[str, object]] = []
        with_person = False
        if sender:
            key = store.keys.session_key(NAME, sender)
            found = await run_in_threadpool(web_outbox.fetch, store, key, after)
            items, with_person = found.items, found.with_person
        body = {"items": items, "with_person": with_person}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    @router.post("/chat/exit")
    async def quick_exit(request: Request) -> Response:
        """Erase the conversation of this browser, whatever state it is in."""
        sender = request.cookies.get(COOKIE)
        if sender:
            key = store.keys.session_key(NAME, sender)
            await run_in_threadpool(wipe, store, key)
        response = Response(status_code=204, headers={"Cache-Control": "no-store"})
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=secure)
        return response

    return router


def wipe(store: Store, key: str) -> None:
    with store.transaction() as tx:
        tx.wipe(key)
