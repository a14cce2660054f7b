"""The ASGI application factory and its routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.registry import build_channels
from bot.config import Settings
from bot.console.admin_api import admin_router
from bot.console.auth import ConsoleAuth
from bot.console.chats_api import chats_router
from bot.console.events import events_router
from bot.console.handover_api import handover_router
from bot.console.page import console_page_router
from bot.console.relay import Relay
from bot.console.session_api import session_router
from bot.jobs import COPY_INTERVAL, delete_copies_forever, purge_forever
from bot.runtime import Runtime, build_runtime
from bot.store.db import is_current
from nlu.rasa_client import RasaInterpreter

log = logging.getLogger(__name__)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The app; ``runtime`` may be given by tests, else it is built from ``settings``."""
    settings.check_channels()
    runtime = runtime or build_runtime(settings)
    channels = build_channels(settings, runtime.store, runtime.engine.handle)

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
        for channel in channels.values():
            await channel.start()  # never fails: a provider out of reach is tried again later
        tasks.append(
            asyncio.create_task(delete_copies_forever(list(channels.values()), COPY_INTERVAL))
        )
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for channel in channels.values():
                await channel.stop()
            runtime.close()

    app = FastAPI(title="Haven", version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime

    # Counts only (fallbacks, purges): nothing that could identify anyone.
    app.mount("/metrics", make_asgi_app())

    for channel in channels.values():
        if channel.router is not None:
            app.include_router(channel.router)
    auth = ConsoleAuth(runtime.store, timedelta(seconds=settings.console_idle))
    relay = Relay(channels)
    app.include_router(session_router(settings, runtime.store, auth))
    app.include_router(chats_router(runtime, relay, auth))
    app.include_router(handover_router(runtime, relay, auth))
    app.include_router(admin_router(runtime.store, runtime.availability, auth))
    app.include_router(events_router(runtime.store, auth))
    app.include_router(console_page_router())
    app.state.channels = channels

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        runtime.store.count_sessions()  # proves the database answers
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Ready when the database answers and is migrated. Understanding never makes a
        worker unready (the embedded classifier answers when Rasa does not), but the answer
        says which one answers, so that an operator sees the fallback first. Nor does a
        channel whose provider cannot be reached (the others serve, and it connects in the
        background): ``channels`` gives each one's state, ``ok`` or ``degraded: <why>``."""
        database = _database_state(runtime)
        body = {
            "status": "ready" if database == "ok" else "not ready",
            "database": database,
            "understanding": _understanding_state(runtime),
            "channels": {name: channels[name].state for name in sorted(channels)},
        }
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    return app


def _database_state(runtime: Runtime) -> str:
    try:
        return "ok" if is_current(runtime.store.engine) else "not migrated"
    except SQLAlchemyError as exc:
        log.warning("event=readiness_database_failed error=%s", type(exc).__name__)
        return "unreachable"


def _understanding_state(runtime: Runtime) -> str:
    interpreter = runtime.engine.interpreter
    if not isinstance(interpreter, RasaInterpreter):
        return "embedded"
    return "rasa" if interpreter.reachable() else "embedded (rasa unreachable)"
