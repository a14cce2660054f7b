"""The ASGI application factory and its routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from prometheus_client import make_asgi_app

from bot.config import Settings
from bot.jobs import purge_forever
from bot.runtime import Runtime, build_runtime


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The app; ``runtime`` may be given by tests, else it is built from ``settings``."""
    runtime = runtime or build_runtime(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        purge = asyncio.create_task(
            purge_forever(runtime.store, settings.retention, settings.purge_interval)
        )
        try:
            yield
        finally:
            purge.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purge
            runtime.close()

    app = FastAPI(title="Haven", version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime

    # Counts only (fallbacks, purges): nothing that could identify anyone.
    app.mount("/metrics", make_asgi_app())

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        runtime.store.count_sessions()  # proves the database answers
        return {"status": "ok"}

    return app
