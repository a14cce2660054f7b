"""Background work inside the server: the auto-delete loop, deleting provider copies.

Every worker of ``haven serve --workers N`` runs both loops: purges take turns
(``Store.purge_idle``), and each round of deletions claims its copies, so none is
deleted twice (``bot.store.copies``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Any

from starlette.concurrency import run_in_threadpool

from bot.channels.base import Channel
from bot.store import answers
from bot.store.records import PurgeCounts
from bot.store.store import Store
from common.clock import utcnow

log = logging.getLogger(__name__)

COPY_INTERVAL = 2.0
"""Seconds between rounds of deleting provider copies that are due."""
BUSY_INTERVAL = 0.25
"""Seconds between rounds while copies keep coming: a round's own cost (a claim, a pool of
connections) is shared by a quarter of a second's copies rather than paid for each."""


def purge_once(store: Store, retention: int, audit_retention: int) -> PurgeCounts:
    counts = store.purge_idle(retention)
    if answers.forget_old(store, utcnow()):
        store.checkpoint()
    audit = store.purge_audit(audit_retention)
    if audit:
        log.info("event=audit_purged entries=%d", audit)
    if counts.sessions or counts.messages or counts.receipts:
        log.info(
            "event=purged sessions=%d messages=%d receipts=%d",
            counts.sessions,
            counts.messages,
            counts.receipts,
        )
    return counts


async def purge_forever(store: Store, retention: int, audit_retention: int, interval: int) -> None:
    """Delete idle conversations every ``interval`` seconds until cancelled."""
    while True:
        try:
            await run_in_threadpool(purge_once, store, retention, audit_retention)
        except Exception as exc:  # by type only: a database error's text holds its values
            log.warning("event=purge_failed error=%s", type(exc).__name__)
        await asyncio.sleep(interval)


async def delete_copies_forever(channels: Collection[Channel[Any, Any]], interval: float) -> None:
    """Delete every channel's due provider copies until cancelled: every ``BUSY_INTERVAL``
    while rounds delete something (under load, more than a round's batch may be due every
    ``interval``), else every ``interval`` seconds."""
    while True:
        deleted = 0
        for channel in channels:
            try:
                deleted += await channel.delete_copies()
            except Exception as exc:  # by type only: the text may hold an id (a chat, a SID)
                log.warning(
                    "event=provider_copy_round_failed channel=%s error=%s",
                    channel.name,
                    type(exc).__name__,
                )
        await asyncio.sleep(BUSY_INTERVAL if deleted else interval)
