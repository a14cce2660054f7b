"""Putting a person in line for an advocate, and what is asked of them while they wait.

Most people answer the handoff's questions (where they are, whether the advocate may see a
summary) before they are queued. Someone in danger, with an advocate there to answer now, is
queued at once, first in line (``person.at_once`` in ``flows/flows.yml``), and asked those
questions afterwards, while waiting (``in_line``): each answer updates what the advocate
sees, and until a clear yes the advocate sees language and country only. The emergency
number came before, with the offer of a person; it is never held back for a question.

A message that does not answer the question it follows is the advocate's like any other,
and the next question comes; at the consent question anything but a clear yes keeps the
summary private. The words that take consent back (``PRIVATE``) work here too.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.core.catalog import SOURCE_LANGUAGE
from bot.core.flows import FlowError, Option, Step
from bot.core.interpreter import FlowInterpreter, Turn
from bot.core.messages import Choice
from bot.core.minors import Minors
from bot.core.replies import PARAGRAPH
from bot.core.states import Handoff
from bot.handoff.indicators import Indicators
from bot.handoff.queue import consented, enqueue, show
from bot.handoff.summary import Summarizer, chosen
from bot.handoff.waiting import Waiting
from bot.store.models import HandoffRow
from bot.store.records import Conversation
from bot.store.store import Transaction
from common.text import normalize

AT_ONCE = "person.at_once"
IN_LINE = "in_line"
"""The flow of the questions asked while waiting."""


class Handover:
    def __init__(
        self, settings: Settings, flows: FlowInterpreter, waiting: Waiting, minors: Minors
    ) -> None:
        self.flows = flows
        self.waiting = waiting
        self.minors = minors
        indicators = Indicators.load(settings.flows_dir / "handoff" / "indicators")
        self.summaries = Summarizer(flows, indicators)

    def said(self, conversation: Conversation, choice: str | None) -> str:
        """What the transcript keeps of a pressed button: its label (``summary.chosen``)."""
        return chosen(self.flows, conversation, choice)

    def queue(self, tx: Transaction, turn: Turn, address: str, now: datetime) -> None:
        """Queue the conversation a flow handed over, and tell the person their place; someone
        queued at once is then asked the first question still open."""
        conversation = turn.conversation
        at_once = f"{conversation.flow}.{conversation.step}" == AT_ONCE
        if at_once:
            conversation.vars.pop("consent", None)  # asked now, while waiting
        summary = self.summaries.summary(tx, conversation)
        place = enqueue(tx, conversation, address, now, summary)
        told = self.waiting.queued(tx, conversation, place, now)
        if not at_once:
            turn.parts += told
            return
        turn.parts.append(told[0])  # the place; what the advocate will see follows the answer
        self.flows.go(turn, IN_LINE)
        self.minors.answer(turn, first=False, match=None)

    def asking(self, conversation: Conversation) -> bool:
        """Whether a question of ``in_line`` waits for its answer."""
        return (
            conversation.handoff == Handoff.QUEUED
            and conversation.flow == IN_LINE
            and "consent" not in conversation.vars
        )

    def reply(
        self, tx: Transaction, conversation: Conversation, row: HandoffRow, text: str, now: datetime
    ) -> tuple[str | None, tuple[Choice, ...]]:
        """What a message for the advocate gets back: the next question while one is open,
        else what ``Waiting.reply`` says (mostly nothing)."""
        step = self._question(conversation)
        if step is None or self.waiting.take_back.said(text, conversation.language):
            return self.waiting.reply(tx, conversation, row, text, now), ()
        turn = Turn(conversation)
        self._answer(turn, step, text)
        if turn.queue:  # consent given or not: the person is told what the advocate will see
            language = conversation.language
            word = self.waiting.take_back.word(language)
            turn.parts.append(self.waiting.notices.shown(language, consented(conversation), word))
        show(tx, conversation, row, self.summaries.summary(tx, conversation))
        row.notified_at = now
        self.minors.answer(turn, first=False, match=None)
        return PARAGRAPH.join(turn.parts), turn.options

    def _question(self, conversation: Conversation) -> Step | None:
        if not self.asking(conversation):
            return None
        try:
            return self.flows.book.resolve(f"{conversation.flow}.{conversation.step}")
        except FlowError:  # the flows changed under a waiting person: ask nothing more
            return None

    def _answer(self, turn: Turn, step: Step, text: str) -> None:
        conversation = turn.conversation
        option = self._option(step, conversation.language, text)
        if option is not None:
            conversation.vars.update(option.set)
            self.flows.go(turn, option.go)
            return
        assert step.go is not None  # an input step: flows.py requires its go
        if not (step.input and self.flows.actions.read(step.input, conversation, text)):
            turn.parts.append(self.flows.text(turn, "queue.ack"))  # the advocate's, then on
        self.flows.go(turn, step.go)

    def _option(self, step: Step, language: str, text: str) -> Option | None:
        """The option a message picks: its number, label, id or yes or no; else the step's
        ``otherwise``, where it has one (only a clear yes is a yes)."""
        folded = normalize(text)
        if folded.isdigit() and 1 <= int(folded) <= len(step.options):
            return step.options[int(folded) - 1]
        meaning = self.flows.answers.meaning(folded)
        catalogs, languages = self.flows.catalogs, (language, SOURCE_LANGUAGE)
        for option in step.options:
            labels = {normalize(catalogs.text(lang, option.label)) for lang in languages}
            if folded in labels or folded == option.id or (meaning and option.means == meaning):
                return option
        return next((option for option in step.options if option.id == step.otherwise), None)
