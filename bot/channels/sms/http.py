"""The twilio library's asynchronous requests, made with aiohttp as the library's own
asynchronous client makes them, less its deprecated ways.

The library's client hands credentials to aiohttp through the ``auth`` argument, which
aiohttp deprecates (and will remove); the library lets any ``AsyncHttpClient`` stand in.
This one sends the same Basic authorisation as a header. Nothing here logs: the
library's request log would hold message SIDs and numbers.
"""

from __future__ import annotations

import logging

import aiohttp
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

log = logging.getLogger(__name__)


class AiohttpTwilioClient(AsyncHttpClient):  # type: ignore[misc]
    """One connection pool for the requests of one round (``close`` ends it); made inside
    the event loop that uses it. (The ignore: twilio ships without type hints.)"""

    def __init__(self, timeout: float) -> None:
        super().__init__(log, is_async=True, timeout=timeout)
        self.session = aiohttp.ClientSession()

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            headers["Authorization"] = aiohttp.encode_basic_auth(*auth)
        limit = aiohttp.ClientTimeout(total=timeout if timeout is not None else self.timeout)
        async with self.session.request(
            method.upper(),
            uri,
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            allow_redirects=allow_redirects,
            timeout=limit,
        ) as answer:
            return Response(answer.status, await answer.text(), answer.headers)

    async def close(self) -> None:
        await self.session.close()
