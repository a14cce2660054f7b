"""What a reloaded web chat page shows again: the conversation as the server keeps it.

The page keeps nothing on the device; a reload asks the server for the transcript
of its own conversation (its cookie's), who said each line, where the conversation
stands (in line, with an advocate) and the choices of Haven's last question, when
they are still kept with its answer.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.channels.web import outbox
from bot.core.states import ACTIVE, Direction, Handoff
from bot.store.models import AnswerRow, SessionRow
from bot.store.store import Store, Transaction

SPEAKERS = {
    Direction.IN: "person",
    Direction.OUT: "haven",
    Direction.ADVOCATE: "advocate",
    Direction.NOTICE: "notice",
}
"""Who said each kind of line, as the page names it; notes for advocates are not shown."""
NOTHING: dict[str, Any] = {
    "lines": [],
    "lang": None,
    "state": Handoff.NONE.value,
    "with_person": False,
    "options": [],
    "after": 0,
}
"""The history of a page with no conversation."""


def history(store: Store, key: str) -> dict[str, Any]:
    """The conversation ``key`` as the page shows it; empty where there is none."""
    with store.transaction() as tx:
        session = tx.db.get(SessionRow, key)
        if session is None:
            return NOTHING
        lines = [
            {"from": SPEAKERS[direction], "text": text}
            for direction, text in tx.transcript(key)
            if direction in SPEAKERS
        ]
        state = Handoff(session.handoff)
        options = last_choices(tx, key, lines)
        return {
            "lines": lines,
            "lang": session.language,
            "state": state.value,
            "with_person": state in ACTIVE,
            "options": options,
            "after": outbox.last(tx, key),  # the transcript has what the outbox holds
        }


def last_choices(tx: Transaction, key: str, lines: list[dict[str, str]]) -> list[dict[str, str]]:
    """The options of Haven's last reply, if it is still the transcript's last line and its
    answer is still kept (``bot.store.answers``, a day at most)."""
    body = tx.db.scalar(
        select(AnswerRow.body)
        .where(AnswerRow.session_key == key)
        .order_by(AnswerRow.created_at.desc())
        .limit(1)
    )
    if body is None or not lines:
        return []
    replies = json.loads(tx.keys.decrypt(body))["replies"]
    if not replies or lines[-1] != {"from": "haven", "text": replies[-1]["text"]}:
        return []
    return [{"id": choice_id, "label": label} for choice_id, label in replies[-1]["options"]]
