"""Reading request bodies with a size limit, for every route that takes one."""

from __future__ import annotations

from starlette.requests import Request


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
