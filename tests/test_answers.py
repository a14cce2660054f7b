"""Typed yes and no: every language's words pick the option that means them, and only a
clear yes shares a summary with an advocate."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.answers import MEANINGS, AnswerWords
from bot.runtime import Runtime
from common.text import normalize
from common.yamlfile import read_yaml
from tests.conftest import Chat
from tests.test_handoff import add_advocate, handoffs

ROOT = Path(__file__).resolve().parent.parent
ANSWERS_DIR = ROOT / "flows" / "answers"
LANGUAGES = sorted(path.name for path in (ROOT / "flows" / "locales").iterdir() if path.is_dir())
ANSWERS = AnswerWords.load(ANSWERS_DIR)
VIETNAM = "+84912345678"


def test_every_language_has_yes_and_no_words() -> None:
    assert ANSWERS.languages == LANGUAGES
    for language in LANGUAGES:
        spec = read_yaml(ANSWERS_DIR / f"{language}.yml")
        assert all(spec[meaning] for meaning in MEANINGS), language


def test_no_word_means_yes_in_one_language_and_no_in_another() -> None:
    meanings: dict[str, set[str]] = {}
    for language in LANGUAGES:
        spec = read_yaml(ANSWERS_DIR / f"{language}.yml")
        for meaning in MEANINGS:
            for word in spec[meaning]:
                meanings.setdefault(normalize(word), set()).add(meaning)
    assert not {word: found for word, found in meanings.items() if len(found) > 1}


def test_dont_in_vietnamese_is_not_read_as_right() -> None:
    assert ANSWERS.meaning(normalize("đừng")) == "no"
    assert ANSWERS.meaning(normalize("Đừng!")) == "no"


def test_a_qualified_yes_is_not_a_yes() -> None:
    assert ANSWERS.meaning(normalize("yes but he checks my phone")) is None


def ask_for_a_person(runtime: Runtime, sender: str, hint: str) -> Chat:
    add_advocate(runtime)
    chat = Chat(runtime.engine, sender=sender, language_hint=hint)
    chat.to_menu(greeting="hi", yes="yes")
    chat.say(choice="person")
    assert "share" in chat.option_ids(), chat.text()
    return chat


@pytest.mark.parametrize(
    "answer",
    [
        "đừng",
        "đừng chia sẻ",
        "không",
        "có nhưng chủ hay kiểm tra điện thoại em",
        "để em nghĩ đã",
        "?",
    ],
)
def test_anything_but_a_clear_yes_keeps_the_summary_private(runtime: Runtime, answer: str) -> None:
    chat = ask_for_a_person(runtime, VIETNAM, "vi")
    outcome = chat.say(answer)
    assert outcome.handoff == "queued"
    (row,) = handoffs(runtime)
    assert row.consent is False


@pytest.mark.parametrize("answer", ["có", "Có ạ", "vâng", "ok", "1"])
def test_a_clear_yes_shares_the_summary(runtime: Runtime, answer: str) -> None:
    chat = ask_for_a_person(runtime, VIETNAM, "vi")
    chat.say(answer)
    (row,) = handoffs(runtime)
    assert row.consent is True


@pytest.mark.parametrize(
    ("language", "yes", "no"),
    [
        ("en", "yeah", "nope"),
        ("es", "claro", "no gracias"),
        ("ar", "أيوه", "لا"),
        ("zh", "好的", "不要"),
    ],
)
def test_typed_yes_and_no_answer_the_delete_question(
    runtime: Runtime, language: str, yes: str, no: str
) -> None:
    kept = Chat(runtime.engine, sender="person-who-keeps", language_hint=language)
    kept.to_menu(yes="1")
    kept.say("DELETE")
    assert not kept.say(no).exited
    assert runtime.store.count_sessions() == 1
    erased = Chat(runtime.engine, sender="person-who-erases", language_hint=language)
    erased.to_menu(yes="1")
    erased.say("DELETE")
    assert erased.say(yes).exited
    assert runtime.store.count_sessions() == 1
