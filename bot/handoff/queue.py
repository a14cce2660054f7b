"""Handing a conversation to a person: the queue, its order, and what the advocate is shown.

States, stored per session (``sessions.handoff``) and per handoff row: ``queued``
(waiting for an advocate), ``assigned`` (an advocate holds it), then ``closed``,
which returns the person to the bot. While queued or assigned, the bot is silent
except for the safety layer; the engine enforces that in one place. Who is there
to answer is ``bot.handoff.availability``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from bot.core.states import Direction, Handoff
from bot.handoff.availability import OpeningHours
from bot.store.models import HandoffRow
from bot.store.records import Conversation
from bot.store.store import Transaction
from common.clock import aware

EMERGENCY_PRIORITY = 1
NOTICE_INTERVAL = timedelta(minutes=5)
"""A waiting person is told their place again at most this often."""
RECENT_CLAIMS = 50
CLAIMS_WINDOW = timedelta(days=30)
FEWEST_CLAIMS = 3
"""Fewer recent claims than this say nothing of a usual wait."""
WITH_CONSENT = "only if the person agreed to share it"


def _absent(value: object) -> bool:
    return value is None


class SummaryLine(BaseModel):
    direction: Direction
    text: str


class Summary(BaseModel):
    """What the advocate is shown before the chat: language and country, the rest with consent.

    Without consent the other fields are left out, not sent empty: the console
    page tells the advocate that the person chose not to share. Built by
    ``bot.handoff.summary``.
    """

    language: str
    country: str | None
    needs: list[str] | None = Field(default=None, exclude_if=_absent, description=WITH_CONSENT)
    flags: list[str] | None = Field(
        default=None,
        exclude_if=_absent,
        description=(
            "emergency, minor, child_involved, then the signs of forced labour the person's "
            f"words show, as plain tags (documents taken, can't leave, threats...); {WITH_CONSENT}"
        ),
    )
    last_messages: list[SummaryLine] | None = Field(
        default=None,
        exclude_if=_absent,
        description=(
            "the last things the person wrote that say something (direction in), chosen options "
            "by their label; never Haven's questions nor the answers to the handoff's; "
            f"{WITH_CONSENT}"
        ),
    )

    @classmethod
    def private(cls, conversation: Conversation) -> Summary:
        """Language and country only: what the advocate sees without consent."""
        return cls(language=conversation.language, country=conversation.vars.get("country"))


def enqueue(
    tx: Transaction, conversation: Conversation, address: str, now: datetime, summary: Summary
) -> int:
    """Put the conversation in the queue with what the advocate will see; returns its place.

    ``address`` is where an advocate's replies go (kept encrypted, deleted with the
    conversation).
    """
    priority = EMERGENCY_PRIORITY if conversation.vars.get("emergency") else 0
    row = handoff_of(tx, conversation.key)
    if row is None:
        row = HandoffRow(
            id=secrets.token_urlsafe(16),
            session_key=conversation.key,
            channel=conversation.channel,
        )
        tx.db.add(row)
    row.state, row.priority = Handoff.QUEUED, priority
    row.address = tx.keys.encrypt(address)
    row.queued_at, row.notified_at = now, now
    row.assigned_to, row.assigned_at, row.closed_at, row.outcome = None, None, None, None
    show(tx, conversation, row, summary)
    conversation.handoff = Handoff.QUEUED
    return place_in_line(tx, row)


def show(tx: Transaction, conversation: Conversation, row: HandoffRow, summary: Summary) -> None:
    """What the advocate sees from now on, and whether the person agreed to it; a person
    already in line keeps their place."""
    row.consent = consented(conversation)
    row.summary = tx.keys.encrypt(summary.model_dump_json())
    tx.db.flush()


def consented(conversation: Conversation) -> bool:
    """Only a clear yes shares the summary."""
    return conversation.vars.get("consent") == "yes"


def withdraw_consent(tx: Transaction, conversation: Conversation, row: HandoffRow) -> None:
    """The person took back their consent: the advocate is shown language and country only."""
    conversation.vars["consent"] = "no"
    show(tx, conversation, row, Summary.private(conversation))


def usual_wait(tx: Transaction, hours: OpeningHours, now: datetime) -> timedelta | None:
    """The median wait of the chats claimed lately, from the queue to an advocate; None
    when there are too few to tell.

    Only chats queued within opening hours count: one queued at night and claimed in
    the morning says nothing of the wait while someone is there. Rows go with their
    conversations at the retention, so these are the recent claims the database still holds.
    """
    rows = tx.db.execute(
        select(HandoffRow.queued_at, HandoffRow.assigned_at)
        .where(HandoffRow.assigned_at.is_not(None))
        .where(HandoffRow.assigned_at >= now - CLAIMS_WINDOW)
        .order_by(HandoffRow.assigned_at.desc())
        .limit(RECENT_CLAIMS)
    ).all()
    waits = [
        aware(claimed) - aware(queued)
        for queued, claimed in rows
        if claimed is not None and claimed >= queued and hours.open_at(aware(queued))
    ]
    return _median(waits) if len(waits) >= FEWEST_CLAIMS else None


def _median(waits: list[timedelta]) -> timedelta:
    ordered, middle = sorted(waits), len(waits) // 2
    return ordered[middle] if len(waits) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def place_in_line(tx: Transaction, row: HandoffRow) -> int:
    """1 for the next to be taken: emergencies first, then by waiting time."""
    ahead = tx.db.scalar(
        select(func.count())
        .select_from(HandoffRow)
        .where(HandoffRow.state == Handoff.QUEUED)
        .where(
            (HandoffRow.priority > row.priority)
            | ((HandoffRow.priority == row.priority) & (HandoffRow.queued_at < row.queued_at))
        )
    )
    return int(ahead or 0) + 1


def handoff_of(tx: Transaction, key: str) -> HandoffRow | None:
    return tx.db.scalar(select(HandoffRow).where(HandoffRow.session_key == key))


def notice_due(row: HandoffRow, now: datetime) -> bool:
    return row.state == Handoff.QUEUED and now - aware(row.notified_at) >= NOTICE_INTERVAL


def first_word_since_queued(row: HandoffRow) -> bool:
    """Nothing has been said to the person since they were queued: not the acknowledgement
    of a message, not a reminder of their place (each moves ``notified_at``)."""
    return row.state == Handoff.QUEUED and aware(row.notified_at) == aware(row.queued_at)


def raise_priority(tx: Transaction, key: str) -> None:
    row = handoff_of(tx, key)
    if row is not None:
        row.priority = EMERGENCY_PRIORITY
        tx.db.flush()
