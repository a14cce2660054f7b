"""Deleting message bodies at Twilio, so that no copy outlives its use.

Twilio keeps every SMS it carries until the account deletes it. Haven records each
message's SID when it is final (received, delivered, failed) and deletes it through
the REST API once due; a failure is tried again by a later round, after the provider
retry policy's pause for the failures so far, and logged as an event with the HTTP
status only.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime

import aiohttp
from starlette.concurrency import run_in_threadpool
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.rest import Client

from bot.channels.retry import DELETING
from bot.channels.sms.adapter import NAME
from bot.channels.sms.http import AiohttpTwilioClient
from bot.config import Settings
from bot.store.records import DueCopy
from bot.store.store import Store
from common.clock import utcnow

log = logging.getLogger(__name__)

BATCH = 100
"""Copies deleted in one round: Twilio deletes one message a request."""
CONCURRENT = 8
"""Deletions in flight at once: well within the concurrent requests Twilio allows an account."""
REQUEST_TIMEOUT = 10.0
"""Seconds a deletion may take before it counts as failed (and is tried again later)."""
NOT_FOUND = 404
MESSAGE_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
"""A message's SID as Twilio writes it; anything else can never be deleted there."""


def rest_client(settings: Settings, http_client: AsyncHttpClient | None = None) -> Client:
    """Twilio's REST client for the account, at ``HAVEN_TWILIO_API_URL``; asynchronous
    with an ``http_client`` of its own."""
    client = Client(
        settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client
    )
    client.api.base_url = settings.twilio_api_url.rstrip("/")
    return client


class TwilioCopies:
    """Deletes the copies due, ``CONCURRENT`` requests at a time, on the server's event loop:
    a round of a hundred takes the time of a dozen requests, not of a hundred, and no
    thread of the pool that serves webhooks waits on Twilio."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.copies = store.copies

    async def delete_due(self, now: datetime | None = None) -> int:
        """Delete every copy that is due and this worker could claim; returns how many
        are gone. Every claimed copy ends deleted, set aside or waiting for its retry."""
        now = now or utcnow()
        due = await run_in_threadpool(self.copies.claim, NAME, now, BATCH)
        if not due:
            return 0
        deletable = [copy for copy in due if MESSAGE_SID.fullmatch(copy.ref)]
        malformed = [copy.digest for copy in due if copy not in deletable]
        if malformed:
            await run_in_threadpool(self.copies.set_aside, malformed, now)
            log.warning(
                "event=provider_copy_set_aside channel=%s reason=malformed_id count=%d",
                NAME,
                len(malformed),
            )
        http = AiohttpTwilioClient(REQUEST_TIMEOUT)  # one connection pool a round
        try:
            client = rest_client(self.settings, http)
            turns = asyncio.Semaphore(CONCURRENT)
            statuses = await asyncio.gather(*(self._delete(client, turns, c) for c in deletable))
        finally:
            await http.close()
        gone = [
            copy.digest for copy, status in zip(deletable, statuses, strict=True) if status is None
        ]
        failed = {
            copy.digest: self._retry_at(copy.attempts, now, status)
            for copy, status in zip(deletable, statuses, strict=True)
            if status is not None
        }
        await run_in_threadpool(self.copies.deleted, gone)
        await run_in_threadpool(self.copies.retry, failed)
        if gone:
            log.info("event=provider_copies_deleted channel=%s count=%d", NAME, len(gone))
        return len(gone)

    @staticmethod
    async def _delete(client: Client, turns: asyncio.Semaphore, copy: DueCopy) -> int | None:
        """Delete one copy; None once it is gone (404: already), else the failure's status
        (0 where there was no answer)."""
        async with turns:
            try:
                await client.messages(copy.ref).delete_async()
            except TwilioRestException as exc:
                return None if exc.status == NOT_FOUND else exc.status
            except (TwilioException, aiohttp.ClientError, TimeoutError):
                return 0
        return None

    @staticmethod
    def _retry_at(attempts: int, now: datetime, status: int) -> datetime:
        log.warning(
            "event=provider_copy_delete_failed channel=%s status=%s attempts=%d",
            NAME,
            status or None,
            attempts + 1,
        )
        return now + DELETING.pause(attempts + 1)
