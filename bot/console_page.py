"""The console page at ``/advocate``: one HTML file, its script and style, no build step."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from bot.web_routes import PAGES, SECURITY_HEADERS


def console_page_router() -> APIRouter:
    router = APIRouter(prefix="/advocate", include_in_schema=False)

    def page(name: str, media_type: str) -> FileResponse:
        return FileResponse(PAGES / name, media_type=media_type, headers=SECURITY_HEADERS)

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
