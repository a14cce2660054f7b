"""Where the person is, not where the SIM is from (bot/core/whereabouts.py): a place the
person says they are in overrides the phone's prefix, is confirmed once before lines or
cards, never delays a danger reply, and 112 is given beside the number while unsure."""

from __future__ import annotations

from pathlib import Path

from bot.core.catalog import Catalogs
from bot.core.rights import RightsCards
from bot.runtime import Runtime
from resources_db.countries import country_name
from tests.conftest import Chat

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
RIGHTS = RightsCards.load(ROOT / "flows" / "rights" / "cards.yml")
VIETNAM = "+84912345678"
MEXICO = "+525555555555"
PHILIPPINES = "+639171234567"
FRANCE = "+33612345678"
UNITED_STATES = "+15550100001"


def call(language: str, number: str) -> str:
    """The emergency line where the country is certain."""
    return CATALOGS.text(language, "emergency.call_number", number=number)


def call_or_112(language: str, number: str) -> str:
    """The emergency line where Haven is unsure where the person is: 112 beside."""
    return CATALOGS.text(language, "place.call_number_or_112", number=number)


def confirmation(language: str, country: str) -> str:
    name = country_name(country, language)
    return CATALOGS.text(language, "place.confirm_country", country=name)


def us_card(topic: str, language: str) -> str:
    card = RIGHTS.card(topic, "US")
    assert card is not None and card.jurisdiction == "us"
    return CATALOGS.text(language, card.summary_key)


def at_rights_confirmation(runtime: Runtime) -> Chat:
    """A Mexican number that said "I am in Texas", asking about rights: at the confirmation."""
    chat = Chat(runtime.engine, sender=MEXICO)
    chat.say("estoy en Texas, quiero saber mis derechos")
    outcome = chat.say("sí")  # safe to chat: the rights they asked for
    assert chat.text(outcome) == confirmation("es", "US")
    return chat


# -- the three measured conversations ---------------------------------------------------------


def test_a_vietnamese_sim_in_london_in_danger_is_told_the_uk_number_first(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=VIETNAM)
    outcome = chat.say("em đang ở London, hắn đánh em, cứu em")
    assert chat.text(outcome).startswith(call_or_112("vi", "999"))
    assert "113" not in chat.text(outcome)


def test_rights_asked_from_a_mexican_number_in_texas_give_the_us_card(runtime: Runtime) -> None:
    chat = at_rights_confirmation(runtime)
    chat.say("sí")
    outcome = chat.say(choice="wages")
    assert chat.text(outcome).startswith(us_card("wages", "es"))


def test_a_philippine_sim_in_saudi_arabia_is_given_saudi_arabias_lines(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=PHILIPPINES)
    chat.to_menu("kumusta", "oo")
    chat.say("nasa Saudi ako")
    chat.say("menu")
    assert chat.text(chat.say(choice="person")) == confirmation("tl", "SA")
    text = chat.text(chat.say("oo"))
    assert country_name("SA", "tl") in text
    assert "1343" not in text, "the Philippines' line"


# -- where they are, not where they come from ----------------------------------------------


def test_where_a_person_comes_from_does_not_move_them(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=UNITED_STATES, language_hint="en")
    chat.to_menu()
    chat.say("I am from Mexico")
    chat.say("menu")
    chat.say(choice="rights")
    assert chat.option_ids()[0] == "immigration", "no question about the country"
    assert chat.text(chat.say(choice="wages")).startswith(us_card("wages", "en"))


def test_a_place_named_on_any_message_gives_its_number_in_an_emergency(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=MEXICO)
    chat.to_menu("hola", "sí")
    chat.say("ahora estoy en Londres")
    assert chat.text(chat.say("auxilio")).startswith(call_or_112("es", "999"))


# -- one short question when the named country differs from the phone's -----------------------


def test_the_country_is_confirmed_when_the_named_one_differs_from_the_phones(
    runtime: Runtime,
) -> None:
    chat = at_rights_confirmation(runtime)
    assert chat.option_ids() == ["yes", "no"]


def test_no_confirmation_when_the_named_country_is_the_phones(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=UNITED_STATES, language_hint="en")
    chat.to_menu()
    chat.say("I'm in Texas, what are my rights")
    chat.say("menu")
    chat.say(choice="rights")
    assert chat.option_ids()[0] == "immigration"


def test_no_at_the_confirmation_asks_the_country_and_a_typed_place_answers_it(
    runtime: Runtime,
) -> None:
    chat = at_rights_confirmation(runtime)
    assert chat.text(chat.say("no")) == CATALOGS.text("es", "common.ask_country")
    chat.say("Houston")
    assert chat.option_ids()[0] == "immigration", "no second confirmation"
    assert chat.text(chat.say(choice="police")).startswith(us_card("police", "es"))


def test_another_place_typed_at_the_confirmation_answers_it(runtime: Runtime) -> None:
    chat = at_rights_confirmation(runtime)
    chat.say("no, en Nueva York")
    chat.say(choice="police")
    assert chat.text().startswith(us_card("police", "es"))


# -- danger never waits; 112 beside the number while unsure -----------------------------------


def test_a_danger_reply_does_not_wait_for_the_confirmation(runtime: Runtime) -> None:
    chat = at_rights_confirmation(runtime)
    outcome = chat.say("me está pegando, auxilio")
    assert chat.text(outcome).startswith(call_or_112("es", "911"))


def test_112_is_given_beside_the_number_where_the_country_is_only_the_phones(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=MEXICO)
    assert chat.text(chat.say("auxilio")).startswith(call_or_112("es", "911"))


def test_112_is_given_beside_the_number_of_a_named_country_not_yet_confirmed(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=VIETNAM)
    chat.say("chào")
    outcome = chat.say("em đang ở London, anh ta sắp về rồi")
    assert chat.text(outcome) == call_or_112("vi", "999"), "still one short line"
    assert outcome.replies[0].options == ()


def test_no_112_beside_the_number_once_the_country_is_confirmed(runtime: Runtime) -> None:
    chat = at_rights_confirmation(runtime)
    chat.say("sí")
    assert chat.text(chat.say("auxilio")).startswith(call("es", "911"))
    assert "112" not in chat.text()


def test_112_is_not_repeated_where_it_is_the_countrys_own_number(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=FRANCE)
    assert chat.text(chat.say("au secours")).startswith(call("fr", "112"))
