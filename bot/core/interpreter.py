"""The flow interpreter: moves a conversation through the steps of ``flows/flows.yml``.

Flows are data; this module gives their steps meaning (say, ask, options, input,
skip, then) and decides which option a message picks. What the safety layer
answers, and what happens around the flows (handoff, rate limit, storing), is the
engine's business.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from babel.dates import format_timedelta

from bot.config import Settings
from bot.core import whereabouts
from bot.core.actions import Actions
from bot.core.answers import AnswerWords
from bot.core.catalog import Catalogs
from bot.core.flows import HANDOFF, WIPE, FlowBook, FlowError, Option, Step
from bot.core.messages import Choice
from bot.core.phone import PHONE_FLOW
from bot.core.safety import (
    DELETE_FLOW,
    EMERGENCY_FLOW,
    LEAVE_FLOW,
    MODEL_EMERGENCY,
    model_asks_exit,
    model_says_delete,
)
from bot.store.records import Conversation
from common.text import normalize
from nlu.language import LanguageGuesser
from nlu.result import Interpreter, Parse
from resources_db.countries import parse_country
from resources_db.needs import NEEDS

log = logging.getLogger(__name__)

MAX_CHAIN = 8
"""How many steps one message may pass through: a guard against cycles in flows."""


@dataclass
class Turn:
    """What one message produces while it passes through the flows."""

    conversation: Conversation
    parts: list[str] = field(default_factory=list)
    options: tuple[Choice, ...] = ()
    wipe: bool = False
    queue: bool = False
    """The flow handed the conversation to a person."""
    parse: Parse | None = None
    intent: str | None = None
    confidence: float | None = None
    understood: bool = False
    """The words or the step read the message: a model's guess does not override them."""
    danger: bool = False
    """The words hint at danger: no "Leave now?" on top of the emergency number."""


class FlowInterpreter:
    def __init__(
        self,
        settings: Settings,
        catalogs: Catalogs,
        book: FlowBook,
        actions: Actions,
        understanding: Interpreter,
        guesser: LanguageGuesser,
        answers: AnswerWords,
    ) -> None:
        self.settings = settings
        self.catalogs = catalogs
        self.book = book
        self.actions = actions
        self.understanding = understanding
        self.guesser = guesser
        self.answers = answers

    def first_contact(self, turn: Turn, text: str) -> None:
        """A new conversation starts with the welcome, unless the first words are danger.

        Whatever the person asked for first is remembered, and taken up once they
        say it is safe to chat, so that nobody has to ask twice.
        """
        parse = self.parse(turn, text) if text else None
        if parse and parse.intent == MODEL_EMERGENCY:
            self.go(turn, EMERGENCY_FLOW)
            return
        target = self.book.intents.get(parse.intent) if parse else None
        if text and self.answers.phone.says_checked(normalize(text)):
            target = PHONE_FLOW  # "he checks my phone": the steps first, once it is safe
        if target:
            turn.conversation.vars["resume"] = target
        self.go(turn, self.book.start)

    def answer(self, turn: Turn, choice: str | None, text: str) -> None:
        """The step the conversation is at reads the message: an option, an input, or neither."""
        conversation = turn.conversation
        try:
            step = self.book.resolve(f"{conversation.flow}.{conversation.step}")
        except FlowError:
            self.go(turn, self.book.menu)  # the flows changed under a live conversation
            return
        if text:
            conversation.language = self.guesser.choose(
                text, conversation.language, None, self.settings.default_language
            )
        if text and not choice and self._advise_on_phone(turn, step, text):
            turn.understood = True
            return
        option = self._pick(turn, step, choice, text, by_intent=not step.input)
        if option is None and step.input:
            self._read_input(turn, step, text)
            return
        if option is not None:
            # Chosen by its words, not by a model's guess at the intent.
            turn.understood = not (turn.parse and turn.parse.intent in option.intents)
            conversation.misses = 0
            conversation.vars.update(option.set)
            if "language" in option.set:
                conversation.language = option.set["language"]
            resume = conversation.vars.pop("resume", None) if option.resume else None
            self.go(turn, resume or option.go)
            return
        self._jump_or_miss(turn, text)

    def go(self, turn: Turn, target: str, depth: int = 0) -> None:
        """Enter a step: say its parts, ask its question, offer its options, follow ``then``."""
        if depth > MAX_CHAIN:
            raise FlowError(f"flows loop at {target!r}")
        step = self.book.resolve(target)
        conversation = turn.conversation
        skip = (step.skip_if_set and conversation.vars.get(step.skip_if_set)) or (
            step.skip_if and self.actions.holds(step.skip_if, conversation)
        )
        if skip:
            assert step.go is not None
            self.go(turn, step.go, depth + 1)
            return
        conversation.flow, conversation.step = step.flow, step.id
        for part in step.say:
            if part.key:
                turn.parts.append(self.text(turn, part.key))
            elif part.action:
                found, text = self.actions.run(part.action, conversation)
                if found and part.intro:
                    turn.parts.append(self.text(turn, part.intro))
                if text:  # an action may have nothing to add here (phone_after_erase)
                    turn.parts.append(text)
        self._ask(turn, step)
        if step.then == WIPE:
            turn.wipe = True
        elif step.then == HANDOFF:
            turn.queue = True
        elif step.then:
            self.go(turn, step.then, depth + 1)

    def ask_again(self, turn: Turn) -> None:
        """Ask the question of the step the conversation is at, again, with its options;
        a conversation not yet begun begins."""
        conversation = turn.conversation
        if not conversation.flow:
            self.go(turn, self.book.start)
            return
        try:
            step = self.book.resolve(f"{conversation.flow}.{conversation.step}")
        except FlowError:
            self.go(turn, self.book.menu)
            return
        self._ask(turn, step)

    def _ask(self, turn: Turn, step: Step) -> None:
        """A step's question and its options, in the person's language."""
        if step.ask:
            turn.parts.append(self.text(turn, step.ask))
        turn.options = tuple(
            Choice(option.id, self.text(turn, option.label)) for option in step.options
        )

    def parse(self, turn: Turn, text: str) -> Parse:
        """Understanding of the message, asked for once per turn and only when needed."""
        if turn.parse is None:
            turn.parse = self.understanding.parse(text)
            if turn.intent is None:
                turn.intent, turn.confidence = turn.parse.intent, turn.parse.confidence
            self._remember_entities(turn.conversation, turn.parse)
        return turn.parse

    def text(self, turn: Turn, key: str) -> str:
        language = turn.conversation.language
        if "idle" in self.catalogs.parameters(key):  # how long an idle chat is kept
            idle = format_timedelta(
                timedelta(seconds=self.settings.retention), locale=language, threshold=1.1
            )
            return self.catalogs.text(language, key, idle=idle)
        if key == whereabouts.CONFIRM_KEY:  # "are you in this country now: …?"
            return whereabouts.confirm_question(self.catalogs, turn.conversation)
        return self.catalogs.text(language, key)

    def last_resort(self, turn: Turn) -> None:
        """A flow step failed (a broken flow, a directory that did not answer).

        The person still gets an apology and the emergency number, and the next
        message starts again from the menu.
        """
        conversation = turn.conversation
        turn.options, turn.queue = (), False
        turn.parts = [self.text(turn, "fallback.error"), self.emergency_line(conversation)]
        try:
            menu = self.book.resolve(self.book.menu)
            conversation.flow, conversation.step = menu.flow, menu.id
        except FlowError:
            conversation.flow, conversation.step = "", ""

    def emergency_line(self, conversation: Conversation) -> str:
        """The emergency number where the person is; the general numbers where unknown."""
        try:
            return self.actions.emergency_numbers(conversation).text
        except Exception as exc:  # the directory itself may be what failed
            # The type only: a database error's text carries its query's parameters.
            log.warning(
                "event=emergency_lookup_failed session=%s error=%s",
                conversation.key[:12],
                type(exc).__name__,
            )
            return self.catalogs.text(conversation.language, "emergency.call_general")

    def number_first(self, turn: Turn) -> None:
        """Put the emergency number at the head of the reply, once."""
        line = self.emergency_line(turn.conversation)
        if line in turn.parts:
            turn.parts.remove(line)
        turn.parts.insert(0, line)

    def _read_input(self, turn: Turn, step: Step, text: str) -> None:
        conversation = turn.conversation
        assert step.input is not None
        assert step.go is not None
        if self.actions.read(step.input, conversation, text):
            turn.understood = True
            conversation.misses = 0
            self.go(turn, step.go)
            return
        parse = self.parse(turn, text)
        if not turn.danger and model_asks_exit(parse.intent, parse.confidence):
            self._ask_leave(turn)
            return
        target = self.book.intents.get(parse.intent)
        # An answer that merely sounds like the flow it is in ("Atlantis" while
        # finding help) is an answer we could not read, not a new request.
        if target and self.book.resolve(target).flow != step.flow:
            conversation.misses = 0
            self.go(turn, target)
            return
        if self._count_miss(turn):
            return
        assert step.invalid is not None
        assert step.ask is not None
        turn.parts.append(self.text(turn, step.invalid))
        turn.parts.append(self.text(turn, step.ask))

    def _pick(
        self, turn: Turn, step: Step, choice: str | None, text: str, by_intent: bool = True
    ) -> Option | None:
        """The option a message chooses: by button id, number, label, yes or no, its words
        (``bot.core.answers``), then a need or other value it names, then intent.

        A step with ``otherwise`` takes no guess from a model: what is not clearly one
        of its options is its ``otherwise`` option.
        """
        for option in step.options:
            if choice == option.id:
                return option
        folded = normalize(text)
        if folded.isdigit() and 1 <= int(folded) <= len(step.options):
            return step.options[int(folded) - 1]
        languages = (turn.conversation.language, "en")
        for option in step.options:
            labels = {normalize(self.catalogs.text(lang, option.label)) for lang in languages}
            if folded and (folded in labels or folded == normalize(option.id)):
                return option
        meaning = self.answers.meaning(folded) if folded else None
        for option in step.options:
            if meaning and option.means == meaning:
                return option
        language = turn.conversation.language
        typed = self.answers.choose(
            folded, step.options, language, self.catalogs, phrases=not step.otherwise
        )
        if typed is not None:
            if not typed.whole:
                self.parse(turn, text)  # the model may still hear danger in the words around
            return step.options[typed.index]
        if step.otherwise and (text.strip() or choice):
            return next(option for option in step.options if option.id == step.otherwise)
        if not folded or not by_intent:
            return None
        parse = self.parse(turn, text)
        named = self.answers.named(folded, step.options, parse.entities)
        if named is not None:
            return step.options[named]  # "abrigo": a need the understanding knows
        for option in step.options:
            if parse.intent in option.intents:
                return option
        return None

    def _jump_or_miss(self, turn: Turn, text: str) -> None:
        parse = self.parse(turn, text) if text else None
        if parse and model_says_delete(parse.intent, parse.confidence):
            self.go(turn, DELETE_FLOW)
            return
        if parse and not turn.danger and model_asks_exit(parse.intent, parse.confidence):
            self._ask_leave(turn)
            return
        if parse and parse.intent in self.book.replies:
            turn.parts.append(self.text(turn, self.book.replies[parse.intent]))
            return  # "thank you", "bye": answered, and the conversation stays where it is
        target = self.book.intents.get(parse.intent) if parse else None
        if target:
            turn.conversation.misses = 0
            self.go(turn, target)
            return
        if text and not any(ch.isalnum() for ch in text):
            # Only emoji or signs ("😢😢"): no words to misread, and no reason to say so.
            turn.parts.append(self.text(turn, "smalltalk.no_words"))
            self.ask_again(turn)
            return
        if not self._count_miss(turn):
            turn.parts.append(self.text(turn, "fallback.sorry"))
            self.go(turn, self.book.menu)

    def _advise_on_phone(self, turn: Turn, step: Step, text: str) -> bool:
        """Someone checks or shares the phone: steps for the person's channel, then on.

        A "yes, but…" at the safe-to-talk question is a yes: what was asked first, or
        the menu, comes after the steps; elsewhere, the step the person was at.
        """
        at_start = step.name == self.book.resolve(self.book.start).name
        if not self.answers.phone.wants_advice(step, text, at_start):
            return False
        conversation = turn.conversation
        conversation.misses = 0
        if not at_start:
            conversation.vars["resume"] = step.name
        elif conversation.vars.get("resume") == PHONE_FLOW:
            del conversation.vars["resume"]  # said on first contact, heard now
        self.go(turn, PHONE_FLOW)
        return True

    def _ask_leave(self, turn: Turn) -> None:
        """The model thinks the person must go but is not sure enough to erase: ask.

        "No" goes back to the step they were at; "yes" erases as quick exit does.
        """
        conversation = turn.conversation
        if conversation.flow != LEAVE_FLOW:
            conversation.vars["resume"] = f"{conversation.flow}.{conversation.step}"
        self.go(turn, LEAVE_FLOW)

    def _count_miss(self, turn: Turn) -> bool:
        """Count a message not understood; True when it led to the offer of a person."""
        conversation = turn.conversation
        conversation.misses += 1
        if conversation.misses < self.book.misses_before_offer:
            return False
        conversation.misses = 0
        self.go(turn, self.book.offer_person)
        return True

    def _remember_entities(self, conversation: Conversation, parse: Parse) -> None:
        """What the person said in passing ("a lawyer in Texas"), so no one asks again.

        A country already known (from the phone number or an answer) is kept: "I am
        from Mexico" names where someone comes from, not always where they are, so a
        country taken from here is confirmed before lines are given (``whereabouts``).
        """
        for entity in parse.entities:
            value = str(entity.get("value", ""))
            if entity.get("entity") == "need" and value in NEEDS:
                conversation.vars["need"] = value
            elif entity.get("entity") == "country" and "country" not in conversation.vars:
                country = parse_country(value, tuple(self.catalogs.languages))
                if country:
                    whereabouts.mention(conversation, country)
