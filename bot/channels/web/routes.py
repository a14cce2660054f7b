"""The web chat: the page at ``/``, its script and style, and its JSON endpoints.

No third-party requests (a Content-Security-Policy of 'self' says so to the
browser), no analytics, and one cookie: a random session id, HttpOnly,
SameSite=Strict, Secure over HTTPS.

Quick exit never waits for the server. The page sets a second, content-free cookie
(``haven_left``, readable by scripts so the page can set it at once), sends the erase
with ``navigator.sendBeacon`` and replaces itself with a neutral site in the same
moment. ``POST /chat/exit`` reads no body (a beacon's is whatever the browser sends)
and no header: the SameSite=Strict cookie is what says the request is the page's own,
as another site's request carries none. Should the beacon be lost (the server down),
the next request that carries ``haven_left`` erases the conversation before anything
else, so that reopening the page never shows it again.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from bot.channels.base import Handle, InputError
from bot.channels.web import outbox as web_outbox
from bot.channels.web.adapter import NAME, Posted
from bot.channels.web.history import NOTHING, history
from bot.channels.web.page import render
from bot.channels.web.texts import load_texts
from bot.config import Settings
from bot.http import SECURITY_HEADERS, BodyError, media_type, read_limited, static_page
from bot.store.models import SessionRow
from bot.store.store import Store

if TYPE_CHECKING:
    from bot.channels.web.channel import WebChannel

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "haven_session"
LEFT = "haven_left"
"""Set by the page at quick exit: whatever this browser still holds is to be erased."""
NO_STORE = {"Cache-Control": "no-store"}


def web_router(settings: Settings, store: Store, handle: Handle, channel: WebChannel) -> APIRouter:
    router = APIRouter()
    secure = settings.public_url.startswith("https://")
    texts = load_texts(settings.flows_dir / "locales")

    def page(name: str, media_type: str) -> FileResponse:
        return static_page(STATIC, name, media_type)

    def forget(response: Response) -> None:
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=secure)
        response.delete_cookie(LEFT, samesite="strict", secure=secure)

    async def sender_of(request: Request) -> str | None:
        """The cookie's sender; after a quick exit whose erase was lost, it is erased now."""
        sender = request.cookies.get(COOKIE)
        if sender and LEFT in request.cookies:
            await run_in_threadpool(wipe, store, store.keys.session_key(NAME, sender))
            return None
        return sender

    @router.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        """The page in the conversation's language, else in the browser's first one Haven
        speaks."""
        sender = await sender_of(request)
        language = None
        if sender:
            key = store.keys.session_key(NAME, sender)
            language = await run_in_threadpool(language_of, store, key)
        if language is None:
            language = texts.negotiate(request.headers.get("accept-language", ""))
        shown = render(
            STATIC / "chat.html",
            texts,
            texts.supported(language),
            settings.web_exit_url,
            settings.max_text,
        )
        response = Response(shown, media_type="text/html", headers=SECURITY_HEADERS)
        if LEFT in request.cookies:
            forget(response)
        return response

    @router.get("/chat.js", include_in_schema=False)
    def script() -> FileResponse:
        return page("chat.js", "text/javascript")

    @router.get("/chat.css", include_in_schema=False)
    def style() -> FileResponse:
        return page("chat.css", "text/css")

    @router.post("/chat/messages")
    async def message(request: Request) -> Response:
        if media_type(request) != "application/json":
            return PlainTextResponse("expected application/json", status_code=400)
        try:
            body = await read_limited(request, settings.max_webhook_bytes)
        except BodyError as exc:
            return PlainTextResponse(exc.reason, status_code=exc.status)
        known = await sender_of(request)
        sender = known or secrets.token_urlsafe(32)
        language = request.headers.get("accept-language", "").split(",")[0].split("-")[0]
        try:
            inbound = channel.parse(Posted(sender, body, language or None))
        except InputError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        outcome = await run_in_threadpool(handle, inbound)
        response = JSONResponse(channel.render(outcome), headers=NO_STORE)
        if outcome.exited:
            forget(response)
        elif known is None:  # set once: a late answer must not undo a quick exit
            response.set_cookie(COOKIE, sender, httponly=True, samesite="strict", secure=secure)
            if LEFT in request.cookies:
                response.delete_cookie(LEFT, samesite="strict", secure=secure)
        return response

    @router.get("/chat/history")
    async def shown(request: Request) -> Response:
        """What the page showed, from the server: the transcript of this cookie's
        conversation, who said each line, and where it stands (``queued``, ``assigned``).
        ``after`` is the outbox item the page has thereby seen."""
        sender = await sender_of(request)
        body = NOTHING
        if sender:
            body = await run_in_threadpool(history, store, store.keys.session_key(NAME, sender))
        response = JSONResponse(body, headers=NO_STORE)
        if LEFT in request.cookies:
            forget(response)
        return response

    @router.get("/chat/inbox")
    async def inbox(request: Request, after: int = Query(default=0, ge=0)) -> Response:
        """What an advocate said since item ``after``; asking acknowledges the items before."""
        sender = request.cookies.get(COOKIE) if LEFT not in request.cookies else None
        items: list[dict[str, object]] = []
        with_person = False
        if sender:
            key = store.keys.session_key(NAME, sender)
            found = await run_in_threadpool(web_outbox.fetch, store, key, after)
            items, with_person = found.items, found.with_person
        body = {"items": items, "with_person": with_person}
        return JSONResponse(body, headers=NO_STORE)

    @router.post("/chat/exit")
    async def quick_exit(request: Request) -> Response:
        """Erase the conversation of this browser, whatever state it is in; the body, if
        any (``sendBeacon`` sends one), is not read."""
        sender = request.cookies.get(COOKIE)
        if sender:
            key = store.keys.session_key(NAME, sender)
            await run_in_threadpool(wipe, store, key)
        response = Response(status_code=204, headers=NO_STORE)
        forget(response)
        return response

    return router


def language_of(store: Store, key: str) -> str | None:
    with store.transaction() as tx:
        language: str | None = tx.db.scalar(
            select(SessionRow.language).where(SessionRow.key == key)
        )
        return language


def wipe(store: Store, key: str) -> None:
    with store.transaction() as tx:
        tx.wipe(key)
