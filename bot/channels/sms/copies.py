"""Deleting message bodies at Twilio, so that no copy outlives its use.

Twilio keeps every SMS it carries until the account deletes it. Haven records each
message's SID when it is final (received, delivered, failed) and deletes it through
the REST API once due; a failure is tried again by a later round, after the provider
retry policy's pause for the failures so far, and logged as an event with the HTTP
status only.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.channels.retry import DELETING
from bot.channels.sms.adapter import NAME
from bot.config import Settings
from bot.store.store import Store
from common.clock import utcnow

log = logging.getLogger(__name__)

BATCH = 100
"""Copies deleted in one round: Twilio deletes one message a request."""
MESSAGE_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
"""A message's SID as Twilio writes it; anything else can never be deleted there."""


def rest_client(settings: Settings) -> Client:
    """Twilio's REST client for the account, at ``HAVEN_TWILIO_API_URL``."""
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    client.api.base_url = settings.twilio_api_url.rstrip("/")
    return client


class TwilioCopies:
    def __init__(self, client: Client, store: Store) -> None:
        self.client = client
        self.store = store

    def delete_due(self, now: datetime | None = None) -> int:
        """Delete every copy that is due; returns how many are gone."""
        now = now or utcnow()
        deleted = 0
        for copy in self.store.due_copies(NAME, now, BATCH):
            if not MESSAGE_SID.fullmatch(copy.ref):
                self.store.copy_set_aside(copy.digest, now)
                log.warning(
                    "event=provider_copy_set_aside channel=%s reason=malformed_id count=1", NAME
                )
                continue
            try:
                self.client.messages(copy.ref).delete()
            except TwilioRestException as exc:
                if exc.status != 404:  # already gone is what we wanted
                    self._retry(copy.digest, copy.attempts, now, exc.status)
                    continue
            except (TwilioException, RequestException):
                self._retry(copy.digest, copy.attempts, now, None)
                continue
            self.store.copy_deleted(copy.digest)
            deleted += 1
        if deleted:
            log.info("event=provider_copies_deleted channel=%s count=%d", NAME, deleted)
        return deleted

    def _retry(self, digest: str, attempts: int, now: datetime, status: int | None) -> None:
        self.store.copy_retry(digest, now + DELETING.pause(attempts + 1))
        log.warning(
            "event=provider_copy_delete_failed channel=%s status=%s attempts=%d",
            NAME,
            status,
            attempts + 1,
        )
