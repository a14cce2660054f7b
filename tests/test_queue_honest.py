"""An honest queue: the place, the hours and a usual wait; off-hours, when someone is back and
what the retention does meanwhile; one acknowledgement; no menu that answers nothing; the same
sentences in every country; and a summary the person can take back before the advocate reads.

Every conversation runs on a fixed clock: Monday 23 November 2026 in Chicago, where the
advocates answer MO-FR 09:00-17:00 and a chat idle for 24 hours is erased.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.console.auth import PREFIX
from bot.core.catalog import Catalogs
from bot.core.states import Handoff
from bot.handoff.availability import OpeningHours
from bot.handoff.consent import TakeBack
from bot.handoff.notices import rough
from bot.handoff.queue import handoff_of, usual_wait
from bot.runtime import Content, Runtime, Understanding, build_runtime
from tests.conftest import Chat
from tests.console_harness import Console, first_in_queue
from tests.settings import SettingsMaker
from tests.test_catalogs import LANGUAGES, revealing_words
from tests.test_handoff import add_advocate, handoffs, summary

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
TAKE_BACK = TakeBack.load(ROOT / "flows" / "handoff")
HOURS = "MO-FR 09:00-17:00"
CHICAGO = "America/Chicago"
MONDAY_10 = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # Monday 10:00 in Chicago: open
MONDAY_17_30 = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # closed; back Tuesday 09:00
FRIDAY_17_30 = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # closed; back Monday 09:00, > 24 h
GREETINGS = {"en": "hi", "es": "hola", "vi": "chào"}
WEB = "web-visitor-queue"
"""Not a phone number: no country is known until the person names one."""
SENDERS = itertools.count()
"""For the others in line: each a phone of its own."""


def key_of(runtime: Runtime, chat: Chat) -> str:
    return runtime.store.keys.session_key(chat.channel, chat.sender)


def number_line(runtime: Runtime, chat: Chat) -> str:
    """The emergency line the engine gives this person, where they are."""
    with runtime.store.transaction() as tx:
        conversation = tx.load(key_of(runtime, chat))
    assert conversation is not None
    return runtime.engine.flows.emergency_line(conversation)


def ask_for_a_person(chat: Chat, at: datetime, country: str | None = None) -> str:
    """Greeting, "safe", "a person" (and the country when the phone does not tell it)."""
    chat.say(GREETINGS[chat.language_hint or "en"], at=at)
    chat.say(choice="yes", at=at)
    chat.say(choice="person", at=at)
    if country:
        chat.say(country, at=at)
    return chat.text()


def queue_at(chat: Chat, at: datetime, consent: str = "share", country: str | None = None) -> str:
    """Ask for a person and reach the queue, waiting if no one is there; the reply's text."""
    ask_for_a_person(chat, at, country)
    if "wait" in chat.option_ids():
        chat.say(choice="wait", at=at)
    chat.say(choice=consent, at=at)
    assert chat.outcomes[-1].handoff == Handoff.QUEUED
    return chat.text()


def claim(runtime: Runtime, chat: Chat, at: datetime) -> None:
    """What the console's claim does to the person's rows (bot/console/chats_api.py)."""
    key = key_of(runtime, chat)
    with runtime.store.transaction() as tx:
        row = handoff_of(tx, key)
        assert row is not None
        row.state, row.assigned_to, row.assigned_at = Handoff.ASSIGNED, 1, at
        person = tx.load(key)
        assert person is not None
        person.handoff = Handoff.ASSIGNED
        tx.save(person)


@pytest.fixture
def office(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Runtime]:
    """Advocates answer weekdays 9 to 5 in Chicago; one is marked available."""
    settings = settings_with(opening_hours=HOURS, timezone=CHICAGO, retention=86400)
    runtime = build_runtime(settings, understanding, content)
    add_advocate(runtime)
    yield runtime
    runtime.close()


@pytest.fixture
def office_with_a_usual_wait(
    settings_with: SettingsMaker, understanding: Understanding, content: Content
) -> Iterator[Runtime]:
    """The same office, configured to say 15 minutes while recent claims cannot tell."""
    settings = settings_with(opening_hours=HOURS, timezone=CHICAGO, queue_wait=15)
    runtime = build_runtime(settings, understanding, content)
    add_advocate(runtime)
    yield runtime
    runtime.close()


@pytest.fixture
def away(runtime: Runtime) -> Runtime:
    """Always open, but the only advocate is not available."""
    add_advocate(runtime, available=False)
    return runtime


def claims_of(runtime: Runtime, minutes: list[int], queued: datetime) -> None:
    """People queued at ``queued`` and claimed after these minutes each."""
    for wait in minutes:
        chat = Chat(runtime.engine, sender=f"+1555020{next(SENDERS):04d}")
        queue_at(chat, queued)
        claim(runtime, chat, queued + timedelta(minutes=wait))


# -- 1. the place, the hours and a usual wait --------------------------------------------------


def test_a_queued_person_is_told_their_place_the_hours_and_the_usual_wait(
    office: Runtime,
) -> None:
    claims_of(office, [8, 10, 12], MONDAY_10 - timedelta(hours=1))
    text = queue_at(Chat(office.engine), MONDAY_10)
    assert text.startswith("Thank you. You are number 1 in line for a trained person.")
    assert "People answer here Mon-Fri 09:00-17:00 (Chicago time)." in text
    assert "The wait is usually about 10 minutes." in text


def test_the_hours_and_the_usual_wait_are_said_in_the_persons_language(office: Runtime) -> None:
    claims_of(office, [30, 35, 40], MONDAY_10 - timedelta(hours=1))
    text = queue_at(Chat(office.engine, language_hint="es"), MONDAY_10)
    assert text.startswith("Gracias. Estás en el lugar 1 de la lista de espera")
    assert "Aquí responden personas lun-vie 09:00-17:00 (hora de Chicago)." in text
    assert "La espera suele ser de unos 35 minutos." in text


def test_a_chat_queued_while_closed_does_not_count_towards_the_usual_wait(
    office: Runtime,
) -> None:
    claims_of(office, [10, 10], MONDAY_10 - timedelta(hours=1))
    claims_of(office, [15 * 60], MONDAY_10 - timedelta(hours=16))  # queued at night
    text = queue_at(Chat(office.engine), MONDAY_10)
    assert "usually" not in text, "two claims in hours are too few to tell"


def test_without_recent_claims_the_configured_wait_is_said(
    office_with_a_usual_wait: Runtime,
) -> None:
    text = queue_at(Chat(office_with_a_usual_wait.engine), MONDAY_10)
    assert "The wait is usually about 15 minutes." in text


def test_without_claims_or_a_configured_wait_no_wait_is_made_up(office: Runtime) -> None:
    text = queue_at(Chat(office.engine), MONDAY_10)
    assert "usually" not in text and "minutes" not in text


def test_the_usual_wait_is_the_median_of_recent_claims_in_opening_hours(office: Runtime) -> None:
    claims_of(office, [5, 9, 40], MONDAY_10 - timedelta(hours=1))
    hours = OpeningHours.parse(HOURS, CHICAGO)
    with office.store.transaction() as tx:
        assert usual_wait(tx, hours, MONDAY_10) == timedelta(minutes=9)
        assert usual_wait(tx, hours, MONDAY_10 + timedelta(days=40)) is None, "not recent"


@pytest.mark.parametrize(
    ("measured", "said"),
    [(2, 5), (9, 10), (12, 10), (58, 60), (80, 90), (200, 210)],
)
def test_a_wait_is_rounded_to_a_rough_figure(measured: int, said: int) -> None:
    assert rough(timedelta(minutes=measured)) == timedelta(minutes=said)


# -- 2. off-hours: when someone is back, and what the retention does ------------------------------


def test_off_hours_the_person_learns_when_someone_is_back_in_which_time_zone(
    office: Runtime,
) -> None:
    text = ask_for_a_person(Chat(office.engine), MONDAY_17_30)
    assert text.startswith("No one can answer here right now.")
    assert (
        "You can wait here: someone will read your messages when they are back, "
        "Tuesday 09:00 (Chicago time)." in text
    )
    assert "gone by then" not in text, "Tuesday 09:00 is within the 24 hours"


def test_off_hours_the_queued_person_learns_that_an_idle_chat_is_erased(office: Runtime) -> None:
    text = queue_at(Chat(office.engine), MONDAY_17_30)
    assert "someone will read your messages when they are back, Tuesday 09:00" in text
    assert "Haven erases a chat after 24 hours without messages." in text
    assert "usually" not in text


def test_when_the_retention_erases_the_chat_before_anyone_is_back_the_person_is_told_plainly(
    office: Runtime,
) -> None:
    chat = Chat(office.engine)
    before = ask_for_a_person(chat, FRIDAY_17_30)
    erased = (
        "Haven erases a chat after 24 hours without messages, so this one would be gone "
        "by then: please write again then."
    )
    assert "Someone will be back Monday 09:00 (Chicago time). " + erased in before, (
        "said before the choice to wait"
    )
    chat.say(choice="wait", at=FRIDAY_17_30)
    chat.say(choice="share", at=FRIDAY_17_30)
    assert (
        "someone will read your messages when they are back, Monday 09:00 (Chicago time). " + erased
        in chat.text()
    )


def test_the_retention_warning_is_said_in_the_persons_language(office: Runtime) -> None:
    chat = Chat(office.engine, language_hint="es")
    text = ask_for_a_person(chat, FRIDAY_17_30)
    assert "Alguien volverá el lunes 09:00 (hora de Chicago)." in text
    assert "para entonces este ya no estaría: vuelve a escribir a esa hora." in text


def test_with_no_one_free_in_open_hours_waiting_is_honest_without_a_time(away: Runtime) -> None:
    chat = Chat(away.engine)
    before = ask_for_a_person(chat, MONDAY_10)
    assert "You can wait here: someone will read your messages when they are back." in before
    chat.say(choice="wait", at=MONDAY_10)
    chat.say(choice="private", at=MONDAY_10)
    text = chat.text()
    assert "No one is free now; someone will read your messages when they are back." in text
    assert "Haven erases a chat after 24 hours without messages." in text


# -- 3. one acknowledgement, then silence ---------------------------------------------------------


def test_the_first_message_while_waiting_is_acknowledged_then_there_is_silence(
    office: Runtime,
) -> None:
    chat = Chat(office.engine)
    queue_at(chat, MONDAY_10)
    first = chat.say("I worked there for two years", at=MONDAY_10 + timedelta(seconds=5))
    assert chat.text(first) == "Got it: the person who takes your chat will see this."
    assert chat.say("are you there?", at=MONDAY_10 + timedelta(seconds=30)).replies == ()
    assert chat.say("hello", at=MONDAY_10 + timedelta(minutes=1)).replies == ()


def test_the_acknowledgement_is_in_the_persons_language(office: Runtime) -> None:
    chat = Chat(office.engine, language_hint="es")
    queue_at(chat, MONDAY_10)
    chat.say("gracias, espero", at=MONDAY_10 + timedelta(seconds=5))
    assert chat.text() == "Recibido: la persona que atienda tu chat verá esto."


def test_a_hint_of_danger_while_waiting_gets_the_number_at_once_instead(office: Runtime) -> None:
    chat = Chat(office.engine)
    queue_at(chat, MONDAY_10)
    chat.say("he took my passport and locked the door", at=MONDAY_10 + timedelta(seconds=5))
    assert chat.text() == number_line(office, chat)
    assert "911" in chat.text()


def test_an_assigned_person_is_not_acknowledged(office: Runtime) -> None:
    chat = Chat(office.engine)
    queue_at(chat, MONDAY_10)
    claim(office, chat, MONDAY_10 + timedelta(minutes=1))
    assert chat.say("hello?", at=MONDAY_10 + timedelta(minutes=2)).replies == ()


# -- 4. no menu that answers nothing --------------------------------------------------------------


def test_delete_then_keep_while_queued_says_the_person_is_still_in_line_without_a_menu(
    office: Runtime,
) -> None:
    chat = Chat(office.engine)
    queue_at(chat, MONDAY_10)
    chat.say("DELETE", at=MONDAY_10)
    kept = chat.say("2", at=MONDAY_10)
    assert chat.text(kept) == (
        "OK, nothing was erased.\n\n"
        "You are still in line for a person. What you write here goes to them."
    )
    assert chat.option_ids(kept) == []
    assert kept.handoff == Handoff.QUEUED
    chat.say("1", at=MONDAY_10)  # would have been "find help" on the menu
    assert chat.text() == CATALOGS.text("en", "queue.ack"), "the advocate's, not the menu's"
    with office.store.transaction() as tx:
        assert tx.transcript(key_of(office, chat))[-2] == ("in", "1")


def test_delete_then_keep_with_the_advocate_says_the_chat_goes_on(office: Runtime) -> None:
    chat = Chat(office.engine, language_hint="es")
    queue_at(chat, MONDAY_10)
    claim(office, chat, MONDAY_10)
    chat.say("borrar", at=MONDAY_10)
    kept = chat.say(choice="no", at=MONDAY_10)
    assert chat.text(kept).endswith(
        "Sigues en el chat con la persona. Lo que escribas aquí le llega."
    )
    assert chat.option_ids(kept) == []


def test_an_answer_not_understood_at_the_delete_question_while_queued_shows_no_menu(
    office: Runtime,
) -> None:
    chat = Chat(office.engine)
    queue_at(chat, MONDAY_10)
    chat.say("DELETE", at=MONDAY_10)
    outcome = chat.say("xyzzy", at=MONDAY_10)
    assert chat.option_ids(outcome) == []
    assert chat.text(outcome).endswith(
        "You are still in line for a person. What you write here goes to them."
    )


def test_an_emergency_while_queued_gives_the_number_and_offers_no_person_again(
    office: Runtime,
) -> None:
    chat = Chat(office.engine)
    queue_at(chat, MONDAY_10)
    outcome = chat.say("SOS", at=MONDAY_10)
    text = chat.text(outcome)
    assert text.startswith(number_line(office, chat)) and "911" in text
    assert CATALOGS.text("en", "emergency.offer_person") not in text
    assert text.endswith("You are still in line for a person. What you write here goes to them.")
    assert chat.option_ids(outcome) == []


def test_the_controller_being_there_while_queued_is_still_one_line(office: Runtime) -> None:
    chat = Chat(office.engine, language_hint="vi")
    queue_at(chat, MONDAY_10)
    outcome = chat.say("anh ta sắp về rồi", at=MONDAY_10)
    assert chat.text(outcome) == number_line(office, chat)


# -- 5. the same sentences in every country -------------------------------------------------------


@pytest.mark.parametrize(("country", "lines"), [("Mexico", True), ("Colombia", False)])
@pytest.mark.parametrize("language", ["en", "es"])
def test_no_one_can_answer_is_said_whether_or_not_the_country_has_lines(
    away: Runtime, country: str, lines: bool, language: str
) -> None:
    chat = Chat(away.engine, sender=WEB, language_hint=language)
    text = ask_for_a_person(chat, MONDAY_10, country)
    assert text.startswith(CATALOGS.text(language, "handoff.nobody"))
    assert (CATALOGS.text(language, "person.intro") in text) is lines
    if not lines:
        assert number_line(away, chat) in text and "123" in text
    assert CATALOGS.text(language, "queue.wait_back") in text
    assert chat.option_ids() == ["wait", "leave"]


@pytest.mark.parametrize("country", ["Mexico", "Colombia"])
def test_without_advocates_no_one_can_answer_is_said_in_every_country(
    runtime: Runtime, country: str
) -> None:
    chat = Chat(runtime.engine, sender=WEB)
    text = ask_for_a_person(chat, MONDAY_10, country)
    assert text.startswith("No one can answer here right now.")
    assert chat.option_ids() == ["menu"]


# -- 6. what the advocate will see, and taking it back ------------------------------------------


def test_the_queued_confirmation_says_what_the_advocate_sees_and_how_to_take_it_back(
    office: Runtime,
) -> None:
    shared = queue_at(Chat(office.engine, sender="+15550100101"), MONDAY_10, "share")
    assert (
        "The person will see a short summary of this chat. "
        "To take it back before they read it, send PRIVATE." in shared
    )
    private = queue_at(Chat(office.engine, sender="+15550100102"), MONDAY_10, "private")
    assert "The person will see only your language and country" in private
    assert "PRIVATE" not in private


def test_sending_the_word_before_the_claim_takes_the_summary_back(office: Runtime) -> None:
    chat = Chat(office.engine)
    queue_at(chat, MONDAY_10, "share")
    assert "last_messages" in summary(office, handoffs(office)[0])
    chat.say("private", at=MONDAY_10 + timedelta(seconds=5))
    assert chat.text() == "Done: the person will see only your language and country."
    (row,) = handoffs(office)
    assert row.consent is False
    assert summary(office, row) == {"language": "en", "country": "US"}


def test_the_word_is_taken_in_the_persons_language(office: Runtime) -> None:
    chat = Chat(office.engine, language_hint="vi")
    queue_at(chat, MONDAY_10, "share")
    assert "RIÊNG TƯ" in chat.text()
    chat.say("rieng tu", at=MONDAY_10 + timedelta(seconds=5))
    assert chat.text() == CATALOGS.text("vi", "queue.withdrawn")
    assert handoffs(office)[0].consent is False


def test_a_sentence_that_holds_the_word_goes_to_the_advocate(office: Runtime) -> None:
    chat = Chat(office.engine)
    queue_at(chat, MONDAY_10, "share")
    chat.say("please keep my private life out of this", at=MONDAY_10 + timedelta(seconds=5))
    assert chat.text() == CATALOGS.text("en", "queue.ack")
    assert handoffs(office)[0].consent is True


def test_after_the_claim_the_person_is_told_the_advocate_may_have_read_it(office: Runtime) -> None:
    chat = Chat(office.engine)
    queue_at(chat, MONDAY_10, "share")
    claim(office, chat, MONDAY_10 + timedelta(minutes=1))
    chat.say("PRIVATE", at=MONDAY_10 + timedelta(minutes=2))
    assert chat.text() == (
        "Done: the summary is hidden now, but the person may have read it already."
    )
    assert "last_messages" not in summary(office, handoffs(office)[0])


def test_the_console_shows_no_summary_once_the_person_took_it_back(console: Console) -> None:
    console.queue_telegram(4001, consent="share")
    console.telegram(4001, "PRIVATE")
    assert console.bot_api.sent_texts()[-1].startswith("Done:")
    ana = console.login("ana")
    chat = console.claimed(ana)
    view = ana.get(f"{PREFIX}/conversations/{chat}").json()
    assert view["summary"] == {"language": "en", "country": "MX"}


def test_the_console_shows_no_summary_once_a_spanish_web_chat_took_it_back(
    console: Console,
) -> None:
    page = console.queue_web(greeting="hola, buenas tardes")
    assert page.post("/chat/messages", json={"text": "PRIVADO"}).status_code == 200
    ana = console.login("ana")
    item = first_in_queue(ana)
    ana.post(f"{PREFIX}/conversations/{item['id']}/claim")
    view = ana.get(f"{PREFIX}/conversations/{item['id']}").json()
    assert view["summary"] == {"language": "es", "country": "MX"}


# -- the words and texts, as data -----------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_a_word_to_take_the_summary_back(language: str) -> None:
    word = TAKE_BACK.word(language)
    assert TAKE_BACK.words.get(language) == word
    assert TAKE_BACK.said(word, language)
    assert word in CATALOGS.text(language, "queue.sees_summary", word=word)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_word_to_take_the_summary_back_is_a_safety_word(language: str, content: Content) -> None:
    taken = {word: content.safety.check(word) for word in TAKE_BACK.whole[language]}
    assert not {word: match for word, match in taken.items() if match}


QUEUE_KEYS = sorted(key for key in CATALOGS.entries["en"] if key.startswith("queue."))
QUEUE_TEXT_VALUES = {
    "position": 1,
    "hours": "Mon-Fri 09:00-17:00",
    "zone": "Chicago",
    "wait": "10 minutes",
    "when": "Monday 09:00",
    "idle": "24 hours",
    "word": "PRIVATE",
    "name": "Ana",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_queue_text_opens_with_a_revealing_word(language: str) -> None:
    texts = {
        key: CATALOGS.text(language, key, **QUEUE_TEXT_VALUES)
        for key in [*QUEUE_KEYS, "handoff.queued", "handoff.nobody"]
    }
    assert len(texts) > 2
    revealing = {key: revealing_words(text) for key, text in texts.items()}
    assert not {key: found for key, found in revealing.items() if found}


def test_opening_hours_next_open_on_their_clock() -> None:
    hours = OpeningHours.parse(HOURS, CHICAGO)
    zone = ZoneInfo(CHICAGO)
    assert hours.next_open(MONDAY_17_30) == datetime(2026, 11, 24, 9, 0, tzinfo=zone)
    assert hours.next_open(FRIDAY_17_30) == datetime(2026, 11, 30, 9, 0, tzinfo=zone)
    assert OpeningHours.parse("", CHICAGO).next_open(MONDAY_10) is None
