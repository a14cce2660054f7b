"""The conversation engine: safety layer, rate limit, then a person or the flows.

The engine keeps nothing between messages: each message loads its conversation,
is answered, and is written back in one transaction, so any worker can take the
next message of any conversation.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bot.config import Settings
from bot.core import safety, whereabouts
from bot.core.actions import ActionError, Actions
from bot.core.catalog import SOURCE_LANGUAGE, Catalogs
from bot.core.flows import FlowError
from bot.core.interpreter import FlowInterpreter, Turn
from bot.core.messages import Choice, Inbound, Outcome, Reply, Speaker
from bot.core.minors import Minors
from bot.core.rate import count_message
from bot.core.replies import PARAGRAPH, compose
from bot.core.safety import Action, Match, SafetyLayer
from bot.core.states import ACTIVE, Direction, Handoff
from bot.handoff.handover import Handover
from bot.handoff.queue import handoff_of, raise_priority
from bot.handoff.waiting import Waiting
from bot.store import answers
from bot.store.crypto import KeyRing
from bot.store.records import Conversation
from bot.store.store import Store, Transaction
from common.text import clean
from nlu.language import LanguageGuesser
from nlu.result import Interpreter
from resources_db.countries import country_from_phone

log = logging.getLogger(__name__)

FOLLOW_CONFIDENCE = 0.7
"""How sure the detector must be before a cry for help moves the conversation to its
language: a word two languages share ("socorro") leaves it where it is."""


class Engine:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        keys: KeyRing,
        catalogs: Catalogs,
        safety_layer: SafetyLayer,
        guesser: LanguageGuesser,
        flows: FlowInterpreter,
    ) -> None:
        self.settings = settings
        self.store = store
        self.keys = keys
        self.catalogs = catalogs
        self.safety = safety_layer
        self.guesser = guesser
        self.flows = flows
        self.waiting = Waiting(settings, catalogs, flows.actions)
        self.minors = Minors.load(settings.flows_dir / "minors", flows)
        self.handover = Handover(settings, flows, self.waiting, self.minors)

    @property
    def actions(self) -> Actions:
        return self.flows.actions

    @property
    def interpreter(self) -> Interpreter:
        """Understanding: the embedded classifier, or Rasa."""
        return self.flows.understanding

    def handle(self, inbound: Inbound) -> Outcome:
        """Answer one message; its effects are committed before this returns.

        The messages of one conversation are applied one after another (``tx.lock``).
        Should a row still change under a message (created, or erased, by another
        worker), the message starts over and sees that work.
        """
        try:
            return self._handle_once(inbound)
        except (IntegrityError, StaleDataError):
            log.info("event=concurrent_write_retried")
            return self._handle_once(inbound)

    def _handle_once(self, inbound: Inbound) -> Outcome:
        key = self.keys.session_key(inbound.channel, inbound.sender)
        text = clean(inbound.text, self.settings.max_text)
        digest = None
        with self.store.transaction() as tx:
            tx.lock(key)  # before any row is written, as every transaction does
            if inbound.provider_id is not None:
                digest = self.keys.digest("delivery", f"{inbound.channel}:{inbound.provider_id}")
                if not tx.first_delivery(digest, inbound.received_at):
                    return self._redelivered(tx, key, digest)
            outcome = self._answer(tx, key, inbound, text)
            if digest is not None and outcome.replies and not outcome.exited:
                answers.keep(tx, digest, key, outcome.kept(), inbound.received_at)
                outcome = outcome.keeping(digest)
            if inbound.copy is not None:
                # Linked to the conversation it joined; after a quick exit, due at once.
                tx.keep_copy(
                    inbound.channel,
                    None if outcome.exited else key,
                    inbound.copy.ref,
                    inbound.copy.due_at,
                    inbound.received_at,
                )
        log.info(
            "event=message_handled session=%s replies=%d exited=%s",
            key[:12],
            len(outcome.replies),
            outcome.exited,
        )
        return outcome

    @staticmethod
    def _redelivered(tx: Transaction, key: str, digest: str) -> Outcome:
        """A message handled before: its replies again where they may not have gone out
        (the worker that handled it stopped before its channel answered), else nothing."""
        kept = answers.kept(tx, digest, key)
        log.info("event=redelivery session=%s answered_again=%s", key[:12], kept is not None)
        if kept is None:
            return Outcome(replies=(), language=None, flow=None, duplicate=True)
        return Outcome.again(kept, digest)

    # -- the order of things ------------------------------------------------------------

    def _answer(self, tx: Transaction, key: str, inbound: Inbound, text: str) -> Outcome:
        match = self.safety.check(text)
        if match and safety.wipes(match):
            return self._wipe_silently(tx, key, match)
        existing = tx.load(key)
        sent = None if inbound.single_use else inbound.received_at
        if tx.raced_erasure(key, sent, existing):  # quick exit always wins
            log.info("event=message_after_erasure_dropped session=%s", key[:12])
            return Outcome(replies=(), language=None, flow=None, exited=True)
        now = inbound.received_at
        conversation = existing or self._new_conversation(key, inbound, text, match)
        conversation.last_active = now
        first_said_minor = self.minors.notice(conversation, text)  # in every state, even queued
        whereabouts.notice(conversation, text, self.catalogs.languages)  # before any number
        within = count_message(
            conversation, now, self.settings.rate_limit_count, self.settings.rate_limit_window
        )
        if not within and not safety.passes_rate_limit(match, conversation.flow):
            return self._rate_limited(tx, conversation)
        said = text or self.handover.said(conversation, inbound.choice)  # a button by its label
        if conversation.handoff in ACTIVE and not safety.passes_handoff(match, conversation.flow):
            return self._to_advocate(tx, conversation, said, now, match)
        turn = Turn(conversation, danger=bool(match and match.action is Action.DANGER))
        if match:
            turn.intent, turn.confidence = safety.INTENTS.get(match.action), 1.0
        try:
            self._route(turn, inbound, text, match)
        except (ActionError, FlowError):
            log.exception("event=flow_failed session=%s", key[:12])
            self.flows.last_resort(turn)
        if (
            turn.parse
            and not (match or turn.understood)  # the words and the step go before a guess
            and safety.model_says_exit(turn.parse.intent, turn.parse.confidence)
        ):
            return self._wipe_silently(tx, key, Match(Action.EXIT, conversation.language))
        if (match and match.action is Action.DANGER) or (
            turn.parse and safety.model_hints_danger(turn.parse.ranking)
        ):
            conversation.vars["emergency"] = True  # first in line, should they ask for a person
            self.flows.number_first(turn)
        self.minors.answer(turn, first_said_minor, match)
        if turn.wipe:
            tx.wipe(key)
            return self._outcome(turn, exited=True)
        if conversation.handoff in ACTIVE and conversation.flow != safety.DELETE_FLOW:
            self.waiting.hold(turn, self.flows)  # no menu that the advocate would be sent
        if turn.queue:
            tx.save(conversation)  # the handoff row references the session: it must exist
            self.handover.queue(tx, turn, inbound.sender, now)
        elif conversation.handoff in ACTIVE and match and match.action in safety.RAISES_PRIORITY:
            raise_priority(tx, key)
        tx.save(conversation)
        outcome = self._outcome(turn, exited=False)
        tx.append_messages(
            key, [(Direction.IN, said), *((Direction.OUT, r.text) for r in outcome.replies)], now
        )
        return outcome

    def _route(self, turn: Turn, inbound: Inbound, text: str, match: Match | None) -> None:
        conversation = turn.conversation
        action = match.action if match else None
        if action is Action.DANGER and self.safety.finds(text, Action.POLICE_QUESTION):
            action = Action.POLICE_QUESTION  # the number goes first all the same
        if action is Action.SET_LANGUAGE and match:
            conversation.language = match.language
        elif match and action in safety.ANSWERED_IN_ITS_LANGUAGE:
            self._follow_language(conversation, match, text)
        if action is Action.DELETE:
            self.flows.go(turn, safety.DELETE_FLOW)
        elif action is Action.EMERGENCY:
            conversation.vars["emergency"] = True  # first in line, should they ask for a person
            self.flows.go(turn, safety.EMERGENCY_FLOW)
            if match and match.language not in self.catalogs.languages:
                # Never English without saying why: after the number, which language it is.
                conversation.vars["unsupported"] = [match.language]
                turn.parts.insert(1, self.actions.language_notice(conversation).text)
        elif action is Action.PRESENT:
            # Someone may be reading over their shoulder: the number, nothing else, and the
            # conversation stays where it was.
            conversation.vars["emergency"] = True
            turn.parts.append(self.flows.emergency_line(conversation))
        elif action in safety.FIXED_ANSWERS and match:
            if match.language in self.catalogs.languages:
                conversation.language = match.language  # answered in the words it was asked
            turn.parts.append(self.flows.text(turn, safety.FIXED_ANSWERS[action]))
            self.flows.ask_again(turn)
        elif text and (other := self.unsupported_language(text, match)) is not None:
            conversation.language = SOURCE_LANGUAGE
            conversation.vars["unsupported"] = list(other)
            self.flows.go(turn, safety.UNSUPPORTED_LANGUAGE_FLOW)
        elif conversation.is_new or not conversation.flow:
            self.flows.first_contact(turn, text)
        elif action is Action.MENU or action is Action.SET_LANGUAGE:
            self.flows.go(turn, self.flows.book.menu)
        elif action is Action.LANGUAGE:
            self.flows.go(turn, "language")
        elif not text and not inbound.choice:
            key = "input.text_only" if inbound.media else "input.empty"
            turn.parts.append(self.flows.text(turn, key))
        else:
            self.flows.answer(turn, inbound.choice, text)

    def _follow_language(self, conversation: Conversation, match: Match, text: str) -> None:
        """A cry for help in another language Haven speaks ("hi", then "ayuda, me pega") is
        answered in it, when the detector agrees that the message is written in it."""
        if match.language == conversation.language or match.language not in self.catalogs.languages:
            return
        guess = self.guesser.guess(text)
        if guess and guess.language == match.language and guess.confidence >= FOLLOW_CONFIDENCE:
            conversation.language = match.language

    def unsupported_language(self, text: str, match: Match | None) -> tuple[str, ...] | None:
        """The language(s) Haven cannot answer ``text`` in: its words' or the detector's."""
        if match and match.language not in self.catalogs.languages:
            return (match.language,)
        return self.guesser.unsupported(text)

    # -- a person on the way or there ---------------------------------------------------

    def _to_advocate(
        self,
        tx: Transaction,
        conversation: Conversation,
        text: str,
        now: datetime,
        match: Match | None,
    ) -> Outcome:
        """Keep the message for the advocate; acknowledge the first, remind a waiting person
        of their place rarely, and take back consent when asked (``bot.handoff.waiting``).

        A hint of danger still gets the emergency number at once, and goes first in line.
        """
        tx.append_message(conversation.key, Direction.IN, text, now)
        answer: str | None = None
        options: tuple[Choice, ...] = ()
        row = handoff_of(tx, conversation.key)
        if match and match.action is Action.DANGER:
            answer = self.flows.emergency_line(conversation)
            raise_priority(tx, conversation.key)
        elif row is not None:  # a question still open while waiting, or Waiting.reply
            answer, options = self.handover.reply(tx, conversation, row, text, now)
        if answer is not None:
            tx.append_message(conversation.key, Direction.OUT, answer, now)
        tx.save(conversation)
        log.info("event=message_for_advocate session=%s", conversation.key[:12])
        return self._as_it_stands(conversation, answer, options)

    def back_to_bot(self, tx: Transaction, conversation: Conversation, now: datetime) -> Outcome:
        """End a handoff: the person is told so and finds the menu again.

        The retention clock starts again at this moment.
        """
        conversation.handoff = Handoff.NONE
        conversation.last_active = now
        turn = Turn(conversation)
        notice = self.flows.text(turn, "handoff.closed")
        turn.parts.append(notice)
        self.flows.go(turn, self.flows.book.menu)
        tx.save(conversation)
        outcome = self._outcome(turn, exited=False)
        menu = PARAGRAPH.join(turn.parts[1:])
        tx.append_messages(
            conversation.key, [(Direction.NOTICE, notice), (Direction.OUT, menu)], now
        )
        return replace(outcome, speaker=Speaker.NOTICE)

    def advocate_says(
        self, conversation: Conversation, text: str, name: str | None = None
    ) -> Outcome:
        """An advocate's words as an outcome, for the person's channel to render; ``name`` is
        the advocate's as the person is shown it (None: the role)."""
        said = self._as_it_stands(conversation, clean(text, self.settings.max_text))
        return replace(said, speaker=Speaker.ADVOCATE, speaker_name=name)

    # -- helpers -------------------------------------------------------------------------

    def _new_conversation(
        self, key: str, inbound: Inbound, text: str, match: Match | None
    ) -> Conversation:
        now = inbound.received_at
        language = self.guesser.choose(
            text, None, inbound.language_hint, self.settings.default_language
        )
        if match and match.action in safety.NAMES_THE_LANGUAGE:
            # A cry for help in a language Haven cannot answer in yet is answered in English.
            supported = match.language in self.catalogs.languages
            language = match.language if supported else SOURCE_LANGUAGE
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
        phone_country = inbound.country_hint or country_from_phone(inbound.sender)
        whereabouts.from_phone(conversation, phone_country)
        return conversation

    def _rate_limited(self, tx: Transaction, conversation: Conversation) -> Outcome:
        text = None
        if not conversation.rate_notified:
            conversation.rate_notified = True
            text = self.catalogs.text(conversation.language, "rate.slow_down")
        tx.save(conversation)
        log.info("event=rate_limited session=%s", conversation.key[:12])
        return self._as_it_stands(conversation, text)

    def _as_it_stands(
        self, conversation: Conversation, text: str | None, options: tuple[Choice, ...] = ()
    ) -> Outcome:
        """One line (or nothing) that leaves the conversation where it is."""
        rtl = self.catalogs.is_rtl(conversation.language)
        return Outcome(
            replies=(Reply(text, options, rtl),) if text is not None else (),
            language=conversation.language,
            flow=conversation.flow,
            handoff=conversation.handoff,
        )

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
            intent=safety.INTENTS.get(match.action),
            confidence=1.0,
            exited=True,
        )

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
