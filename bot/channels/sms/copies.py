"""Deleting message bodies at Twilio, so that no copy outlives its use.

Twilio keeps every SMS it carries until the account deletes it. Haven records each
message's SID when it is final (received, delivered, failed) and deletes it through
the REST API once due; a failure is retried with growing pauses, and logged as an
event with the HTTP status only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.config import Settings
from bot.store.store import Store
from common.clock import utcnow

log = logging.getLogger(__name__)

CHANNEL = "sms"
BATCH = 100
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=1)


def rest_client(settings: Settings) -> Client:
    """Twilio's REST client for the account, at ``HAVEN_TWILIO_API_URL``."""
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    client.api.base_url = settings.twilio_api_url.rstrip("/")
    return client


class TwilioCopies:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.store = store
        self.client = rest_client(settings)

    def delete_due(self, now: datetime | None = None) -> int:
        """Delete every copy that is due; returns how many are gone."""
        now = now or utcnow()
        deleted = 0
        for copy in self.store.due_copies(CHANNEL, now, BATCH):
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
            log.info("event=provider_copies_deleted channel=%s count=%d", CHANNEL, deleted)
        return deleted

    def _retry(self, digest: str, attempts: int, now: datetime, status: int | None) -> None:
        pause = min(FIRST_RETRY * 2**attempts, LONGEST_RETRY)
        self.store.copy_retry(digest, now + pause)
        log.warning(
            "event=provider_copy_delete_failed channel=%s status=%s attempts=%d",
            CHANNEL,
            status,
            attempts + 1,
        )
