"""The console page at ``/advocate``: one HTML file, its script and style, no build step."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from bot.http import static_page

STATIC = Path(__file__).resolve().parent / "static"


def console_page_router() -> APIRouter:
    router = APIRouter(prefix="/advocate", include_in_schema=False)

    def page(name: str, media_type: str) -> FileResponse:
        return static_page(STATIC, name, media_type)

    @router.get("")
    def index() -> FileResponse:
        return page("console.html", "text/html")

    @router.get("/console.js")
    def script() -> FileResponse:
        return page("console.js", "text/javascript")

    @router.get("/console.css")
    def style() -> FileResponse:
        return page("console.css", "text/css")

    return router
