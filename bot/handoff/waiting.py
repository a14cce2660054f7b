"""What the bot says to someone handed to a person, the few times it says anything.

The engine keeps a queued or assigned conversation silent but for the safety layer;
this module holds the exceptions: the queued confirmation, one acknowledgement of the
first message, the rare reminder of the place in line, taking consent back, and the
line that replaces a menu no one would answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.core.actions import Actions
from bot.core.catalog import Catalogs
from bot.core.flows import FlowError
from bot.core.interpreter import FlowInterpreter, Turn
from bot.core.states import Handoff
from bot.handoff.availability import OpeningHours
from bot.handoff.consent import TakeBack
from bot.handoff.notices import Notices
from bot.handoff.queue import (
    first_word_since_queued,
    notice_due,
    place_in_line,
    usual_wait,
    withdraw_consent,
)
from bot.store.models import HandoffRow
from bot.store.records import Conversation
from bot.store.store import Transaction

STILL = {Handoff.QUEUED: "queue.still_waiting", Handoff.ASSIGNED: "queue.still_with"}


class Waiting:
    """The engine's one voice towards a person on the way to an advocate or with one."""

    def __init__(self, settings: Settings, catalogs: Catalogs, actions: Actions) -> None:
        self.catalogs = catalogs
        self.notices = Notices(catalogs)
        self.people = actions.people
        self.take_back = TakeBack.load(settings.flows_dir / "handoff")
        self.default_wait = timedelta(minutes=settings.queue_wait) if settings.queue_wait else None

    def queued(
        self, tx: Transaction, conversation: Conversation, place: int, now: datetime
    ) -> list[str]:
        """The queued confirmation: the place, the wait or when someone is back, what the
        advocate will see and how to take it back."""
        language = conversation.language
        outlook = self.people.outlook(now)
        wait = None
        if outlook is not None and outlook.answers_now:
            wait = self._usual_wait(tx, outlook.hours, now)
        consent = conversation.vars.get("consent") == "yes"
        return [
            self.notices.queued(language, place, outlook, wait, now),
            self.notices.shown(language, consent, self.take_back.word(language)),
        ]

    def reply(
        self, tx: Transaction, conversation: Conversation, row: HandoffRow, text: str, now: datetime
    ) -> str | None:
        """What a message for the advocate gets back: mostly nothing."""
        language = conversation.language
        if self.take_back.said(text, language):
            late = row.state == Handoff.ASSIGNED  # the advocate may have read it already
            withdraw_consent(tx, conversation, row)
            return self.catalogs.text(
                language, "queue.withdrawn_late" if late else "queue.withdrawn"
            )
        if first_word_since_queued(row):
            row.notified_at = now
            return self.catalogs.text(language, "queue.ack")
        if notice_due(row, now):
            row.notified_at = now
            return self.catalogs.text(language, "handoff.position", position=place_in_line(tx, row))
        return None

    def hold(self, turn: Turn, flows: FlowInterpreter) -> None:
        """A flow the safety layer opened while a person is on the way or there (DELETE,
        then "keep"; an emergency) ended at a question or a menu, but the next message will
        go to the advocate: say where the person stands instead.

        The question and the texts of the step it ended at are dropped from the end of
        the reply, with its options; what came before (the emergency number, "nothing
        was erased") stays. A reply that asked nothing (the one line for "he's here")
        is left as it is.
        """
        conversation = turn.conversation
        try:
            step = flows.book.resolve(f"{conversation.flow}.{conversation.step}")
            keys = [part.key for part in step.say if part.key]
            texts = {flows.text(turn, key) for key in [*keys, step.ask] if key}
        except FlowError:  # the flows changed under a live conversation: drop the options
            texts = set()
        dropped = bool(turn.options)
        turn.options = ()
        while turn.parts and turn.parts[-1] in texts:
            turn.parts.pop()
            dropped = True
        if dropped:
            turn.parts.append(flows.text(turn, STILL[conversation.handoff]))

    def _usual_wait(self, tx: Transaction, hours: OpeningHours, now: datetime) -> timedelta | None:
        measured = usual_wait(tx, hours, now)
        return measured if measured is not None else self.default_wait
