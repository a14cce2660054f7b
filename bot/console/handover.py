"""Who holds a chat, and telling the person when that changes.

A claim, a transfer and an admin taking a chat over each tell the person (an advocate
joined; the chat was handed over), named as the deployment chooses
(``HAVEN_ADVOCATE_NAME_SHOWN``, ``bot.handoff.notices.shown_name``). The notice is kept in
the transcript in the same transaction as the change, and sent once it is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import HTTPException
from sqlalchemy import select

from bot.config import Settings
from bot.console.accounts import Advocate
from bot.console.models import MAX_NOTE_CHARS
from bot.console.relay import Relay
from bot.core.catalog import Catalogs
from bot.core.messages import Outcome
from bot.core.states import Handoff
from bot.handoff.notices import Notices, Presence, shown_name
from bot.store.models import AdvocateRow, HandoffRow, NoteRow
from bot.store.store import Transaction


@dataclass(frozen=True)
class Notice:
    """What to tell the person, and where, once the change is committed."""

    channel: str
    address: str
    outcome: Outcome

    async def send(self, relay: Relay) -> bool:
        return await relay.tell(self.channel, self.address, self.outcome)


class Holders:
    """Changes of who holds a chat, each with its notice to the person."""

    def __init__(self, settings: Settings, catalogs: Catalogs) -> None:
        self.settings = settings
        self.notices = Notices(catalogs)

    def hold(
        self, tx: Transaction, row: HandoffRow, holder: Advocate, event: Presence, now: datetime
    ) -> Notice | None:
        """``holder`` holds the chat from ``now``; the person is told (None: the conversation
        is gone, no one to tell)."""
        row.state, row.assigned_to, row.assigned_at = Handoff.ASSIGNED, holder.id, now
        person = tx.load(row.session_key)
        if person is None:
            return None
        if person.handoff != Handoff.ASSIGNED:
            person.handoff = Handoff.ASSIGNED
            tx.save(person)
        name = shown_name(self.settings, holder.name)
        outcome = self.notices.presence(tx, person, event, name, now)
        return Notice(row.channel, tx.keys.decrypt(row.address), outcome)


def holder_name(tx: Transaction, row: HandoffRow) -> str:
    """The display name of who holds the chat, for an answer that says why not."""
    holder = tx.db.get(AdvocateRow, row.assigned_to) if row.assigned_to is not None else None
    return (holder.display_name or holder.username) if holder else "another advocate"


def advocate_named(tx: Transaction, username: str) -> Advocate:
    """The account ``username``, or 404."""
    target = tx.db.scalar(select(AdvocateRow).where(AdvocateRow.username == username))
    if target is None:
        raise HTTPException(404, "no advocate by that name")
    return Advocate.of(target)


def keep_handover_note(
    tx: Transaction, row: HandoffRow, author: Advocate, to: Advocate, text: str, now: datetime
) -> None:
    """A note for the new holder, encrypted, erased with the conversation like any note."""
    if len(text) > MAX_NOTE_CHARS:
        raise HTTPException(413, f"a note has at most {MAX_NOTE_CHARS} characters")
    tx.db.add(
        NoteRow(
            session_key=row.session_key,
            author=author.username,
            body=tx.keys.encrypt(text),
            created_at=now,
            handover_to=to.username,
        )
    )
