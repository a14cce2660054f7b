"""The summary an advocate reads before taking a chat: the person's own words, what they show
(the ILO indicators of forced labour as plain tags), options by their label, and, for someone
in danger, a place in line before any question.

Language and country are always shown; needs, flags and messages only with a clear yes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.core.catalog import Catalogs
from bot.core.states import Direction, Handoff
from bot.handoff.indicators import TAGS, Indicators, read_indicators
from bot.runtime import Runtime
from common.text import normalize
from tests.conftest import Chat
from tests.test_catalogs import LANGUAGES
from tests.test_handoff import add_advocate, handoffs, summary

ROOT = Path(__file__).resolve().parent.parent
INDICATORS_DIR = ROOT / "flows" / "handoff" / "indicators"
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
GREETINGS = {"en": "hi", "es": "hola", "ar": "مرحبا", "vi": "chào"}
ASK_FOR_A_PERSON = {
    "en": "I want to talk to a person",
    "es": "quiero hablar con una persona",
    "ar": "اريد التحدث مع شخص",
    "vi": "tôi muốn nói chuyện với người thật",
}
WEB = "web-visitor-summary"
"""Not a phone number: no country is known until the person names one."""


@pytest.fixture
def staffed(runtime: Runtime) -> Runtime:
    add_advocate(runtime)
    return runtime


def shared_after(runtime: Runtime, *said: str, language: str = "en") -> dict[str, Any]:
    """The summary of a person who wrote ``said`` at the menu, asked for a person and agreed
    to share: before being queued, or, in danger, while waiting."""
    chat = Chat(runtime.engine, language_hint=language)
    chat.to_menu(GREETINGS[language], "1")
    for text in said:
        chat.say(text)
    chat.say(ASK_FOR_A_PERSON[language])
    chat.say(choice="share")
    assert chat.outcomes[-1].handoff == Handoff.QUEUED
    (row,) = handoffs(runtime)
    return summary(runtime, row)


def written(data: dict[str, Any]) -> list[str]:
    return [line["text"] for line in data["last_messages"]]


def transcript(runtime: Runtime, chat: Chat) -> list[tuple[str, str]]:
    key = runtime.store.keys.session_key(chat.channel, chat.sender)
    with runtime.store.transaction() as tx:
        return [(str(direction), text) for direction, text in tx.transcript(key)]


def in_danger_asking_for_a_person(runtime: Runtime, sender: str = WEB) -> Chat:
    chat = Chat(runtime.engine, sender=sender)
    chat.to_menu()
    chat.say("I'm in danger, he will kill me")
    chat.say(choice="person")
    return chat


# -- what the person wrote shows the signs ------------------------------------------------------


def test_a_taken_passport_shows_documents_taken(staffed: Runtime) -> None:
    data = shared_after(staffed, "my boss took my passport")
    assert "documents taken" in data["flags"]


def test_i_cant_leave_shows_cant_leave(staffed: Runtime) -> None:
    data = shared_after(staffed, "I can't leave this house")
    assert "can't leave" in data["flags"]


def test_a_kept_passport_and_no_way_out_show_both(staffed: Runtime) -> None:
    data = shared_after(staffed, "They keep my passport and I can't leave")
    assert {"documents taken", "can't leave"} <= set(data["flags"])


def test_a_death_threat_shows_the_emergency_and_threats(staffed: Runtime) -> None:
    data = shared_after(staffed, "I'm in danger, he will kill me")
    assert data["flags"][:2] == ["emergency", "threats"]


def test_being_hit_shows_violence(staffed: Runtime) -> None:
    data = shared_after(staffed, "my boss hits me when i make mistakes")
    assert "violence" in data["flags"]


def test_a_debt_shows_debt(staffed: Runtime) -> None:
    data = shared_after(staffed, "they say i owe them 5000 for the trip")
    assert "debt" in data["flags"]


def test_unpaid_work_shows_wages_withheld(staffed: Runtime) -> None:
    data = shared_after(staffed, "they havent paid me in 4 months")
    assert "wages withheld" in data["flags"]


def test_spanish_as_people_text_it_shows_the_signs(staffed: Runtime) -> None:
    data = shared_after(staffed, "me kitaron el pasaporte y no me pagan", language="es")
    assert {"documents taken", "wages withheld"} <= set(data["flags"])


def test_arabic_shows_the_signs(staffed: Runtime) -> None:
    data = shared_after(staffed, "الكفيل ماخذ جوازي وما يدفعولي من شهرين", language="ar")
    assert {"documents taken", "wages withheld"} <= set(data["flags"])


def test_vietnamese_without_accents_shows_the_signs(staffed: Runtime) -> None:
    data = shared_after(staffed, "chu giu ho chieu, em no tien moi gioi", language="vi")
    assert {"documents taken", "debt"} <= set(data["flags"])


def test_words_that_show_no_sign_add_no_tag(staffed: Runtime) -> None:
    data = shared_after(staffed, "I work in a restaurant in the evenings")
    assert not set(data["flags"]) & set(TAGS.values())


# -- the person's own words, not Haven's questions ------------------------------------------------


def test_the_persons_words_are_among_the_last_messages(staffed: Runtime) -> None:
    data = shared_after(staffed, "They keep my passport and I can't leave")
    assert "They keep my passport and I can't leave" in written(data)


def test_the_bots_questions_are_not_among_the_persons_messages(staffed: Runtime) -> None:
    data = shared_after(staffed, "They keep my passport and I can't leave")
    assert {line["direction"] for line in data["last_messages"]} == {"in"}
    consent = CATALOGS.text("en", "handoff.consent")
    assert not [text for text in written(data) if text in (consent, "Which country are you in?")]


def test_the_country_and_consent_answers_are_not_among_the_persons_messages(
    staffed: Runtime,
) -> None:
    chat = Chat(staffed.engine, sender=WEB)
    chat.to_menu()
    chat.say("my boss took my passport")
    chat.say(ASK_FOR_A_PERSON["en"])
    chat.say("Mexico")
    chat.say("yes")
    (row,) = handoffs(staffed)
    data = summary(staffed, row)
    assert data["country"] == "MX" and row.consent is True
    assert written(data)[-2:] == ["my boss took my passport", ASK_FOR_A_PERSON["en"]]


def test_an_answer_to_the_country_question_is_left_out_unless_it_shows_a_sign(
    runtime: Runtime,
) -> None:
    asked = CATALOGS.text("en", "common.ask_country")
    transcript = [
        (Direction.OUT, asked),
        (Direction.IN, "they moved us at night, i dont know the address"),
        (Direction.OUT, f"{CATALOGS.text('en', 'common.unknown_country')}\n\n{asked}"),
        (Direction.IN, "Texas"),
    ]
    said = runtime.engine.handover.summaries.said(transcript)
    assert said == ["they moved us at night, i dont know the address"]


def test_a_bare_yes_or_an_options_number_says_nothing(staffed: Runtime) -> None:
    data = shared_after(staffed, "my boss took my passport")  # "1" chose the welcome's yes
    assert "1" not in written(data) and "yes" not in [normalize(t) for t in written(data)]


# -- options by their label -----------------------------------------------------------------------


def test_a_pressed_button_is_kept_by_its_label(staffed: Runtime) -> None:
    chat = Chat(staffed.engine)
    chat.to_menu()
    chat.say(choice="person")
    chat.say(choice="share")
    said = [text for direction, text in transcript(staffed, chat) if direction == "in"]
    assert said[-2:] == [
        CATALOGS.text("en", "menu.person"),
        CATALOGS.text("en", "handoff.consent_yes"),
    ]
    assert not [text for text in said if text.startswith("[")]


def test_a_chosen_option_is_shown_by_its_label_in_the_persons_language(staffed: Runtime) -> None:
    chat = Chat(staffed.engine, language_hint="es")
    chat.to_menu("hola", "si")
    chat.say(choice="signs")
    chat.say(ASK_FOR_A_PERSON["es"])
    chat.say(choice="share")
    data = summary(staffed, handoffs(staffed)[0])
    assert CATALOGS.text("es", "menu.signs") in written(data)


# -- consent governs ------------------------------------------------------------------------------


def test_without_consent_there_are_no_messages_and_no_tags(staffed: Runtime) -> None:
    chat = Chat(staffed.engine)
    chat.to_menu()
    chat.say("They keep my passport and I can't leave")
    chat.say(ASK_FOR_A_PERSON["en"])
    chat.say(choice="private")
    assert summary(staffed, handoffs(staffed)[0]) == {"language": "en", "country": "US"}


# -- in danger: in line first, questions after --------------------------------------------------


def test_in_an_emergency_the_person_is_queued_before_being_asked_country_and_consent(
    staffed: Runtime,
) -> None:
    chat = in_danger_asking_for_a_person(staffed)
    assert chat.outcomes[-1].handoff == Handoff.QUEUED
    text = chat.text()
    assert text.startswith("Thank you. You are number 1 in line for a trained person.")
    assert text.endswith(CATALOGS.text("en", "common.ask_country"))
    (row,) = handoffs(staffed)
    assert row.priority == 1 and row.consent is False


def test_in_an_emergency_the_advocate_sees_language_and_country_until_the_person_agrees(
    staffed: Runtime,
) -> None:
    chat = in_danger_asking_for_a_person(staffed)
    assert summary(staffed, handoffs(staffed)[0]) == {"language": "en", "country": None}
    chat.say("Mexico")
    assert summary(staffed, handoffs(staffed)[0]) == {"language": "en", "country": "MX"}
    assert chat.text() == CATALOGS.text("en", "handoff.consent")
    assert chat.option_ids() == ["share", "private"]


def test_in_an_emergency_consent_given_while_waiting_updates_the_summary(staffed: Runtime) -> None:
    chat = in_danger_asking_for_a_person(staffed)
    chat.say("Mexico")
    chat.say(choice="share")
    assert chat.text().startswith("The person will see a short summary of this chat.")
    (row,) = handoffs(staffed)
    data = summary(staffed, row)
    assert row.consent is True and data["flags"][:2] == ["emergency", "threats"]
    assert "I'm in danger, he will kill me" in written(data)
    assert "Mexico" not in written(data)


def test_in_an_emergency_the_person_keeps_their_place_when_they_answer(staffed: Runtime) -> None:
    calm = Chat(staffed.engine, sender="+15550100201")
    calm.to_menu()
    calm.say(ASK_FOR_A_PERSON["en"])
    calm.say(choice="share")
    chat = in_danger_asking_for_a_person(staffed)
    assert "number 1 in line" in chat.text(), "an emergency goes first"
    queued_at = {row.session_key: row.queued_at for row in handoffs(staffed)}
    chat.say("Mexico")
    chat.say(choice="share")
    assert {row.session_key: row.queued_at for row in handoffs(staffed)} == queued_at


def test_in_an_emergency_anything_but_a_clear_yes_keeps_the_summary_private(
    staffed: Runtime,
) -> None:
    chat = in_danger_asking_for_a_person(staffed)
    chat.say("Mexico")
    chat.say("please hurry")
    (row,) = handoffs(staffed)
    assert row.consent is False
    assert summary(staffed, row) == {"language": "en", "country": "MX"}


def test_in_an_emergency_a_message_that_is_no_answer_goes_on_to_the_next_question(
    staffed: Runtime,
) -> None:
    chat = in_danger_asking_for_a_person(staffed)
    chat.say("he is downstairs")
    assert chat.text() == (
        f"{CATALOGS.text('en', 'queue.ack')}\n\n{CATALOGS.text('en', 'handoff.consent')}"
    )
    assert ("in", "he is downstairs") in transcript(staffed, chat), "kept for the advocate"


def test_in_an_emergency_a_known_country_is_not_asked_again(staffed: Runtime) -> None:
    chat = in_danger_asking_for_a_person(staffed, sender="+15550100202")
    assert chat.text().endswith(CATALOGS.text("en", "handoff.consent"))
    assert chat.option_ids() == ["share", "private"]


def test_in_an_emergency_the_word_to_keep_it_private_ends_the_questions(staffed: Runtime) -> None:
    chat = in_danger_asking_for_a_person(staffed)
    chat.say("PRIVATE")
    assert chat.text() == CATALOGS.text("en", "queue.withdrawn")
    chat.say("Mexico")
    assert chat.text() == CATALOGS.text("en", "queue.ack"), "the advocate's: no more questions"
    assert chat.option_ids() == []


def test_a_minor_in_danger_hears_what_an_advocate_may_report_before_the_consent_question(
    staffed: Runtime,
) -> None:
    chat = Chat(staffed.engine, sender="+15550100203")
    chat.to_menu()
    chat.say("im 15")
    chat.say("SOS")
    chat.say(choice="person")
    duty = CATALOGS.text("en", "minors.report_duty")
    assert chat.text().endswith(f"{duty}\n\n{CATALOGS.text('en', 'handoff.consent')}")


def test_in_danger_with_no_one_there_the_questions_come_first(runtime: Runtime) -> None:
    add_advocate(runtime, available=False)
    chat = in_danger_asking_for_a_person(runtime)
    assert chat.outcomes[-1].handoff == Handoff.NONE
    assert chat.text() == CATALOGS.text("en", "common.ask_country")


# -- the indicators, as data ----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_names_every_indicator(language: str) -> None:
    written_down = read_indicators(INDICATORS_DIR)[language]
    assert set(written_down) == set(TAGS)
    assert all(written_down.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_phrase_has_words_once_normalised(language: str) -> None:
    phrases = [p for found in read_indicators(INDICATORS_DIR)[language].values() for p in found]
    assert [phrase for phrase in phrases if not normalize(phrase)] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_phrase_shows_its_own_indicator(language: str) -> None:
    indicators = Indicators.load(INDICATORS_DIR)
    missed = {
        phrase: indicator
        for indicator, phrases in read_indicators(INDICATORS_DIR)[language].items()
        for phrase in phrases
        if TAGS[indicator] not in indicators.tags([phrase])
    }
    assert not missed
