"""The small things people write: thanks and goodbyes, a courtesy around a safety word,
emoji alone, a question about privacy, and a cry for help in another language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.catalog import Catalogs
from bot.runtime import Runtime
from tests.conftest import Chat

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
MEXICO = "+525555555555"


@pytest.mark.parametrize("message", ["thank you", "thanks!", "bye", "ok thanks"])
def test_thanks_and_goodbyes_get_a_kind_line_and_the_conversation_stays(
    runtime: Runtime, message: str
) -> None:
    chat = Chat(runtime.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    outcome = chat.say(message)
    assert chat.text(outcome).startswith("Take care.")
    assert "didn't understand" not in chat.text(outcome)
    assert outcome.flow == "menu"
    assert chat.say("2").flow != "menu", "the menu still reads the next answer"


def test_emoji_alone_are_met_kindly_and_the_question_is_asked_again(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    outcome = chat.say("😢😢")
    text = chat.text(outcome)
    assert text.startswith(CATALOGS.text("en", "smalltalk.no_words"))
    assert "didn't understand" not in text
    assert chat.option_ids() == ["help", "rights", "signs", "person", "language"]


@pytest.mark.parametrize(
    "message",
    ["exit please", "please exit", "EXIT pls", "exit now please", "salir por favor", "退出吧"],
)
def test_a_courtesy_around_the_quick_exit_word_still_exits(runtime: Runtime, message: str) -> None:
    chat = Chat(runtime.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    outcome = chat.say(message)
    assert outcome.exited
    assert outcome.replies == ()


def test_a_courtesy_alone_is_not_a_safety_word(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    assert not chat.say("please").exited


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("do you keep my number", "en"),
        ("is this chat private?", "en"),
        ("¿guardan mi número?", "es"),
        ("mi jefe se va a enterar?", "es"),
        ("có lưu số của em không", "vi"),
        ("你们会保存我的号码吗", "zh"),
    ],
)
def test_a_question_about_privacy_gets_what_haven_keeps_not_the_delete_question(
    runtime: Runtime, message: str, language: str
) -> None:
    chat = Chat(runtime.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    outcome = chat.say(message)
    before_the_idle_time = CATALOGS.text(language, "about.privacy", idle="\0").split("\0")[0]
    assert chat.text(outcome).startswith(before_the_idle_time)
    assert outcome.flow == "menu"
    assert chat.option_ids() == ["help", "rights", "signs", "person", "language"]


def test_my_wages_does_not_open_the_delete_question(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=MEXICO, language_hint="en")
    chat.to_menu()
    outcome = chat.say("my wages")
    assert outcome.flow != "delete"


def test_an_emergency_in_spanish_after_an_english_hi_is_answered_in_spanish(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=MEXICO)
    chat.say("hi")
    assert chat.outcomes[-1].language == "en"
    outcome = chat.say("ayuda, me quiere matar")
    assert outcome.language == "es"
    assert chat.text(outcome).startswith(
        CATALOGS.text("es", "emergency.call_number", number="911")[:10]
    )
