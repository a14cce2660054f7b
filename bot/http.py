"""What every route shares: reading bodies with a size limit, security headers, static pages."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse
from starlette.requests import Request

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
"""Pages load nothing from anywhere else, are never framed, cached or referred from."""


def static_page(directory: Path, name: str, media_type: str) -> FileResponse:
    """A file shipped beside the code, served with the security headers."""
    return FileResponse(directory / name, media_type=media_type, headers=SECURITY_HEADERS)


class BodyError(Exception):
    """A request body Haven will not read; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing more than ``limit`` bytes (413) without reading them all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyError(413, "the body is too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyError(413, "the body is too large")
    return bytes(body)
