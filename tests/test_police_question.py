""" "Are you the police? Will you report me?" gets the same honest answer in every language,
and the conversation picks up where it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.catalog import Catalogs
from bot.core.safety import Action
from bot.runtime import Content, Runtime
from tests.conftest import Chat

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
QUESTIONS = [
    ("en", "are you the police?"),
    ("en", "are you going to report me to ICE"),
    ("es", "¿ustedes son policía?"),
    ("tl", "pulis ba kayo"),
    ("zh", "你们是警察吗"),
    ("ar", "انتو شرطة؟"),
    ("vi", "các bạn là công an à"),
    ("ru", "вы полиция?"),
]


@pytest.mark.parametrize(("language", "question"), QUESTIONS)
def test_the_safety_layer_knows_the_question(
    content: Content, language: str, question: str
) -> None:
    match = content.safety.check(question)
    assert match is not None
    assert match.action is Action.POLICE_QUESTION


@pytest.mark.parametrize(("language", "question"), QUESTIONS)
def test_the_question_gets_the_fixed_answer_then_the_menu_again(
    runtime: Runtime, language: str, question: str
) -> None:
    chat = Chat(runtime.engine, sender="someone-asking", language_hint=language)
    chat.to_menu(yes="1")
    menu = chat.outcomes[-1]
    outcome = chat.say(question)
    assert chat.text(outcome).startswith(CATALOGS.text(language, "about.not_police"))
    assert outcome.flow == "menu"
    assert chat.option_ids(outcome) == chat.option_ids(menu)


def test_a_first_message_asking_gets_the_answer_then_the_welcome(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender="someone-asking", language_hint="en")
    outcome = chat.say("is this the police")
    assert chat.text(outcome).startswith(CATALOGS.text("en", "about.not_police"))
    assert outcome.flow == "welcome"


def test_asking_to_call_the_police_is_not_the_question(content: Content) -> None:
    for request in ("i want to call the police", "how do i report my boss"):
        match = content.safety.check(request)
        assert match is None or match.action is not Action.POLICE_QUESTION, request


def test_a_question_that_also_hints_at_danger_gets_the_number_first_then_the_answer(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender="+15550100001", language_hint="en")
    chat.to_menu()
    text = chat.text(chat.say("will you call the police on me?"))
    # The country is only the phone's: 112 beside the number (bot/core/whereabouts.py).
    number = CATALOGS.text("en", "place.call_number_or_112", number="911")
    assert text.startswith(number)
    assert CATALOGS.text("en", "about.not_police") in text
