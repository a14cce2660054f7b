"""Background work inside the server: the auto-delete loop, deleting provider copies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Any

from starlette.concurrency import run_in_threadpool

from bot.channels.base import Channel
from bot.store.records import PurgeCounts
from bot.store.store import Store

log = logging.getLogger(__name__)

COPY_INTERVAL = 2.0
"""Seconds between rounds of deleting provider copies that are due."""


def purge_once(store: Store, retention: int, audit_retention: int) -> PurgeCounts:
    counts = store.purge_idle(retention)
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
    """Delete every channel's due provider copies every ``interval`` seconds until cancelled."""
    while True:
        for channel in channels:
            try:
                await channel.delete_copies()
            except Exception as exc:  # by type only: the text may hold an id (a chat, a SID)
                log.warning(
                    "event=provider_copy_round_failed channel=%s error=%s",
                    channel.name,
                    type(exc).__name__,
                )
        await asyncio.sleep(interval)
