"""Every flow of the conversation, driven through the real engine and store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.rights import RightsCards
from tests.conftest import Chat
from tests.seed_data import lines_with, national_line, person_lines

MENU_OPTIONS = ["help", "rights", "signs", "person", "language"]


RIGHTS = RightsCards.load(Path(__file__).resolve().parent.parent / "flows" / "rights" / "cards.yml")
US_LINE, CA_LINE, GB_LINE, ES_LINE, MX_LINE = map(national_line, ["US", "CA", "GB", "ES", "MX"])


def test_first_contact_greets_gives_the_privacy_notice_and_asks_if_it_is_safe(chat: Chat) -> None:
    outcome = chat.say("hi")
    text = chat.text()
    assert outcome.flow == "welcome"
    assert text.startswith("Hi, I'm Haven")
    assert "anonymous" in text
    assert "24 hours" in text  # what is kept and for how long
    assert "EXIT" in text and "DELETE" in text
    assert "not the police or immigration" in text
    assert text.endswith("Is it safe for you to chat right now?")
    assert chat.option_ids() == ["yes", "no"]


def test_privacy_notice_states_the_configured_retention(new_chat, runtime) -> None:
    runtime.engine.settings.retention = 3 * 86400
    chat = new_chat("+15550100002")
    chat.say("hello")
    assert "3 days" in chat.text()


def test_first_contact_in_spanish_when_the_person_writes_spanish(chat: Chat) -> None:
    outcome = chat.say("hola, buenas tardes")
    assert outcome.language == "es"
    assert chat.text().startswith("Soy Haven")
    assert "SALIR" in chat.text()


def test_first_contact_follows_the_channel_language_hint_for_a_greeting(new_chat) -> None:
    chat = new_chat("+15550100003", language_hint="es")
    outcome = chat.say("ok")
    assert outcome.language == "es"


def test_yes_it_is_safe_leads_to_the_numbered_main_menu(chat: Chat) -> None:
    chat.say("hi")
    outcome = chat.say("yes")
    assert outcome.flow == "menu"
    assert chat.text() == "What would you like to do?"
    assert chat.option_ids() == MENU_OPTIONS


def test_not_safe_says_goodbye_with_the_emergency_number_and_wipes(chat: Chat) -> None:
    chat.say("hi")
    outcome = chat.say("no")
    assert outcome.exited is True
    assert "911" in chat.text()  # +1 sender: the US number
    assert "take care" in chat.text().lower()
    assert chat.say("hi").flow == "welcome"  # nothing was kept


def test_what_was_asked_first_is_taken_up_once_it_is_safe(chat: Chat) -> None:
    chat.say("I need a lawyer")
    outcome = chat.say("yes")
    assert outcome.flow == "find_help"


def test_emergency_words_on_first_contact_come_before_the_welcome(new_chat) -> None:
    chat = new_chat("+447700900123")
    outcome = chat.say("he is going to kill me")
    assert outcome.flow == "emergency"
    assert chat.text().startswith("In danger now? Call 999 or 112.")
    assert chat.option_ids() == ["person", "menu"]


def test_emergency_lists_the_common_numbers_when_the_country_is_unknown(new_chat) -> None:
    chat = new_chat("web-visitor-1")
    chat.to_menu()
    chat.say("emergency")
    text = chat.text()
    assert "911" in text and "112" in text and "999" in text


def test_emergency_number_follows_the_phone_numbers_country(new_chat) -> None:
    # Known only from the phone: 112 beside the country's own number (whereabouts.py).
    for sender, line in [
        ("+525512345678", "Call 911 or 112."),
        ("+61412345678", "Call 000 or 112."),
        ("+34612345678", "Call 112."),
    ]:
        chat = new_chat(sender)
        chat.say("SOS")
        assert chat.text().startswith(f"In danger now? {line}"), sender


def test_emergency_then_offers_a_person(chat: Chat) -> None:
    chat.say("SOS")
    outcome = chat.say("1")
    assert outcome.flow == "person"
    assert US_LINE.phone in chat.text()


def test_signs_flow_lists_the_indicators_in_plain_words(chat: Chat) -> None:
    chat.to_menu()
    outcome = chat.say("3")
    text = chat.text()
    assert outcome.flow == "signs"
    for sign in ("passport", "pay", "cannot leave"):
        assert sign in text
    assert chat.option_ids() == ["todo", "report", "more", "menu"]


def test_more_signs_are_given_on_request(chat: Chat) -> None:
    chat.to_menu()
    chat.say("3")
    chat.say("3")
    for sign in ("threatened", "lied to", "long hours"):
        assert sign in chat.text()


def test_signs_flow_says_not_to_confront_anyone(chat: Chat) -> None:
    chat.to_menu()
    chat.say("3")
    chat.say("1")
    assert "Do not confront" in chat.text()


def test_signs_flow_says_where_to_report_for_the_senders_country(chat: Chat) -> None:
    chat.to_menu()
    chat.say("3")
    chat.say("2")
    text = chat.text()
    assert text.startswith("You can share what you saw with:")
    assert "National Human Trafficking Hotline" in text
    assert "233733" in text


def test_report_concern_asks_the_country_when_unknown(new_chat) -> None:
    chat = new_chat("web-visitor-2")
    chat.to_menu()
    chat.say("3")
    chat.say("2")
    assert chat.text() == "Which country are you in?"
    chat.say("I live in Canada")
    assert CA_LINE.phone in chat.text()


def test_disclosure_is_acknowledged_without_blame_and_offers_next_steps(chat: Chat) -> None:
    chat.to_menu()
    outcome = chat.say("my boss took my passport and doesn't pay me")
    assert outcome.flow == "disclosure"
    assert outcome.intent == "disclose_situation"
    assert "This is not your fault." in chat.text()
    assert chat.option_ids() == ["rights", "help", "person", "menu"]


def test_find_help_uses_the_phone_country_and_asks_the_need(chat: Chat) -> None:
    chat.to_menu()
    chat.say("1")
    assert chat.text() == "What do you need?"
    assert chat.option_ids() == [
        "shelter",
        "legal",
        "medical",
        "counselling",
        "food",
        "immigration",
        "labour",
    ]
    outcome = chat.say("2")
    assert outcome.flow == "find_help"
    assert US_LINE.phone in chat.text()


def test_find_help_asks_the_country_in_free_text_when_unknown(new_chat) -> None:
    chat = new_chat("web-visitor-3")
    chat.to_menu()
    chat.say("1")
    assert chat.text() == "Which country are you in?"
    chat.say("im in the uk")
    assert chat.text() == "What do you need?"
    chat.say("a safe place to stay")
    assert GB_LINE.phone in chat.text()


def test_find_help_accepts_country_names_in_spanish(new_chat) -> None:
    chat = new_chat("web-visitor-4")
    chat.to_menu("hola", "sí")
    chat.say("1")
    chat.say("estoy en España")
    chat.say("1")
    assert ES_LINE.phone in chat.text()


def test_unknown_country_is_asked_again_kindly(new_chat) -> None:
    chat = new_chat("web-visitor-5")
    chat.to_menu()
    chat.say("1")
    chat.say("Atlantis")
    assert chat.text().startswith("Sorry, I don't know that country.")
    assert chat.text().endswith("Which country are you in?")


def test_country_without_a_hotline_says_so_and_gives_the_emergency_number(new_chat) -> None:
    chat = new_chat("web-visitor-6")
    chat.to_menu()
    chat.say("4")
    chat.say("Colombia")
    text = chat.text()
    assert "Trained people answer at" not in text
    assert "I have no numbers for Colombia yet." in text
    assert "123" in text


def test_rights_card_gives_its_summary_then_on_request_its_basis_source_date_and_disclaimer(
    chat: Chat,
) -> None:
    chat.to_menu()
    chat.say("2")
    assert chat.option_ids() == ["immigration", "police", "wages", "interpreter", "not_punished"]
    chat.say("3")
    assert chat.text() == (
        "You are owed pay for work you did, even without papers. "
        "You may be able to sue for unpaid wages and harm."
    )
    assert chat.option_ids() == ["more", "other", "person", "menu"]
    chat.say("1")
    text = chat.text()
    card = RIGHTS.cards[("us", "wages")]  # the sender's number is American
    assert text.startswith("Money you are owed:")
    assert f"the legal basis as written: {card.basis}." in text
    assert f"Source (reviewed {card.last_reviewed.isoformat()}): {card.source}" in text
    assert text.endswith("This is general information, not legal advice.")


@pytest.mark.parametrize(
    ("country", "jurisdiction"),
    [
        ("Canada", "ca"),
        ("the UK", "gb"),
        ("Australia", "au"),
        ("Spain", "eu"),
        ("Poland", "eu"),
        ("Brazil", "international"),
        ("Thailand", "international"),
    ],
)
def test_rights_cards_follow_the_law_of_the_country(
    new_chat, country: str, jurisdiction: str
) -> None:
    chat = new_chat(f"web-visitor-rights-{jurisdiction}-{country}")
    chat.to_menu()
    chat.say("2")
    assert chat.text() == "Which country are you in?"
    chat.say(country)
    chat.say(choice="immigration")
    card = RIGHTS.cards[(jurisdiction, "immigration")]
    assert chat.text() == chat.engine.catalogs.text("en", card.summary_key)
    chat.say(choice="more")
    assert card.basis in chat.text()


def test_every_rights_topic_has_a_card_in_spanish(new_chat) -> None:
    chat = new_chat("+525512345678")
    chat.to_menu("hola", "si")
    chat.say("2")
    for topic in ["immigration", "police", "wages", "interpreter", "not_punished"]:
        chat.say(choice=topic)
        summary = RIGHTS.cards[("international", topic)].summary_key  # no cards for Mexico's law
        assert chat.text() == chat.engine.catalogs.text("es", summary), topic
        chat.say("más")
        assert chat.text().endswith("Esto es información general, no asesoría legal."), topic
        chat.say(choice="other")


def test_talk_to_a_person_gives_the_hotline_for_the_country(chat: Chat) -> None:
    chat.to_menu()
    outcome = chat.say("I want to talk to a real person")
    assert outcome.flow == "person"
    text = chat.text()
    assert text.startswith("No one can answer here right now.\n\nTrained people answer at:")
    assert chat.option_ids() == ["menu"]  # no advocates here: no queue to wait in
    assert f"{US_LINE.phone}, or text 233733: National Human Trafficking Hotline" in text


def test_change_language_from_the_menu(chat: Chat) -> None:
    chat.to_menu()
    chat.say("5")
    assert chat.option_ids() == ["en", "es", "fr", "pt", "ar", "zh", "ru", "uk", "vi", "tl"]
    outcome = chat.say("2")
    assert outcome.language == "es"
    assert chat.text() == "¿Qué quieres hacer?"


def test_one_english_word_does_not_flip_a_spanish_conversation(new_chat) -> None:
    chat = new_chat("+525512345679")
    chat.to_menu("hola", "sí")
    outcome = chat.say("ok")
    assert outcome.language == "es"


def test_a_longer_message_in_another_language_switches_it(new_chat) -> None:
    chat = new_chat("+525512345670")
    chat.to_menu("hola", "sí")
    outcome = chat.say("I would like to know my rights please")
    assert outcome.language == "en"


def test_fallback_says_so_kindly_and_shows_the_menu(chat: Chat) -> None:
    chat.to_menu()
    outcome = chat.say("purple elephants dancing")
    assert outcome.flow == "menu"
    assert chat.text().startswith("Sorry, I didn't understand that.")
    assert chat.option_ids() == MENU_OPTIONS


def test_two_misses_in_a_row_offer_a_person(chat: Chat) -> None:
    chat.to_menu()
    chat.say("purple elephants dancing")
    outcome = chat.say("zzzz qqqq")
    assert outcome.flow == "offer_person"
    assert chat.option_ids() == ["person", "menu"]


def test_an_understood_message_resets_the_miss_count(chat: Chat) -> None:
    chat.to_menu()
    chat.say("purple elephants dancing")
    chat.say("1")
    chat.say("menu")
    outcome = chat.say("zzzz qqqq")
    assert outcome.flow == "menu"


def test_delete_confirms_then_wipes_then_says_done(chat: Chat) -> None:
    chat.to_menu()
    asked = chat.say("DELETE")
    assert asked.flow == "delete" and asked.exited is False
    assert chat.text().startswith("Erase my copy of this chat now?")
    done = chat.say("yes")
    assert done.exited is True
    assert chat.text() == "Done. I erased my copy of this chat."
    assert chat.say("hi").flow == "welcome"


def test_delete_declined_keeps_the_conversation(chat: Chat) -> None:
    chat.to_menu()
    chat.say("DELETE")
    outcome = chat.say("no")
    assert outcome.exited is False
    assert chat.text().startswith("OK, nothing was erased.")
    assert outcome.flow == "menu"


def test_buttons_choose_by_option_id(chat: Chat) -> None:
    chat.say("hi")
    chat.say(choice="yes")
    outcome = chat.say(choice="signs")
    assert outcome.flow == "signs"


def test_option_labels_are_understood_as_typed(chat: Chat) -> None:
    chat.to_menu()
    outcome = chat.say("know my rights")
    assert outcome.flow == "rights"


def test_replies_are_within_one_sms_message_limit(chat: Chat, engine: Engine) -> None:
    chat.to_menu()
    for choice in ["signs", "todo", "report", "menu", "rights", "immigration"]:
        outcome = chat.say(choice=choice)
        for reply in outcome.replies:
            assert len(reply.text) <= 1600


def test_engine_keeps_no_state_between_messages(runtime, settings, understanding, content) -> None:
    """A second engine on the same database continues the same conversation."""
    from bot.runtime import build_runtime

    first = Chat(runtime.engine, sender="+15550100009")
    first.to_menu()
    other = build_runtime(settings, understanding, content)
    try:
        outcome = Chat(other.engine, sender="+15550100009").say("3")
    finally:
        other.close()
    assert outcome.flow == "signs"


def test_a_message_in_an_unsupported_language_gets_english_and_the_offer_of_a_person(
    chat: Chat,
) -> None:
    outcome = chat.say("ich brauche bitte sofort Hilfe")
    assert outcome.flow == "unsupported_language"
    assert outcome.language == "en"
    assert chat.text().startswith("Sorry, I don't speak German (Deutsch) yet.")
    assert chat.option_ids() == ["en", "person"]


def test_continuing_in_english_after_an_unsupported_language_starts_with_the_welcome(
    chat: Chat,
) -> None:
    chat.say("ich brauche bitte sofort Hilfe")
    outcome = chat.say(choice="en")
    assert outcome.flow == "welcome"


def test_arabic_replies_are_marked_right_to_left(new_chat) -> None:
    chat = new_chat("+971501234567", language_hint="ar")
    outcome = chat.say("")
    assert outcome.language == "ar"
    assert all(reply.right_to_left for reply in outcome.replies)


def test_what_is_said_in_passing_is_not_asked_again(new_chat) -> None:
    chat = new_chat("web-visitor-7")
    chat.to_menu()
    outcome = chat.say("I need a lawyer in Mexico")
    assert outcome.flow == "find_help"
    assert MX_LINE.phone in chat.text()  # Mexico's line, without asking country or need


def test_a_confident_quick_exit_in_other_words_wipes_silently(chat: Chat) -> None:
    chat.to_menu()
    outcome = chat.say("have to hide my phone now")
    assert outcome.intent == "quick_exit"
    assert outcome.exited is True
    assert outcome.replies == ()
    assert chat.say("hi").flow == "welcome"


@pytest.mark.parametrize("country", sorted({line.country for line in lines_with("hotline")}))
def test_talk_to_a_person_gives_the_national_line_of_every_seeded_country(
    new_chat, country: str
) -> None:
    chat = new_chat(f"web-visitor-{country}")
    chat.to_menu()
    chat.say("4")
    chat.say(country)  # an ISO code in capitals names the country
    assert any(line.phone in chat.text() for line in person_lines(country))
    assert all(len(reply.text) <= 1600 for reply in chat.outcomes[-1].replies)


@pytest.mark.parametrize("country", sorted({line.country for line in lines_with("hotline")}))
def test_find_help_ends_with_the_national_line_of_every_seeded_country(
    new_chat, country: str
) -> None:
    chat = new_chat(f"web-visitor-help-{country}")
    chat.to_menu()
    chat.say("1")
    chat.say(country)
    chat.say(choice="shelter")
    assert chat.outcomes[-1].flow == "find_help"
    assert national_line(country).phone in chat.text()
