"""The web chat's outbox: what the console says to a web chat page, until it is fetched.

A page asks for what came after the last item it showed; asking for more than
that acknowledges the earlier items, which are then deleted. A lost answer is
therefore asked for again rather than lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from bot.core.states import ACTIVE
from bot.store.models import SessionRow, WebOutboxRow
from bot.store.store import Store, Transaction
from common.clock import utcnow


class LeftError(LookupError):
    """The conversation is gone (erased, or expired): nothing can reach it."""


@dataclass(frozen=True)
class Inbox:
    items: list[dict[str, Any]]
    """Each a rendered outcome: ``from``, ``replies``, ``lang``, ``exited``, and its ``id``."""
    with_person: bool
    """A person is on the way or there, so more may come."""


def post(tx: Transaction, key: str, items: list[dict[str, Any]]) -> None:
    tx.lock(key)  # the conversation's items are numbered in the order they are committed
    if not tx.session_exists(key):
        raise LeftError(key)
    now = utcnow()
    for rendered in items:
        body = tx.keys.encrypt(json.dumps(rendered, ensure_ascii=False))
        tx.db.add(WebOutboxRow(session_key=key, body=body, created_at=now))
        tx.db.flush()  # numbered in this order


def last(tx: Transaction, key: str) -> int:
    """The newest item's number (0: none): what a page that shows the transcript has seen."""
    newest = tx.db.scalar(select(func.max(WebOutboxRow.id)).where(WebOutboxRow.session_key == key))
    return int(newest or 0)


def fetch(store: Store, key: str, after: int) -> Inbox:
    """Items after ``after``; the ones up to it were shown and are deleted."""
    with store.transaction() as tx:
        tx.db.execute(
            delete(WebOutboxRow).where(WebOutboxRow.session_key == key, WebOutboxRow.id <= after)
        )
        rows = tx.db.scalars(
            select(WebOutboxRow).where(WebOutboxRow.session_key == key).order_by(WebOutboxRow.id)
        ).all()
        state = tx.db.scalar(select(SessionRow.handoff).where(SessionRow.key == key))
        items = [{**json.loads(tx.keys.decrypt(row.body)), "id": row.id} for row in rows]
        return Inbox(items, state in ACTIVE)
