"""Safe to talk? "Yes, but he checks my phone" is a yes with a warning: it gets short
phone-safety steps for the person's channel, and nothing is erased. A plain no still
erases, and no reply claims to erase what stays on the person's phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import phone
from bot.core.catalog import Catalogs
from bot.core.flows import load_flows
from bot.core.safety import read_safety_words, wipes
from bot.core.segments import segments
from bot.runtime import Content, Runtime
from common.yamlfile import read_yaml
from tests.conftest import Chat
from tests.test_catalogs import revealing_words

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
BOOK = load_flows(ROOT / "flows" / "flows.yml")
WORDS = phone.PhoneWords.load(ROOT / "flows" / "answers")
LANGUAGES = sorted(path.name for path in (ROOT / "flows" / "locales").iterdir() if path.is_dir())
CHANNELS = ("sms", "telegram", "web")
SAFETY_WORDS = read_safety_words(ROOT / "flows" / "safety")
SAFE_QUESTION = BOOK.resolve(BOOK.start)
MENU = BOOK.resolve(BOOK.menu)

MEASURED = [
    ("vi", "có nhưng chủ hay kiểm tra điện thoại em"),
    ("en", "yes but he checks my phone sometimes"),
]
YES_BUT = {
    "en": "yes, but sometimes my boss looks at it",
    "es": "sí, pero a veces mi jefe lo mira",
    "fr": "oui mais parfois mon patron regarde",
    "pt": "sim, mas às vezes meu patrão olha",
    "ar": "نعم بس أحيانا صاحب الشغل يشوفه",
    "zh": "可以，但是老板有时候会看",
    "ru": "да, но иногда хозяин смотрит",
    "uk": "так, але іноді господар дивиться",
    "vi": "có nhưng thỉnh thoảng chủ xem máy em",
    "tl": "oo pero minsan tinitingnan ng amo ko",
}
"""A yes, then a "but": none of them names a phrase of the phone list."""
CHECKED = {
    "en": "he checks my phone",
    "es": "mi jefe revisa mi celular",
    "fr": "mon patron fouille mon téléphone",
    "pt": "meu patrão mexe no meu celular",
    "ar": "صاحب الشغل يفتش تلفوني",
    "zh": "老板会查我手机",
    "ru": "хозяин проверяет мой телефон",
    "uk": "господар перевіряє мій телефон",
    "vi": "chủ hay kiểm tra điện thoại em",
    "tl": "chinecheck niya ang phone ko",
}


def advice(language: str, channel: str) -> str:
    return CATALOGS.text(language, f"phone.advice.{channel}")


def person(runtime: Runtime, language: str, channel: str = "sms") -> Chat:
    """Someone who has just been asked whether it is safe to chat, in ``language``."""
    chat = Chat(runtime.engine, channel=channel, language_hint=language)
    chat.say("")  # the channel's language hint opens the conversation in the language
    assert chat.outcomes[-1].flow == "welcome"
    return chat


def test_every_language_has_but_words_and_phone_phrases() -> None:
    for language in LANGUAGES:
        spec = read_yaml(ROOT / "flows" / "answers" / f"{language}.yml")
        assert spec["but"]["words"] and spec["but"]["phone"], language


# -- "yes, but…" at the safe-to-talk question -----------------------------------------------------


@pytest.mark.parametrize(("language", "message"), MEASURED)
def test_the_measured_qualified_yes_gets_the_steps_and_erases_nothing(
    runtime: Runtime, language: str, message: str
) -> None:
    chat = person(runtime, language)
    outcome = chat.say(message)
    assert outcome.exited is False
    assert outcome.flow == "phone"
    assert chat.text(outcome) == advice(language, "sms")
    assert chat.option_ids(outcome) == ["go_on"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_yes_but_in_every_language_gets_the_steps(runtime: Runtime, language: str) -> None:
    chat = person(runtime, language)
    outcome = chat.say(YES_BUT[language])
    assert outcome.exited is False
    assert chat.text(outcome) == advice(language, "sms")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_yes_but_is_heard_by_its_words_in_every_language(language: str) -> None:
    assert WORDS.wants_advice(SAFE_QUESTION, YES_BUT[language], at_safe_question=True)


def test_a_yes_and_a_but_of_two_languages_are_not_a_yes_but() -> None:
    assert not WORDS.qualified_yes("si mas informacion")  # Spanish yes, Portuguese "but"
    assert WORDS.qualified_yes("sim mas as vezes")


def test_a_plain_yes_is_a_yes_and_leads_to_the_menu(runtime: Runtime) -> None:
    chat = person(runtime, "en")
    assert chat.say("yes").flow == "menu"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plain_no_still_says_goodbye_and_erases(runtime: Runtime, language: str) -> None:
    chat = person(runtime, language)
    no = read_yaml(ROOT / "flows" / "answers" / f"{language}.yml")["no"][0]
    outcome = chat.say(no)
    assert outcome.exited is True
    assert chat.text(outcome).startswith(CATALOGS.text(language, "unsafe.goodbye"))
    assert chat.say("").flow == "welcome", "nothing was kept"


def test_a_no_that_names_the_phone_stays_a_no() -> None:
    message = "no, he checks my phone"
    assert not WORDS.wants_advice(SAFE_QUESTION, message, at_safe_question=True)


def test_however_in_chinese_is_not_read_as_a_no() -> None:
    assert not WORDS.leading_no("不过老板会查我手机")
    assert WORDS.wants_advice(SAFE_QUESTION, "不过老板会查我手机", at_safe_question=True)


# -- then the conversation goes on ----------------------------------------------------------------


def test_after_the_steps_what_was_asked_first_is_taken_up(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, channel="sms")
    chat.say("I need a lawyer")
    chat.say("yes but he checks my phone sometimes")
    assert chat.say(choice="go_on").flow == "find_help"


def test_after_the_steps_the_menu_when_nothing_was_asked(runtime: Runtime) -> None:
    chat = person(runtime, "en")
    chat.say("yes but he checks my phone sometimes")
    outcome = chat.say("1")
    assert outcome.flow == "menu"
    assert chat.option_ids(outcome) == [option.id for option in MENU.options]


def test_typing_ok_after_the_steps_goes_on_too(runtime: Runtime) -> None:
    chat = person(runtime, "vi")
    chat.say("có nhưng chủ hay kiểm tra điện thoại em")
    assert chat.say("ok").flow == "menu"


@pytest.mark.parametrize("language", LANGUAGES)
def test_saying_the_phone_is_checked_anywhere_gets_the_steps_then_back_where_one_was(
    runtime: Runtime, language: str
) -> None:
    chat = person(runtime, language)
    chat.say(choice="yes")
    outcome = chat.say(CHECKED[language])
    assert outcome.exited is False
    assert chat.text(outcome) == advice(language, "sms")
    assert chat.say(choice="go_on").flow == "menu"


def test_saying_it_mid_question_asks_the_question_again_after_the_steps(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender="web-visitor-phone", channel="web", language_hint="en")
    chat.to_menu()
    chat.say(choice="help")
    asked = chat.text()
    assert chat.say("he reads my messages").flow == "phone"
    back = chat.say(choice="go_on")
    assert back.flow == "find_help"
    assert chat.text(back) == asked


def test_saying_it_in_the_first_message_gives_the_steps_once_it_is_safe(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, channel="sms", language_hint="en")
    assert chat.say("my boss checks my phone, can i write here?").flow == "welcome"
    outcome = chat.say("yes")
    assert chat.text(outcome) == advice("en", "sms")
    assert chat.say(choice="go_on").flow == "menu"


def test_a_clear_yes_question_and_the_flows_that_erase_hear_their_own_answer() -> None:
    for step in ("delete.confirm", "leave.confirm", "person.consent"):
        assert not WORDS.wants_advice(BOOK.resolve(step), "yes he checks my phone", False), step


# -- the steps differ per channel -----------------------------------------------------------------


def test_the_steps_differ_per_channel(runtime: Runtime) -> None:
    shown = {}
    for channel in CHANNELS:
        chat = person(runtime, "en", channel)
        shown[channel] = chat.text(chat.say("yes but he checks my phone sometimes"))
        assert shown[channel] == advice("en", channel)
    assert len(set(shown.values())) == len(CHANNELS)


def test_a_channel_without_its_own_steps_gets_the_general_ones(runtime: Runtime) -> None:
    chat = person(runtime, "en", "terminal")
    outcome = chat.say("yes but he checks my phone sometimes")
    assert chat.text(outcome) == CATALOGS.text("en", "phone.advice.other")


def test_the_sms_steps_say_what_exit_cannot_erase() -> None:
    text = advice("en", "sms")
    assert "another name" in text and "delete this thread" in text
    assert "EXIT erases my copy, not the texts on your phone" in text


def test_the_telegram_steps_say_exit_cannot_delete_messages_over_two_days_old() -> None:
    """Bots may delete messages only while they are under 48 hours old (Bot API,
    deleteMessage); bot/channels/telegram/client.py does not ask for older ones."""
    text = advice("en", "telegram")
    assert "except any over 2 days old" in text and "passcode" in text


def test_the_web_steps_name_the_button_that_leaves_the_page() -> None:
    """Typing EXIT erases the chat but leaves the page as it is; the button replaces it."""
    text = advice("en", "web")
    assert "private window" in text and "Quick exit button" in text and "history" in text


# -- no reply claims to erase what stays on the phone ---------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_not_safe_on_sms_says_the_thread_stays_on_the_phone(
    runtime: Runtime, language: str
) -> None:
    chat = person(runtime, language, "sms")
    outcome = chat.say(choice="no")
    assert outcome.exited is True
    goodbye = CATALOGS.text(language, "unsafe.goodbye")
    thread = CATALOGS.text(language, "phone.after_erase.sms")
    assert chat.text(outcome).startswith(f"{goodbye}\n\n{thread}\n\n")


@pytest.mark.parametrize("language", LANGUAGES)
def test_delete_on_sms_says_the_thread_stays_on_the_phone(runtime: Runtime, language: str) -> None:
    chat = person(runtime, language, "sms")
    chat.say(choice="yes")
    chat.say(SAFETY_WORDS[language]["delete"]["whole"][0])
    assert chat.text() == CATALOGS.text(language, "delete.confirm")
    outcome = chat.say(choice="yes")
    assert outcome.exited is True
    done = CATALOGS.text(language, "delete.done")
    assert chat.text(outcome) == f"{done}\n\n{CATALOGS.text(language, 'phone.after_erase.sms')}"


@pytest.mark.parametrize("channel", CHANNELS)
def test_deletes_confirmation_says_what_the_channel_keeps(runtime: Runtime, channel: str) -> None:
    chat = person(runtime, "en", channel)
    chat.say(choice="yes")
    chat.say("DELETE")
    outcome = chat.say(choice="yes")
    after = CATALOGS.text("en", f"phone.after_erase.{channel}")
    assert chat.text(outcome) == f"Done. I erased my copy of this chat.\n\n{after}"


def test_deletes_confirmation_where_nothing_stays_on_a_device(runtime: Runtime) -> None:
    chat = person(runtime, "en", "terminal")
    chat.say(choice="yes")
    chat.say("DELETE")
    assert chat.text(chat.say(choice="yes")) == "Done. I erased my copy of this chat."


def test_what_erases_on_sms_speaks_of_my_copy_and_the_thread_left_on_the_phone() -> None:
    for key in ("unsafe.goodbye", "delete.confirm", "delete.done"):
        text = CATALOGS.text("en", key)
        assert "my copy" in text, key
        assert "everything" not in text.lower() and "now erased" not in text, key
    assert CATALOGS.text("en", "phone.after_erase.sms") == "Delete this thread on your phone too."


# -- short and discreet ---------------------------------------------------------------------------

PHONE_KEYS = sorted(key for key in CATALOGS.entries["en"] if key.startswith("phone."))


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_sms_shows_fits_two_segments(language: str) -> None:
    for key in ("phone.advice.sms", "phone.after_erase.sms", "unsafe.goodbye", "delete.done"):
        assert segments(CATALOGS.text(language, key)) <= 2, (language, key)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_of_the_phone_steps_opens_with_a_lock_screen_word(language: str) -> None:
    for key in PHONE_KEYS:
        text = CATALOGS.text(language, key)
        assert not revealing_words(text), (language, key, text[:40])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_button_after_the_steps_is_no_word_that_erases(content: Content, language: str) -> None:
    label = CATALOGS.text(language, "phone.go_on")
    assert not wipes(content.safety.check(label)), label
