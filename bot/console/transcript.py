"""A chat's messages as the console shows them: who wrote each advocate message, and
whether it reached the person.

Each advocate message has a row beside it (``AdvocateMessageRow``, deleted with it): its
author's username and its delivery. Telegram's API taking a message is delivery; an SMS is
``sent`` until Twilio reports it (``bot.channels.sms.routes.remember_final``); a web chat
message is ``sent`` until the person's page showed it, which the page says by asking for
what came after it (its outbox item is then deleted): ``read``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import get_args

from sqlalchemy import func, select

from bot.console.accounts import Advocate
from bot.console.models import Delivery, Line
from bot.console.relay import WEB, Delivered
from bot.core.states import Direction
from bot.store.models import (
    AdvocateMessageRow,
    AdvocateRow,
    HandoffRow,
    MessageRow,
    WebOutboxRow,
)
from bot.store.records import Line as Said
from bot.store.store import Transaction


def lines(tx: Transaction, row: HandoffRow, after: int = 0) -> list[Line]:
    """The messages since the handoff (only ids above ``after``), writers named."""
    said = tx.messages_since(row.session_key, row.queued_at, after=after)
    written = _written(tx, [line.id for line in said if line.direction == Direction.ADVOCATE])
    names = _names(tx, {advocate.author for advocate in written.values()})
    unshown = _oldest_unshown(tx, row.session_key) if written else None
    return [_line(line, written.get(line.id), names, unshown) for line in said]


def deliveries(tx: Transaction, row: HandoffRow) -> dict[int, Delivery]:
    """Where each advocate message of the chat is now, by message id (nothing decrypted)."""
    query = (
        select(AdvocateMessageRow)
        .join(MessageRow, MessageRow.id == AdvocateMessageRow.message_id)
        .where(MessageRow.session_key == row.session_key, MessageRow.created_at >= row.queued_at)
    )
    unshown = _oldest_unshown(tx, row.session_key)
    return {found.message_id: delivery(found, unshown) for found in tx.db.scalars(query)}


def record(
    tx: Transaction,
    row: HandoffRow,
    advocate: Advocate,
    text: str,
    delivered: Delivered,
    at: datetime,
) -> tuple[int, Delivery]:
    """Keep an advocate's message that its channel took; its id and its delivery now."""
    line_id = tx.append_message(row.session_key, Direction.ADVOCATE, text, at)
    outbox_id = None
    if row.channel == WEB:  # the newest item: shown once the page asked past it
        newest = select(func.max(WebOutboxRow.id)).where(
            WebOutboxRow.session_key == row.session_key
        )
        outbox_id = int(tx.db.scalar(newest) or 0)
    written = AdvocateMessageRow(
        message_id=line_id,
        author=advocate.username,
        delivery=delivered.state,
        ref=tx.keys.digest("copy", f"{row.channel}:{delivered.refs[-1]}")
        if delivered.refs
        else None,
        outbox_id=outbox_id,
    )
    tx.db.add(written)
    tx.db.flush()
    return line_id, delivery(written, _oldest_unshown(tx, row.session_key))


def delivery(written: AdvocateMessageRow, unshown: int | None) -> Delivery:
    """Where the message is; ``unshown`` is the chat's oldest web outbox item the page has not
    shown yet (None: it showed them all)."""
    if written.outbox_id is None or written.delivery != "sent":
        return _as_delivery(written.delivery)
    return "sent" if unshown is not None and unshown <= written.outbox_id else "read"


def _oldest_unshown(tx: Transaction, key: str) -> int | None:
    oldest = select(func.min(WebOutboxRow.id)).where(WebOutboxRow.session_key == key)
    found = tx.db.scalar(oldest)
    return None if found is None else int(found)


def _as_delivery(state: str) -> Delivery:
    for known in get_args(Delivery):
        if state == known:
            return known  # type: ignore[no-any-return]
    raise ValueError(f"unknown delivery state {state!r}")


def _written(tx: Transaction, ids: list[int]) -> dict[int, AdvocateMessageRow]:
    if not ids:
        return {}
    query = select(AdvocateMessageRow).where(AdvocateMessageRow.message_id.in_(ids))
    return {found.message_id: found for found in tx.db.scalars(query)}


def _names(tx: Transaction, usernames: Iterable[str]) -> dict[str, str]:
    """Display names by username; an account removed since keeps its username."""
    wanted = list(usernames)
    if not wanted:
        return {}
    query = select(AdvocateRow.username, AdvocateRow.display_name).where(
        AdvocateRow.username.in_(wanted)
    )
    return {username: name or username for username, name in tx.db.execute(query)}


def _line(
    said: Said,
    written: AdvocateMessageRow | None,
    names: dict[str, str],
    unshown: int | None,
) -> Line:
    if written is None:
        return Line(id=said.id, direction=said.direction, text=said.text, at=said.at)
    return Line(
        id=said.id,
        direction=said.direction,
        text=said.text,
        at=said.at,
        author=written.author,
        author_name=names.get(written.author, written.author),
        delivery=delivery(written, unshown),
    )
