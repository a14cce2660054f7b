"""Where each advocate is: signed in, taking chats, and whether their console is live.

An advocate counts for the queue while marked available and their console is live
(``bot.handoff.availability.answering``): the open stream beats every ``HEARTBEAT``, and
marking oneself available is a beat too, so the page has ``STREAM_GRACE`` to open its
stream. A stream lost for longer than that stops the advocate counting; it counts again
when the stream is back. Sessions clear the mark themselves (``bot.console.accounts``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.console.accounts import Advocate
from bot.console.models import Account, AvailabilityShown, Presence
from bot.core.states import Role
from bot.handoff.availability import answering
from bot.store.models import AdvocateRow, ConsoleSessionRow
from bot.store.store import Store, Transaction
from common.clock import aware, utcnow

HEARTBEAT = timedelta(seconds=15)
"""How often an open stream records that the advocate is there: a write, so not every poll;
well within ``STREAM_GRACE``."""


def beat(store: Store, advocate_id: int, now: datetime | None = None) -> None:
    """The advocate's console is live now."""
    with store.transaction() as tx:
        tx.db.execute(
            update(AdvocateRow).where(AdvocateRow.id == advocate_id).values(live_at=now or utcnow())
        )


def presence_of(available: bool, answers: bool, signed_in: bool) -> Presence:
    """``available``: the advocate's tick; ``answers``: counted for the queue now."""
    if answers:
        return Presence.AVAILABLE
    if not signed_in:
        return Presence.SIGNED_OUT
    return Presence.CONNECTION_LOST if available else Presence.AWAY


def own(tx: Transaction, advocate: Advocate, now: datetime | None = None) -> AvailabilityShown:
    """The advocate's own tick and presence, as their signed-in page sees them."""
    now = now or utcnow()
    query = select(AdvocateRow.available, answering(now)).where(AdvocateRow.id == advocate.id)
    found = tx.db.execute(query).first()
    available, answers = (bool(found[0]), bool(found[1])) if found else (False, False)
    return AvailabilityShown(
        available=available, presence=presence_of(available, answers, signed_in=True)
    )


def roster(tx: Transaction, idle: timedelta, now: datetime | None = None) -> list[Account]:
    """Every account with where it is, for transfers and for admins."""
    now = now or utcnow()
    signed_in = set(
        tx.db.scalars(
            select(ConsoleSessionRow.advocate_id).where(ConsoleSessionRow.last_seen >= now - idle)
        )
    )
    rows = tx.db.execute(select(AdvocateRow, answering(now)).order_by(AdvocateRow.username)).all()
    return [_account(row, bool(answers), row.id in signed_in, now) for row, answers in rows]


def _account(row: AdvocateRow, answers: bool, signed_in: bool, now: datetime) -> Account:
    return Account(
        username=row.username,
        display_name=row.display_name or row.username,
        role=Role(row.role),
        available=answers,
        presence=presence_of(row.available, answers, signed_in),
        signed_in=signed_in,
        locked=row.locked_until is not None and aware(row.locked_until) > now,
    )
