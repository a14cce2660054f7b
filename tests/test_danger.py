"""Danger first: a hint of danger puts the emergency number first, in any language Haven
reads; the controller being there gets one short line; an unsure quick exit is asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.catalog import Catalogs
from bot.runtime import Content, Runtime, Understanding, build_runtime
from nlu.result import FALLBACK_INTENT, Parse
from tests.conftest import Chat
from tests.settings import SettingsMaker
from tests.test_handoff import add_advocate, handoffs, queue

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
MEXICO = "+525555555555"
VIETNAM = "+84912345678"


def call(language: str, number: str) -> str:
    """The emergency line of a person whose country is known only from the phone's prefix:
    the country's number, with 112 beside it unless it is 112 (bot/core/whereabouts.py)."""
    key = "emergency.call_number" if number == "112" else "place.call_number_or_112"
    return CATALOGS.text(language, key, number=number)


def test_a_hint_of_danger_at_first_contact_gives_the_number_then_the_welcome(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=MEXICO)
    outcome = chat.say("me quitaron el celular y no me dejan salir del cuarto")
    assert chat.text(outcome).startswith(call("es", "911"))
    assert outcome.flow == "welcome"
    assert chat.option_ids() == ["yes", "no"]


def test_a_hint_of_danger_mid_conversation_keeps_the_conversation_going(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    outcome = chat.say("i'm scared, he hit me again last night. i need a lawyer")
    assert chat.text(outcome).startswith(call("en", "911"))
    assert outcome.flow is not None
    assert outcome.replies[-1].options or outcome.flow != "menu"


def test_the_controller_being_there_gets_one_short_line_with_the_number_and_nothing_else(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=VIETNAM)
    chat.say("chào")
    before = chat.outcomes[-1].flow
    outcome = chat.say("anh ta sắp về rồi")
    assert len(outcome.replies) == 1
    assert outcome.replies[0].options == ()
    assert chat.text(outcome) == call("vi", "113")
    assert outcome.flow == before, "the conversation stays where it was"


def test_the_controller_being_there_is_answered_on_a_first_message_too(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=MEXICO)
    outcome = chat.say("ya llegó, tengo miedo")
    assert chat.text(outcome) == call("es", "911")
    assert outcome.replies[0].options == ()
    assert chat.say("hola").flow == "welcome", "the next message starts the welcome"


def test_a_cry_for_help_in_a_language_haven_does_not_speak_still_gets_the_number(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender="+919812345678")  # an Indian number
    outcome = chat.say("मुझे बचाओ वो मुझे मार रहा है")
    assert chat.text(outcome).startswith(call("en", "112"))


def test_a_hint_of_danger_while_waiting_for_a_person_gets_the_number_and_goes_first(
    runtime: Runtime,
) -> None:
    add_advocate(runtime)
    first = Chat(runtime.engine, sender="+15550100001")
    queue(first)
    second = Chat(runtime.engine, sender="+15550100002")
    queue(second)
    outcome = second.say("he took my passport and locked the door")
    assert second.text(outcome) == call("en", "911")
    assert outcome.handoff == "queued", "the message is still the advocate's"
    waiting = sorted(handoffs(runtime), key=lambda row: -row.priority)
    assert waiting[0].priority > waiting[1].priority
    key = runtime.store.keys.session_key("terminal", second.sender)
    assert waiting[0].session_key == key


def test_the_controller_being_there_passes_the_rate_limit(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> None:
    runtime = build_runtime(settings_with(rate_limit="3/60"), understanding, content)
    chat = Chat(runtime.engine, sender=MEXICO)
    for text in ("hola", "a", "b", "c"):
        chat.say(text)
    assert chat.text(chat.say("ya llegó")) == call("es", "911")
    runtime.close()


class SaysQuickExit:
    """A model that reads "gtg" as a quick exit, as sure as it is told to be, and
    understands nothing else."""

    def __init__(self, confidence: float) -> None:
        self.confidence = confidence

    def parse(self, text: str) -> Parse:
        if "gtg" not in text:
            return Parse(FALLBACK_INTENT, 0.0)
        return Parse("quick_exit", self.confidence, (("quick_exit", self.confidence),))


@pytest.fixture
def unsure_exit(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Runtime]:
    built = build_runtime(
        settings_with(), Understanding(SaysQuickExit(0.8), understanding.guesser), content
    )
    yield built
    built.close()


def test_an_unsure_quick_exit_asks_leave_now_in_one_short_line(unsure_exit: Runtime) -> None:
    chat = Chat(unsure_exit.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    outcome = chat.say("ok gtg")
    assert chat.text(outcome) == CATALOGS.text("en", "exit.confirm")
    assert chat.option_ids() == ["yes", "no"]


def test_yes_to_leave_now_erases_the_conversation(unsure_exit: Runtime) -> None:
    chat = Chat(unsure_exit.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    chat.say("ok gtg")
    outcome = chat.say(choice="yes")
    assert outcome.exited
    assert outcome.replies == ()
    assert unsure_exit.store.count_sessions() == 0


def test_no_to_leave_now_goes_back_where_the_person_was(unsure_exit: Runtime) -> None:
    chat = Chat(unsure_exit.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    chat.say(choice="rights")
    asked = chat.outcomes[-1]
    chat.say("ok gtg")
    outcome = chat.say(choice="no")
    assert (outcome.flow, chat.option_ids()) == (asked.flow, chat.option_ids(asked))


def test_a_sure_quick_exit_still_erases_at_once(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> None:
    runtime = build_runtime(
        settings_with(), Understanding(SaysQuickExit(0.99), understanding.guesser), content
    )
    chat = Chat(runtime.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    assert chat.say("ok gtg").exited
    assert runtime.store.count_sessions() == 0
    runtime.close()


@pytest.mark.parametrize(
    ("language", "word"), [("en", "help"), ("es", "ayuda"), ("tl", "tulong"), ("pt", "ajuda")]
)
def test_a_message_that_is_only_help_gets_the_number_first(
    runtime: Runtime, language: str, word: str
) -> None:
    chat = Chat(runtime.engine, sender=MEXICO, language_hint=language)
    outcome = chat.say(word)
    assert chat.text(outcome).startswith(call(language, "911"))
    assert outcome.replies[-1].options, "and the conversation goes on"


def test_a_hint_of_danger_is_not_asked_leave_now_on_top_of_the_number(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=MEXICO, language_hint="es")
    chat.to_menu("hola", "sí")
    outcome = chat.say("no puedo salir, cerraron con llave")
    assert "911" in chat.text(outcome).splitlines()[0]
    assert outcome.flow != "leave"
