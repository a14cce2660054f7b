"""The summary an advocate reads before taking a chat: what the person said, not what Haven asked.

With the person's consent, the summary holds their needs, flags and the last few things they
wrote that say something. Haven's own lines are left out, and so are the answers to the
handoff's questions (where they are, whether to share, whether to wait): a line is such an
answer when the line before it ended with one of those questions. A bare yes or no, an
option's number and an empty message say nothing either. A chosen option is kept in the
transcript by its label (``chosen``), so it reads as the person saw it.

An answer that shows a sign of forced labour ("I don't know where I am", where the country
was asked) is kept all the same. The flags are the conversation's (emergency, a minor, a
child involved), then the signs found in everything the person wrote
(``bot.handoff.indicators``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.flows import FlowError
from bot.core.interpreter import FlowInterpreter
from bot.core.minors import CHILD_INVOLVED, MINOR
from bot.core.replies import PARAGRAPH
from bot.core.states import Direction
from bot.handoff.indicators import Indicators
from bot.handoff.queue import Summary, SummaryLine, consented
from bot.store.records import Conversation
from bot.store.store import Transaction
from common.text import normalize

LAST_MESSAGES = 5
HANDOFF_FLOWS = ("person", "in_line")
"""The flows whose questions belong to the handoff itself (``flows/flows.yml``)."""
NEEDS = ("need", "topic")
FLAGS = ("emergency", MINOR, CHILD_INVOLVED)
SLOT = "\x00"
"""Stands for a question's parameter (a country's name) while its text is cut around it."""


@dataclass(frozen=True)
class Question:
    """A question's text around its parameter: "Are you in this country now: " and "?"."""

    start: str
    end: str
    whole: bool

    def ends(self, text: str) -> bool:
        """Whether ``text``'s last paragraph is this question."""
        last = text.rsplit(PARAGRAPH, 1)[-1].strip()
        if self.whole:
            return last == self.start
        fits = len(last) >= len(self.start) + len(self.end)
        return fits and last.startswith(self.start) and last.endswith(self.end)


def chosen(flows: FlowInterpreter, conversation: Conversation, choice: str | None) -> str:
    """What the transcript keeps of a button the person pressed: the option's label as they
    saw it, at the step the conversation is at; an id that step does not offer, in brackets."""
    try:
        step = flows.book.resolve(f"{conversation.flow}.{conversation.step}")
    except FlowError:
        return f"[{choice or ''}]"
    for option in step.options:
        if option.id == choice:
            return flows.catalogs.text(conversation.language, option.label)
    return f"[{choice or ''}]"


class Summarizer:
    def __init__(self, flows: FlowInterpreter, indicators: Indicators) -> None:
        self.flows = flows
        self.indicators = indicators
        steps = [step for step in flows.book.steps.values() if step.flow in HANDOFF_FLOWS]
        catalogs = flows.catalogs
        self.questions = [
            question(catalogs.text(language, key, **dict.fromkeys(catalogs.parameters(key), SLOT)))
            for key in {step.ask for step in steps if step.ask}
            for language in catalogs.languages
        ]
        """The handoff's questions in every language: the person may have switched since."""
        self.answers = {
            normalize(catalogs.text(language, option.label))
            for step in steps
            for option in step.options
            for language in catalogs.languages
        }
        """The handoff's options by their labels, as the transcript keeps a pressed one."""

    def summary(self, tx: Transaction, conversation: Conversation) -> Summary:
        """Language and country; with consent, needs, flags and the person's own words."""
        if not consented(conversation):
            return Summary.private(conversation)
        known = conversation.vars
        transcript = tx.transcript(conversation.key)
        written = [text for direction, text in transcript if direction == Direction.IN]
        said = self.said(transcript)
        return Summary(
            language=conversation.language,
            country=known.get("country"),
            needs=[known[name] for name in NEEDS if known.get(name)],
            flags=[flag for flag in FLAGS if known.get(flag)] + self.indicators.tags(written),
            last_messages=[
                SummaryLine(direction=Direction.IN, text=text) for text in said[-LAST_MESSAGES:]
            ],
        )

    def said(self, transcript: Iterable[tuple[Direction, str]]) -> list[str]:
        """What the person wrote that says something, oldest first."""
        kept: list[str] = []
        before: tuple[Direction, str] | None = None
        for direction, text in transcript:
            if direction == Direction.IN and self._says_something(text, before):
                kept.append(text)
            before = (direction, text)
        return kept

    def _says_something(self, text: str, before: tuple[Direction, str] | None) -> bool:
        folded = normalize(text)
        if not folded or folded.isdigit() or folded in self.answers:
            return False
        if self.flows.answers.meaning(folded) is not None:
            return False  # a bare yes or no
        if before is None or before[0] != Direction.OUT:
            return True
        if not any(asked.ends(before[1]) for asked in self.questions):
            return True
        return bool(self.indicators.tags([text]))  # an answer, unless it shows a sign


def question(text: str) -> Question:
    start, *rest = text.split(SLOT)
    return Question(start.strip(), rest[-1].strip() if rest else "", whole=not rest)
