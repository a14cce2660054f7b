"""A language Haven does not speak yet: said so, in English, naming that language in English
and in itself; then the number where the person is, and a person."""

from __future__ import annotations

import pytest

from bot.core.languages import language_names
from bot.runtime import Runtime
from tests.conftest import Chat

UAE = "+971501234567"
ROMANIA = "+40712345678"


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ("hi", "Hindi (हिन्दी)"),
        ("ro", "Romanian (română)"),
        ("th", "Thai (ไทย)"),
        ("de", "German (Deutsch)"),
    ],
)
def test_a_language_is_named_in_english_and_in_itself(code: str, names: str) -> None:
    assert language_names(code) == names


def test_a_made_up_code_has_no_name() -> None:
    assert language_names("xx") is None


def test_hindi_from_the_emirates_is_told_in_english_and_gets_the_emirates_number(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=UAE)
    outcome = chat.say("मुझे मदद चाहिए, मेरा पासपोर्ट ले लिया है")
    text = chat.text(outcome)
    assert outcome.language == "en"
    assert "Hindi (हिन्दी)" in text
    assert "999" in text.splitlines()[0]
    assert "person" in chat.option_ids()


def test_romanian_is_never_answered_in_english_without_saying_so(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=ROMANIA)
    outcome = chat.say("Bună ziua, am nevoie de informații despre drepturile mele la muncă")
    assert "Romanian (română)" in chat.text(outcome)
    assert outcome.flow == "unsupported_language"


def test_a_cry_for_help_in_romanian_gets_the_number_first_then_the_language_named(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=ROMANIA)
    outcome = chat.say("ajutor")
    text = chat.text(outcome)
    assert "112" in text.splitlines()[0]
    assert "Romanian (română)" in text


def test_a_script_several_languages_share_names_each_of_them(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=UAE)
    outcome = chat.say("እርዳታ እፈልጋለሁ")
    text = chat.text(outcome)
    assert "Amharic (አማርኛ)" in text
    assert "Tigrinya (ትግርኛ)" in text


def test_after_the_notice_english_goes_on_to_the_welcome(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=UAE)
    chat.say("मुझे मदद चाहिए")
    outcome = chat.say(choice="en")
    assert outcome.flow == "welcome"
    assert outcome.language == "en"
