"""The ASGI application factory and its routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from fastapi import FastAPI
from prometheus_client import make_asgi_app
from starlette.concurrency import run_in_threadpool

from bot.channels.sms.copies import TwilioCopies
from bot.channels.sms.routes import twilio_router
from bot.channels.telegram.client import TelegramBot
from bot.channels.telegram.routes import telegram_router
from bot.channels.web.routes import web_router
from bot.config import Settings
from bot.console.admin_api import admin_router
from bot.console.auth import ConsoleAuth
from bot.console.chats_api import chats_router
from bot.console.events import events_router
from bot.console.page import console_page_router
from bot.console.relay import Relay
from bot.console.session_api import session_router
from bot.jobs import COPY_INTERVAL, delete_copies_forever, purge_forever
from bot.runtime import Runtime, build_runtime


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The app; ``runtime`` may be given by tests, else it is built from ``settings``."""
    settings.check_channels()
    runtime = runtime or build_runtime(settings)
    telegram = TelegramBot(settings, runtime.store) if settings.telegram_bot_token else None
    twilio = TwilioCopies(settings, runtime.store) if settings.twilio_auth_token else None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(
                purge_forever(
                    runtime.store,
                    settings.retention,
                    settings.audit_retention,
                    settings.purge_interval,
                )
            )
        ]
        if twilio is not None:
            sync_delete = twilio.delete_due

            async def delete_at_twilio() -> int:
                return await run_in_threadpool(sync_delete)

            tasks.append(
                asyncio.create_task(delete_copies_forever(delete_at_twilio, COPY_INTERVAL))
            )
        if telegram is not None:
            await telegram.start()
            tasks.append(
                asyncio.create_task(delete_copies_forever(telegram.delete_due, COPY_INTERVAL))
            )
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if telegram is not None:
                await telegram.stop()
            runtime.close()

    app = FastAPI(title="Haven", version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime

    # Counts only (fallbacks, purges): nothing that could identify anyone.
    app.mount("/metrics", make_asgi_app())

    app.include_router(web_router(settings, runtime))
    if twilio is not None:
        app.include_router(twilio_router(settings, runtime))
    if telegram is not None:
        app.include_router(telegram_router(settings, runtime, telegram))
    auth = ConsoleAuth(runtime.store, timedelta(seconds=settings.console_idle))
    relay = Relay(settings, runtime.store, telegram)
    app.include_router(session_router(settings, runtime.store, auth))
    app.include_router(chats_router(runtime, relay, auth))
    app.include_router(admin_router(runtime.store, runtime.availability, auth))
    app.include_router(events_router(runtime.store, auth))
    app.include_router(console_page_router())
    app.state.telegram = telegram
    app.state.twilio = twilio

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        runtime.store.count_sessions()  # proves the database answers
        return {"status": "ok"}

    return app
