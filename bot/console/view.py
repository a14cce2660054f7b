"""What the console shows of a handed-over conversation: its item in a list, its summary."""

from __future__ import annotations

from datetime import datetime

from fastapi import HTTPException
from sqlalchemy import select

from bot.console.accounts import Advocate
from bot.console.models import ConversationItem
from bot.core.catalog import RIGHT_TO_LEFT
from bot.core.states import Direction, Handoff
from bot.handoff.queue import Summary
from bot.store.models import AdvocateRow, HandoffRow, MessageRow
from bot.store.store import Transaction
from common.clock import aware

CONVERSATION_ID_CHARS = 32


def handoff_or_404(tx: Transaction, conversation_id: str) -> HandoffRow:
    row = None
    if len(conversation_id) <= CONVERSATION_ID_CHARS:
        row = tx.db.get(HandoffRow, conversation_id)
    if row is None or row.state == Handoff.CLOSED:
        raise HTTPException(404, "no such conversation")
    return row


def held_or_403(tx: Transaction, conversation_id: str, advocate: Advocate) -> HandoffRow:
    """A chat the advocate holds, or any chat for an admin (who reads it, audited)."""
    row = handoff_or_404(tx, conversation_id)
    if not advocate.is_admin and row.assigned_to != advocate.id:
        raise HTTPException(403, "this chat is not yours")
    return row


def waiting(tx: Transaction) -> list[HandoffRow]:
    """Queued chats in the order to take them: emergencies first, then the longest wait."""
    query = (
        select(HandoffRow)
        .where(HandoffRow.state == Handoff.QUEUED)
        .order_by(HandoffRow.priority.desc(), HandoffRow.queued_at)
    )
    return list(tx.db.scalars(query).all())


def held_by(tx: Transaction, advocate: Advocate | None) -> list[HandoffRow]:
    """The chats an advocate holds; with None, every chat anyone holds."""
    query = select(HandoffRow).where(HandoffRow.state == Handoff.ASSIGNED)
    if advocate is not None:
        query = query.where(HandoffRow.assigned_to == advocate.id)
    return list(tx.db.scalars(query.order_by(HandoffRow.assigned_at)).all())


def summary_of(tx: Transaction, row: HandoffRow) -> Summary:
    return Summary.model_validate_json(tx.keys.decrypt(row.summary))


def conversation_item(tx: Transaction, row: HandoffRow) -> ConversationItem:
    summary = summary_of(tx, row)
    holder = tx.db.get(AdvocateRow, row.assigned_to) if row.assigned_to is not None else None
    held = row.state == Handoff.ASSIGNED
    return ConversationItem(
        id=row.id,
        channel=row.channel,
        language=summary.language,
        right_to_left=summary.language in RIGHT_TO_LEFT,
        country=summary.country,
        priority="emergency" if row.priority else "normal",
        emergency=bool(row.priority),
        state=Handoff(row.state),
        waiting_since=aware(row.queued_at),
        assigned=row.assigned_to is not None,
        assigned_to=holder.username if holder else None,
        assigned_name=(holder.display_name or holder.username) if holder else None,
        held_since=aware(row.assigned_at) if held and row.assigned_at else None,
        unanswered_since=unanswered_since(tx, row) if held else None,
    )


def unanswered_since(tx: Transaction, row: HandoffRow) -> datetime | None:
    """The person's oldest message since an advocate last wrote (None: answered), read from
    the directions and times alone: nothing is decrypted."""
    query = (
        select(MessageRow.direction, MessageRow.created_at)
        .where(MessageRow.session_key == row.session_key, MessageRow.created_at >= row.queued_at)
        .order_by(MessageRow.id)
    )
    since = None
    for direction, at in tx.db.execute(query):
        if direction == Direction.ADVOCATE:
            since = None
        elif direction == Direction.IN and since is None:
            since = aware(at)
    return since
