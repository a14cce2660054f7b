"""The conversation engine: safety layer, then understanding, then the active flow.

The engine keeps nothing between messages: each message loads its conversation,
is answered, and is written back in one transaction, so any worker can take the
next message of any conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babel.dates import format_timedelta
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.core.actions import Actions
from bot.core.catalog import SOURCE_LANGUAGE, Catalogs
from bot.core.flows import HANDOFF, WIPE, FlowBook, FlowError, Option, Step
from bot.core.messages import Choice, Inbound, Outcome, Reply
from bot.core.replies import compose
from bot.core.safety import Action, Match, SafetyLayer
from bot.core.states import ACTIVE, Direction, Handoff
from bot.handoff.queue import (
    enqueue,
    handoff_of,
    notice_due,
    place_in_line,
    raise_priority,
)
from bot.store.crypto import KeyRing
from bot.store.store import Conversation, Store, Transaction
from common.text import clean, normalize
from nlu.language import LanguageGuesser
from nlu.result import Interpreter, Parse
from resources_db.countries import country_from_phone, parse_country
from resources_db.needs import NEEDS

log = logging.getLogger(__name__)

MAX_ADVOCATE_CHARS = 1600
"""The longest reply an advocate may send (the console says so too)."""
MAX_CHAIN = 8
"""How many steps one message may pass through: a guard against cycles in flows."""

# What a safety match reports as the message's intent.
SAFETY_INTENTS = {
    Action.EXIT: "quick_exit",
    Action.DELETE: "delete_data",
    Action.EMERGENCY: "emergency",
    Action.MENU: "menu",
    Action.LANGUAGE: "change_language",
    Action.SET_LANGUAGE: "change_language",
}
# The flows the safety layer opens; answers inside them pass the rate limit too.
DELETE_FLOW = "delete"
UNSUPPORTED_LANGUAGE_FLOW = "unsupported_language"
EMERGENCY_FLOW = "emergency"
# Intents a model may add to the safety words, when it is sure enough.
MODEL_EXIT = "quick_exit"
MODEL_EXIT_CONFIDENCE = 0.95
MODEL_DELETE = "delete_data"
MODEL_EMERGENCY = "emergency"


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


class Engine:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        keys: KeyRing,
        catalogs: Catalogs,
        flows: FlowBook,
        safety: SafetyLayer,
        interpreter: Interpreter,
        guesser: LanguageGuesser,
        actions: Actions,
    ) -> None:
        self.settings = settings
        self.store = store
        self.keys = keys
        self.catalogs = catalogs
        self.flows = flows
        self.safety = safety
        self.interpreter = interpreter
        self.guesser = guesser
        self.actions = actions

    def handle(self, inbound: Inbound) -> Outcome:
        """Answer one message; its effects are committed before this returns.

        Two workers may take two messages of one sender at once; the loser of a
        race to create the same row starts over and sees the winner's work.
        """
        try:
            return self._handle_once(inbound)
        except IntegrityError:
            log.info("event=concurrent_write_retried")
            return self._handle_once(inbound)

    def _handle_once(self, inbound: Inbound) -> Outcome:
        key = self.keys.session_key(inbound.channel, inbound.sender)
        text = clean(inbound.text, self.settings.max_text)
        with self.store.transaction() as tx:
            if inbound.provider_id is not None:
                digest = self.keys.digest("delivery", f"{inbound.channel}:{inbound.provider_id}")
                if not tx.first_delivery(digest, inbound.received_at):
                    log.info("event=redelivery_dropped session=%s", key[:12])
                    return Outcome(replies=(), language=None, flow=None, duplicate=True)
            if inbound.copy is not None:
                # Before answering, so that a quick exit makes this copy due too.
                tx.keep_copy(
                    inbound.channel, key, inbound.copy.ref, inbound.copy.due_at, inbound.received_at
                )
            outcome = self._answer(tx, key, inbound, text)
        log.info(
            "event=message_handled session=%s replies=%d exited=%s",
            key[:12],
            len(outcome.replies),
            outcome.exited,
        )
        return outcome

    # -- the order of things ------------------------------------------------------------

    def _answer(self, tx: Transaction, key: str, inbound: Inbound, text: str) -> Outcome:
        match = self.safety.check(text)
        if match and match.action in (Action.EXIT, Action.STOP):
            return self._wipe_silently(tx, key, match)
        existing = tx.load(key)
        now = inbound.received_at
        if existing and self._for_advocate(existing, match):
            return self._to_advocate(tx, existing, text or f"[{inbound.choice or ''}]", now)
        conversation = existing or self._new_conversation(key, inbound, text, match)
        conversation.last_active = now
        if not self._within_rate(conversation, now) and not self._exempt_from_rate(
            conversation, match
        ):
            return self._rate_limited(tx, conversation)
        turn = Turn(conversation)
        if match:
            turn.intent, turn.confidence = SAFETY_INTENTS.get(match.action), 1.0
        self._route(turn, inbound, text, match)
        if turn.parse and self._model_says_exit(turn.parse):
            return self._wipe_silently(tx, key, Match(Action.EXIT, conversation.language))
        if turn.wipe:
            tx.wipe(key)
            return self._outcome(turn, exited=True)
        if turn.queue:
            place = enqueue(tx, conversation, inbound.sender, now)
            turn.parts.append(
                self.catalogs.text(conversation.language, "handoff.queued", position=place)
            )
        elif conversation.handoff in ACTIVE and match and match.action is Action.EMERGENCY:
            raise_priority(tx, key)
        tx.save(conversation)
        outcome = self._outcome(turn, exited=False)
        tx.append_message(key, Direction.IN, text or f"[{inbound.choice or ''}]", now)
        for reply in outcome.replies:
            tx.append_message(key, Direction.OUT, reply.text, now)
        return outcome

    def _route(self, turn: Turn, inbound: Inbound, text: str, match: Match | None) -> None:
        conversation = turn.conversation
        action = match.action if match else None
        if action is Action.SET_LANGUAGE and match:
            conversation.language = match.language
        if action is Action.DELETE:
            self._go(turn, DELETE_FLOW)
        elif action is Action.EMERGENCY:
            conversation.vars["emergency"] = True  # first in line, should they ask for a person
            self._go(turn, EMERGENCY_FLOW)
        elif text and self.guesser.is_unsupported(text):
            conversation.language = SOURCE_LANGUAGE
            self._go(turn, UNSUPPORTED_LANGUAGE_FLOW)
        elif conversation.is_new:
            self._first_contact(turn, text)
        elif action is Action.MENU or action is Action.SET_LANGUAGE:
            self._go(turn, self.flows.menu)
        elif action is Action.LANGUAGE:
            self._go(turn, "language")
        elif not text and not inbound.choice:
            turn.parts.append(
                self._text(turn, "input.text_only" if inbound.media else "input.empty")
            )
        else:
            self._continue(turn, inbound.choice, text)

    def _first_contact(self, turn: Turn, text: str) -> None:
        """A new conversation starts with the welcome, unless the first words are danger.

        Whatever the person asked for first is remembered, and taken up once they
        say it is safe to chat, so that nobody has to ask twice.
        """
        parse = self._parse(turn, text) if text else None
        if parse and parse.intent == MODEL_EMERGENCY:
            self._go(turn, EMERGENCY_FLOW)
            return
        target = self.flows.intents.get(parse.intent) if parse else None
        if target:
            turn.conversation.vars["resume"] = target
        self._go(turn, self.flows.start)

    def _continue(self, turn: Turn, choice: str | None, text: str) -> None:
        conversation = turn.conversation
        try:
            step = self.flows.resolve(f"{conversation.flow}.{conversation.step}")
        except FlowError:
            self._go(turn, self.flows.menu)  # the flows changed under a live conversation
            return
        if text:
            conversation.language = self.guesser.choose(
                text, conversation.language, None, self.settings.default_language
            )
        option = self._pick(turn, step, choice, text, by_intent=not step.input)
        if option is None and step.input:
            self._read_input(turn, step, text)
            return
        if option is not None:
            conversation.misses = 0
            conversation.vars.update(option.set)
            if "language" in option.set:
                conversation.language = option.set["language"]
            resume = conversation.vars.pop("resume", None) if option.resume else None
            self._go(turn, resume or option.go)
            return
        self._jump_or_miss(turn, text)

    def _read_input(self, turn: Turn, step: Step, text: str) -> None:
        conversation = turn.conversation
        assert step.input is not None
        assert step.go is not None
        if self.actions.read(step.input, conversation, text):
            conversation.misses = 0
            self._go(turn, step.go)
            return
        parse = self._parse(turn, text)
        target = self.flows.intents.get(parse.intent)
        # An answer that merely sounds like the flow it is in ("Atlantis" while
        # finding help) is an answer we could not read, not a new request.
        if target and self.flows.resolve(target).flow != step.flow:
            conversation.misses = 0
            self._go(turn, target)
            return
        if self._count_miss(turn):
            return
        assert step.invalid is not None
        assert step.ask is not None
        turn.parts.append(self._text(turn, step.invalid))
        turn.parts.append(self._text(turn, step.ask))

    def _pick(
        self, turn: Turn, step: Step, choice: str | None, text: str, by_intent: bool = True
    ) -> Option | None:
        """The option a message chooses: by button id, number, label, then intent."""
        for option in step.options:
            if choice == option.id:
                return option
        folded = normalize(text)
        if folded.isdigit() and 1 <= int(folded) <= len(step.options):
            return step.options[int(folded) - 1]
        for option in step.options:
            labels = {
                normalize(self.catalogs.text(lang, option.label))
                for lang in (turn.conversation.language, "en")
            }
            if folded and (folded in labels or folded == normalize(option.id)):
                return option
        if not folded or not by_intent:
            return None
        parse = self._parse(turn, text)
        for option in step.options:
            if parse.intent in option.intents:
                return option
        return None

    def _jump_or_miss(self, turn: Turn, text: str) -> None:
        parse = self._parse(turn, text) if text else None
        if parse and parse.intent == MODEL_DELETE:
            self._go(turn, DELETE_FLOW)
            return
        target = self.flows.intents.get(parse.intent) if parse else None
        if target:
            turn.conversation.misses = 0
            self._go(turn, target)
            return
        if not self._count_miss(turn):
            turn.parts.append(self._text(turn, "fallback.sorry"))
            self._go(turn, self.flows.menu)

    def _count_miss(self, turn: Turn) -> bool:
        """Count a message not understood; True when it led to the offer of a person."""
        conversation = turn.conversation
        conversation.misses += 1
        if conversation.misses < self.flows.misses_before_offer:
            return False
        conversation.misses = 0
        self._go(turn, self.flows.offer_person)
        return True

    # -- moving through steps -----------------------------------------------------------

    def _go(self, turn: Turn, target: str, depth: int = 0) -> None:
        if depth > MAX_CHAIN:
            raise FlowError(f"flows loop at {target!r}")
        step = self.flows.resolve(target)
        conversation = turn.conversation
        skip = (step.skip_if_set and conversation.vars.get(step.skip_if_set)) or (
            step.skip_if and self.actions.holds(step.skip_if, conversation)
        )
        if skip:
            assert step.go is not None
            self._go(turn, step.go, depth + 1)
            return
        conversation.flow, conversation.step = step.flow, step.id
        for part in step.say:
            if part.key:
                turn.parts.append(self._text(turn, part.key))
            elif part.action:
                found, text = self.actions.run(part.action, conversation)
                if found and part.intro:
                    turn.parts.append(self._text(turn, part.intro))
                turn.parts.append(text)
        if step.ask:
            turn.parts.append(self._text(turn, step.ask))
        turn.options = tuple(
            Choice(option.id, self._text(turn, option.label)) for option in step.options
        )
        if step.then == WIPE:
            turn.wipe = True
        elif step.then == HANDOFF:
            turn.queue = True
        elif step.then:
            self._go(turn, step.then, depth + 1)

    def back_to_bot(self, tx: Transaction, conversation: Conversation, now: datetime) -> Outcome:
        """End a handoff: the person is told so and finds the menu again.

        The retention clock starts again at this moment.
        """
        conversation.handoff = Handoff.NONE
        conversation.last_active = now
        turn = Turn(conversation)
        turn.parts.append(self._text(turn, "handoff.closed"))
        self._go(turn, self.flows.menu)
        tx.save(conversation)
        outcome = self._outcome(turn, exited=False)
        for reply in outcome.replies:
            tx.append_message(conversation.key, Direction.OUT, reply.text, now)
        return outcome

    def advocate_says(self, conversation: Conversation, text: str) -> Outcome:
        """An advocate's words as an outcome, for the person's channel to render."""
        rtl = self.catalogs.is_rtl(conversation.language)
        return Outcome(
            replies=(Reply(clean(text, MAX_ADVOCATE_CHARS), right_to_left=rtl),),
            language=conversation.language,
            flow=conversation.flow,
            handoff=conversation.handoff,
        )

    # -- helpers -------------------------------------------------------------------------

    def _new_conversation(
        self, key: str, inbound: Inbound, text: str, match: Match | None
    ) -> Conversation:
        now = inbound.received_at
        language = self.guesser.choose(
            text, None, inbound.language_hint, self.settings.default_language
        )
        if (
            match
            and match.language in self.catalogs.languages
            and match.action
            in (
                Action.DELETE,
                Action.EMERGENCY,
                Action.SET_LANGUAGE,
            )
        ):
            language = match.language
        conversation = Conversation(
            key=key,
            channel=inbound.channel,
            language=language,
            flow="",
            step="",
            created_at=now,
            last_active=now,
            rate_window_start=now,
            is_new=True,
        )
        country = inbound.country_hint or country_from_phone(inbound.sender)
        if country:
            conversation.vars["country"] = country
        return conversation

    def _parse(self, turn: Turn, text: str) -> Parse:
        if turn.parse is None:
            turn.parse = self.interpreter.parse(text)
            if turn.intent is None:
                turn.intent, turn.confidence = turn.parse.intent, turn.parse.confidence
            self._remember_entities(turn.conversation, turn.parse)
        return turn.parse

    def _remember_entities(self, conversation: Conversation, parse: Parse) -> None:
        """What the person said in passing ("a lawyer in Texas"), so no one asks again.

        A country already known (from the phone number or an answer) is kept: "I am
        from Mexico" names where someone comes from, not always where they are.
        """
        for entity in parse.entities:
            value = str(entity.get("value", ""))
            if entity.get("entity") == "need" and value in NEEDS:
                conversation.vars["need"] = value
            elif entity.get("entity") == "country" and "country" not in conversation.vars:
                country = parse_country(value, tuple(self.catalogs.languages))
                if country:
                    conversation.vars["country"] = country

    def _model_says_exit(self, parse: Parse) -> bool:
        """A quick exit the keywords missed ("he's coming, gtg"), when the model is sure.

        Wiping on a mistaken guess would lose the person's place, so this asks
        for more confidence than an ordinary intent.
        """
        return parse.intent == MODEL_EXIT and parse.confidence >= MODEL_EXIT_CONFIDENCE

    def _for_advocate(self, conversation: Conversation, match: Match | None) -> bool:
        """The silence rule: with a person on the way or there, messages are theirs.

        Only the safety layer still answers: quick exit and STOP (handled before),
        DELETE with its confirmation, and the emergency number.
        """
        if conversation.handoff not in ACTIVE:
            return False
        if match and match.action in (Action.DELETE, Action.EMERGENCY):
            return False
        return conversation.flow != DELETE_FLOW

    def _to_advocate(
        self, tx: Transaction, conversation: Conversation, text: str, now: datetime
    ) -> Outcome:
        """Keep the message for the advocate; remind a waiting person of their place, rarely."""
        conversation.last_active = now
        tx.append_message(conversation.key, Direction.IN, text, now)
        replies: tuple[Reply, ...] = ()
        row = handoff_of(tx, conversation.key)
        if row is not None and notice_due(row, now):
            row.notified_at = now
            place = place_in_line(tx, row)
            text = self.catalogs.text(conversation.language, "handoff.position", position=place)
            replies = (Reply(text, right_to_left=self.catalogs.is_rtl(conversation.language)),)
            tx.append_message(conversation.key, Direction.OUT, text, now)
        tx.save(conversation)
        log.info("event=message_for_advocate session=%s", conversation.key[:12])
        return Outcome(
            replies=replies,
            language=conversation.language,
            flow=conversation.flow,
            handoff=conversation.handoff,
        )

    def _within_rate(self, conversation: Conversation, now: datetime) -> bool:
        window = timedelta(seconds=self.settings.rate_limit_window)
        if now - conversation.rate_window_start >= window:
            conversation.rate_window_start = now
            conversation.rate_count = 0
            conversation.rate_notified = False
        conversation.rate_count += 1
        return conversation.rate_count <= self.settings.rate_limit_count

    def _exempt_from_rate(self, conversation: Conversation, match: Match | None) -> bool:
        """Deleting and getting the emergency number always work, answers included."""
        if match and match.action in (Action.DELETE, Action.EMERGENCY):
            return True
        return conversation.flow in (DELETE_FLOW, EMERGENCY_FLOW)

    def _rate_limited(self, tx: Transaction, conversation: Conversation) -> Outcome:
        replies: tuple[Reply, ...] = ()
        if not conversation.rate_notified:
            conversation.rate_notified = True
            text = self.catalogs.text(conversation.language, "rate.slow_down")
            replies = (Reply(text, right_to_left=self.catalogs.is_rtl(conversation.language)),)
        tx.save(conversation)
        log.info("event=rate_limited session=%s", conversation.key[:12])
        return Outcome(replies=replies, language=conversation.language, flow=conversation.flow)

    def _wipe_silently(self, tx: Transaction, key: str, match: Match) -> Outcome:
        tx.wipe(key)
        log.info("event=%s session=%s", match.action.value, key[:12])
        replies: tuple[Reply, ...] = ()
        if match.action is Action.EXIT and self.settings.exit_reply:
            replies = (Reply(self.settings.exit_reply),)
        return Outcome(
            replies=replies,
            language=None,
            flow=None,
            intent=SAFETY_INTENTS.get(match.action),
            confidence=1.0,
            exited=True,
        )

    def _text(self, turn: Turn, key: str) -> str:
        language = turn.conversation.language
        if key == "welcome.privacy":
            idle = format_timedelta(
                timedelta(seconds=self.settings.retention), locale=language, threshold=1.1
            )
            return self.catalogs.text(language, key, idle=idle)
        return self.catalogs.text(language, key)

    def _outcome(self, turn: Turn, exited: bool) -> Outcome:
        conversation = turn.conversation
        return Outcome(
            replies=compose(turn.parts, turn.options, self.catalogs.is_rtl(conversation.language)),
            language=conversation.language,
            flow=None if exited else conversation.flow,
            intent=turn.intent,
            confidence=turn.confidence,
            handoff=conversation.handoff,
            exited=exited,
            started=conversation.is_new,
        )
