"""The gettext catalogs (bot/catalog.py): complete, consistent, short enough and discreet.

Languages are found on disk, so a new ``flows/locales/<lang>`` directory is checked
by every test here without anyone touching this file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.channels.sms import adapter as sms_adapter
from bot.channels.sms.adapter import MAX_MESSAGE_CHARS as MAX_REPLY_CHARS
from bot.core.actions import GENERAL_EMERGENCY_NUMBERS, Actions
from bot.core.catalog import SOURCE_LANGUAGE, Catalogs, Entry, placeholders, read_catalog
from bot.core.flows import HANDOFF, WIPE, load_flows
from bot.core.messages import Outcome
from bot.core.rights import RightsCard, RightsCards
from bot.core.safety import read_safety_words
from bot.store.models import AdvocateRow
from bot.store.records import Conversation
from common.clock import utcnow
from common.text import fold
from common.yamlfile import read_yaml
from nlu.training_data import read_examples
from resources_db.importer import import_path
from resources_db.lookup import Directory
from tests.conftest import Chat
from tests.hsds_package import local_directory

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "flows" / "locales"
BOOK = load_flows(ROOT / "flows" / "flows.yml")
CATALOGS = Catalogs.load(LOCALES)
RIGHTS = RightsCards.load(ROOT / "flows" / "rights" / "cards.yml")

LANGUAGES = sorted(path.name for path in LOCALES.iterdir() if path.is_dir())
UNSUPPORTED = "ich brauche bitte sofort Hilfe"
"""German: a language Haven does not speak."""

MAX_LABEL_CHARS = 30
"""Buttons on WhatsApp and Telegram cut longer labels."""
SMS_SEGMENT_CHARS = 160
LOCK_SCREEN_CHARS = 40
"""About what a phone's lock screen shows of a new message."""

SAFETY_WORDS = read_safety_words(ROOT / "flows" / "safety")
REVEALING_WORDS = {
    language: tuple(spec.get("lock_screen_words", ())) for language, spec in SAFETY_WORDS.items()
}
ALL_REVEALING_WORDS = tuple(fold(word) for words in REVEALING_WORDS.values() for word in words)

# Keys the engine and the actions put first in a reply, besides the steps' openings.
ENGINE_OPENERS = (
    "fallback.sorry",
    "fallback.error",
    "about.not_police",
    "input.empty",
    "input.text_only",
    "handoff.queued",
    "handoff.position",
    "rate.slow_down",
    "emergency.call_number",
    "emergency.call_general",
    "place.call_number_or_112",
    "hotlines.none",
    "find_help.results_intro",
    "find_help.none_found",
)


@cache
def entries(language: str) -> dict[str, Entry]:
    """The catalogs of one language directory, read straight from its .po files."""
    merged: dict[str, Entry] = {}
    for path in sorted((LOCALES / language / "LC_MESSAGES").glob("*.po")):
        merged.update(read_catalog(path))
    return merged


ENGLISH = entries(SOURCE_LANGUAGE)


def shown(language: str, key: str) -> str:
    """The template a person of ``language`` gets for ``key`` (English where untranslated)."""
    entry = entries(language).get(key)
    if entry and entry.text and not entry.fuzzy:
        return entry.text
    return ENGLISH[key].text or ENGLISH[key].source


def revealing_words(text: str) -> list[str]:
    """The revealing words in what a lock screen shows of ``text``."""
    head = fold(text[:LOCK_SCREEN_CHARS])
    return [word for word in ALL_REVEALING_WORDS if word in head]


def opener_keys() -> list[str]:
    keys = {step.opening_key() for step in BOOK.steps.values()}
    keys |= {step.invalid for step in BOOK.steps.values() if step.input}
    keys |= set(ENGINE_OPENERS)
    keys |= {key for key in ENGLISH if key.startswith(("rights.summary.", "rights.card."))}
    return sorted(key for key in keys if key)


def label_keys() -> list[str]:
    return sorted({option.label for step in BOOK.steps.values() for option in step.options})


def ask_keys() -> list[str]:
    return sorted({step.ask for step in BOOK.steps.values() if step.ask})


# -- complete and consistent ----------------------------------------------------------------


def test_languages_are_found_on_disk() -> None:
    assert SOURCE_LANGUAGE in LANGUAGES
    assert set(CATALOGS.languages) == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_english_key(language: str) -> None:
    missing = set(ENGLISH) - set(entries(language))
    assert not missing, f"{language} lacks {sorted(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_keys_english_lacks(language: str) -> None:
    extra = set(entries(language)) - set(ENGLISH)
    assert not extra, f"{language} has keys English lacks: {sorted(extra)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_translates_the_current_english_text(language: str) -> None:
    stale = {
        key: entry.source
        for key, entry in entries(language).items()
        if key in ENGLISH and entry.source != ENGLISH[key].source
    }
    assert not stale, f"{language} translates an old English text: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_empty_translation(language: str) -> None:
    empty = sorted(key for key, entry in entries(language).items() if not entry.text.strip())
    assert not empty, f"{language} has empty msgstr for {empty}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_fuzzy_entry(language: str) -> None:
    fuzzy = sorted(key for key, entry in entries(language).items() if entry.fuzzy)
    assert not fuzzy, f"{language} has fuzzy entries {fuzzy}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_english_text(language: str) -> None:
    wrong = {
        key: (sorted(placeholders(entry.source)), sorted(placeholders(entry.text)))
        for key, entry in entries(language).items()
        if placeholders(entry.text) != placeholders(entry.source)
    }
    assert not wrong, f"{language}: (msgid, msgstr) placeholders differ: {wrong}"


def test_english_catalog_text_is_its_source() -> None:
    different = sorted(key for key, entry in ENGLISH.items() if entry.text != entry.source)
    assert not different, f"English msgstr differs from msgid for {different}"


def test_every_message_key_of_the_flows_is_in_the_english_catalog() -> None:
    missing = BOOK.message_keys() - set(ENGLISH)
    assert not missing, f"flows.yml uses unknown keys {sorted(missing)}"


def test_every_jurisdiction_has_a_country_and_its_routes() -> None:
    assert set(JURISDICTION_COUNTRIES) == set(RIGHTS.jurisdictions)
    for code, country in JURISDICTION_COUNTRIES.items():
        assert RIGHTS.jurisdiction_of(country) == code


@pytest.mark.parametrize(
    ("language", "card"),
    [
        pytest.param(lang, card, id=f"{lang}-{card.jurisdiction}-{card.topic}")
        for lang in LANGUAGES
        for card in RIGHTS.cards.values()
    ],
)
def test_a_rights_cards_details_render_in_the_language_with_its_source(
    language: str, card: RightsCard
) -> None:
    actions = Actions(CATALOGS, Directory(create_engine("sqlite://")), RIGHTS)
    now = datetime.now(UTC)
    conversation = Conversation(
        key="k",
        channel="terminal",
        language=language,
        flow="rights",
        step="details",
        created_at=now,
        last_active=now,
        rate_window_start=now,
        vars={"topic": card.topic, "country": JURISDICTION_COUNTRIES[card.jurisdiction]},
    )
    text = actions.rights_details(conversation).text
    assert text.startswith(shown(language, card.text_key))
    assert card.source in text and card.last_reviewed.isoformat() in text
    assert card.basis in text
    assert text.endswith(shown(language, "rights.disclaimer"))


def test_every_rights_card_has_its_summary_and_its_full_text() -> None:
    assert RIGHTS.cards
    keys = [key for card in RIGHTS.cards.values() for key in (card.summary_key, card.text_key)]
    missing = sorted(key for key in keys if key not in ENGLISH)
    assert not missing, f"rights cards without text: {missing}"


# -- short enough -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_is_longer_than_one_reply(language: str) -> None:
    long = {
        key: len(entry.text)
        for key, entry in entries(language).items()
        if len(entry.text) > MAX_REPLY_CHARS
    }
    assert not long, f"{language} texts over {MAX_REPLY_CHARS} characters: {long}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_option_labels_fit_a_button(language: str) -> None:
    labels = {key: shown(language, key) for key in label_keys()}
    long = {key: text for key, text in labels.items() if len(text) > MAX_LABEL_CHARS}
    assert labels
    assert not long, f"{language} labels over {MAX_LABEL_CHARS} characters: {long}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_questions_fit_one_sms_segment(language: str) -> None:
    asks = {key: shown(language, key) for key in ask_keys()}
    long = {key: text for key, text in asks.items() if len(text) > SMS_SEGMENT_CHARS}
    assert asks
    assert not long, f"{language} questions over {SMS_SEGMENT_CHARS} characters: {long}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_general_emergency_text_names_the_common_numbers(language: str) -> None:
    text = shown(language, "emergency.call_general")
    for number in GENERAL_EMERGENCY_NUMBERS:
        assert number in text, f"{language} emergency.call_general lacks {number}"


# -- discreet openers ---------------------------------------------------------------------------


def test_opener_keys_include_every_steps_opening_and_every_rights_card() -> None:
    keys = set(opener_keys())
    assert {"welcome.greeting", "menu.prompt", "common.unknown_country"} <= keys
    assert {card.summary_key for card in RIGHTS.cards.values()} <= keys
    assert {card.text_key for card in RIGHTS.cards.values()} <= keys


@pytest.mark.parametrize(
    ("language", "key"),
    [pytest.param(lang, key, id=f"{lang}-{key}") for lang in LANGUAGES for key in opener_keys()],
)
def test_reply_openers_do_not_reveal_the_subject_on_a_lock_screen(language: str, key: str) -> None:
    text = shown(language, key)
    found = revealing_words(text)
    assert not found, f"{language} {key} starts {text[:LOCK_SCREEN_CHARS]!r}: {found}"


# -- discreet openers, on real output -------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    """A button press: the option id a channel hands the engine."""

    id: str


@dataclass(frozen=True)
class Type:
    """A typed message, by its name in ``WORDS``, so one route serves every language."""

    name: str


WORDS = {
    "en": {
        "hello": "hi",
        "country": "Mexico",
        "country_without_lines": "Colombia",
        "disclosure": "my boss has my passport",
        "emergency": "sos",
        "delete": "delete",
        "nonsense": "xyzzy",
        "more_nonsense": "qwerty plugh",
        "empty": "",
        "unsupported": UNSUPPORTED,
        "phone_checked": "he checks my phone",
    },
    "es": {
        "hello": "hola",
        "country": "México",
        "country_without_lines": "Colombia",
        "disclosure": "mi jefe tiene mi pasaporte",
        "emergency": "auxilio",
        "delete": "borrar",
        "nonsense": "asdf",
        "more_nonsense": "qwerty",
        "empty": "",
        "unsupported": UNSUPPORTED,
        "phone_checked": "mi jefe revisa mi celular",
    },
}


def words_from_data(language: str) -> dict[str, str]:
    """What a person of ``language`` types, taken from the project's own data."""
    safety = SAFETY_WORDS[language]
    answers = read_yaml(ROOT / "flows" / "answers" / f"{language}.yml")
    examples = read_examples([ROOT / "nlu" / "data" / f"{language}.yml"])
    return {
        "hello": "",  # the channel's language hint opens the conversation in the language
        "country": "MX",
        "country_without_lines": "CO",
        "disclosure": next(e.text for e in examples if e.intent == "disclose_situation"),
        "emergency": safety["emergency"]["whole"][0],
        "delete": safety["delete"]["whole"][0],
        "nonsense": "xyzzy",
        "more_nonsense": "qwerty plugh",
        "empty": "",
        "unsupported": UNSUPPORTED,
        "phone_checked": answers["but"]["phone"][0],
    }


for _language in LANGUAGES:
    WORDS.setdefault(_language, words_from_data(_language))
DRIVEN_LANGUAGES = tuple(WORDS)

# A country of each jurisdiction with its own rights cards, typed as its ISO code.
JURISDICTION_COUNTRIES = {"us": "US", "gb": "GB", "ca": "CA", "eu": "FR", "au": "AU"}
JURISDICTION_COUNTRIES["international"] = "MX"
for _words in WORDS.values():
    _words.update({f"country_{code}": country for code, country in JURISDICTION_COUNTRIES.items()})
    _words["city"] = "Houston"

SENDER = "web-visitor-catalogs"
"""Not a phone number: no country is known until the person names one."""
MEXICAN = "+525555555555"


@dataclass(frozen=True)
class Route:
    name: str
    step: str
    messages: tuple[Tap | Type, ...]
    answers_in_english: bool = False
    local_directory: bool = False
    """Run with local entries in the directory (Texas and New York), not only the seed."""
    advocate: str | None = None
    """Run with an advocate account that is "away" or "available"; None: no accounts."""
    sender: str = SENDER


MENU = (Type("hello"), Tap("yes"))
ROUTES = (
    Route("welcome", "welcome.ask_safe", (Type("hello"),)),
    Route("not safe", "unsafe.goodbye", (Type("hello"), Tap("no"))),
    Route("menu", "menu.choose", MENU),
    Route("empty message", "menu.choose", (*MENU, Type("empty"))),
    Route("not understood", "menu.choose", (*MENU, Type("nonsense"))),
    Route("signs", "signs.indicators", (*MENU, Tap("signs"))),
    Route("signs, more", "signs.more", (*MENU, Tap("signs"), Tap("more"))),
    Route("signs, what to do", "signs.todo", (*MENU, Tap("signs"), Tap("todo"))),
    Route("signs, report", "signs.report_country", (*MENU, Tap("signs"), Tap("report"))),
    Route(
        "signs, report with lines",
        "signs.report",
        (*MENU, Tap("signs"), Tap("report"), Type("country")),
    ),
    Route(
        "signs, report without lines",
        "signs.report",
        (*MENU, Tap("signs"), Tap("report"), Type("country_without_lines")),
    ),
    Route("disclosure", "disclosure.acknowledge", (*MENU, Type("disclosure"))),
    Route("emergency, country unknown", "emergency.numbers", (*MENU, Type("emergency"))),
    Route(
        "emergency, country known",
        "emergency.numbers",
        (*MENU, Tap("help"), Type("country"), Type("emergency")),
    ),
    Route("find help", "find_help.country", (*MENU, Tap("help"))),
    Route("unknown country", "find_help.country", (*MENU, Tap("help"), Type("nonsense"))),
    Route("find help, need", "find_help.need", (*MENU, Tap("help"), Type("country"))),
    Route(
        "find help, results with lines",
        "find_help.results",
        (*MENU, Tap("help"), Type("country"), Tap("shelter")),
    ),
    Route(
        "find help, results without lines",
        "find_help.results",
        (*MENU, Tap("help"), Type("country_without_lines"), Tap("shelter")),
    ),
    Route("rights", "rights.country", (*MENU, Tap("rights"))),
    Route("rights, topic", "rights.topic", (*MENU, Tap("rights"), Type("country"))),
    *(
        Route(
            f"rights card {jurisdiction} {option.id}",
            "rights.card",
            (*MENU, Tap("rights"), Type(f"country_{jurisdiction}"), Tap(option.id)),
        )
        for jurisdiction in JURISDICTION_COUNTRIES
        for option in BOOK.resolve("rights.topic").options
    ),
    *(
        Route(
            f"rights details {jurisdiction} {option.id}",
            "rights.details",
            (*MENU, Tap("rights"), Type(f"country_{jurisdiction}"), Tap(option.id), Tap("more")),
        )
        for jurisdiction in JURISDICTION_COUNTRIES
        for option in BOOK.resolve("rights.topic").options
    ),
    Route(
        "find help, place",
        "find_help.place",
        (*MENU, Tap("help"), Type("country_us"), Tap("shelter")),
        local_directory=True,
    ),
    Route(
        "find help, results near the place",
        "find_help.results",
        (*MENU, Tap("help"), Type("country_us"), Tap("shelter"), Type("city")),
        local_directory=True,
    ),
    Route("person", "person.country", (*MENU, Tap("person"))),
    Route("person, lines", "person.lines", (*MENU, Tap("person"), Type("country"))),
    Route(
        "person, no lines",
        "person.lines",
        (*MENU, Tap("person"), Type("country_without_lines")),
    ),
    Route(
        "person, nobody there",
        "person.nobody",
        (*MENU, Tap("person"), Type("country")),
        advocate="away",
    ),
    Route(
        "person, wait anyway",
        "person.consent_to_wait",
        (*MENU, Tap("person"), Type("country"), Tap("wait")),
        advocate="away",
    ),
    Route(
        "person, leave",
        "person.left",
        (*MENU, Tap("person"), Type("country"), Tap("leave")),
        advocate="away",
    ),
    Route(
        "person, in danger: in line at once",
        "person.at_once",
        (*MENU, Type("emergency"), Tap("person")),
        advocate="available",
    ),
    Route(
        "in line, the country",
        "in_line.country",
        (*MENU, Type("emergency"), Tap("person")),
        advocate="available",
    ),
    Route(
        "in line, consent",
        "in_line.consent",
        (*MENU, Type("emergency"), Tap("person"), Type("country")),
        advocate="available",
    ),
    Route(
        "person, consent",
        "person.consent",
        (*MENU, Tap("person"), Type("country")),
        advocate="available",
    ),
    Route(
        "person, queued",
        "person.queue",
        (*MENU, Tap("person"), Type("country"), Tap("share")),
        advocate="available",
    ),
    *(
        # A Mexican number that names Houston: the country is confirmed before lines.
        Route(f"{flow}, confirm the country", f"{flow}.confirm_country", taps, sender=MEXICAN)
        for flow, taps in (
            ("find_help", (*MENU, Type("city"), Tap("help"))),
            ("rights", (*MENU, Type("city"), Tap("rights"))),
            ("person", (*MENU, Type("city"), Tap("person"))),
            ("signs", (*MENU, Type("city"), Tap("signs"), Tap("report"))),
        )
    ),
    Route(
        "rights, not in the named country",
        "rights.country",
        (*MENU, Type("city"), Tap("rights"), Tap("no")),
        sender=MEXICAN,
    ),
    Route("language", "language.choose", (*MENU, Tap("language"))),
    Route(
        "unsupported language",
        "unsupported_language.offer",
        (*MENU, Type("unsupported")),
        answers_in_english=True,
    ),
    Route("phone checked", "phone.advice", (*MENU, Type("phone_checked"))),
    Route("delete", "delete.confirm", (*MENU, Type("delete"))),
    Route("delete, yes", "delete.done", (*MENU, Type("delete"), Tap("yes"))),
    Route("delete, no", "delete.kept", (*MENU, Type("delete"), Tap("no"))),
    Route(
        "offer of a person",
        "offer_person.offer",
        (*MENU, Type("nonsense"), Type("more_nonsense")),
    ),
)

ROUTE_PARAMS = [
    pytest.param(language, route, id=f"{language}-{route.name}")
    for language in DRIVEN_LANGUAGES
    for route in ROUTES
]


@pytest.fixture(scope="module")
def local_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return local_directory().write(tmp_path_factory.mktemp("directory") / "texas")


def drive(new_chat: Callable[..., Chat], language: str, route: Route, local_package: Path) -> Chat:
    chat = new_chat(route.sender, language_hint=language)
    if route.local_directory:
        assert not import_path(chat.engine.store.engine, local_package).problems
    if route.advocate:
        with chat.engine.store.transaction() as tx:
            tx.db.add(
                AdvocateRow(
                    username="on-duty",
                    password_hash="-",
                    role="advocate",
                    available=route.advocate == "available",
                    live_at=utcnow(),  # their console is open
                    failed_logins=0,
                    created_at=utcnow(),
                )
            )
    for message in route.messages:
        if isinstance(message, Tap):
            chat.say(choice=message.id)
        else:
            chat.say(WORDS[language][message.name])
    return chat


def stored(chat: Chat) -> Conversation | None:
    key = chat.engine.keys.session_key(chat.channel, chat.sender)
    with chat.engine.store.transaction() as tx:
        return tx.load(key)


MODEL_ONLY_STEPS = {"leave.confirm", "leave.now"}
"""Reached only when a model half-believes a quick exit: tests/test_danger.py drives them."""


def test_every_step_of_every_flow_has_a_route() -> None:
    assert {route.step for route in ROUTES} | MODEL_ONLY_STEPS == set(BOOK.steps)


@pytest.mark.parametrize(("language", "route"), ROUTE_PARAMS)
def test_route_reaches_its_step_in_the_language_and_every_sms_opens_discreetly(
    new_chat: Callable[..., Chat], language: str, route: Route, local_package: Path
) -> None:
    """One drive per route and language, checked for where it ends and what it showed: each
    reply as the SMS channel cuts it, since a lock screen shows the start of every SMS."""
    chat = drive(new_chat, language, route, local_package)
    last: Outcome = chat.outcomes[-1]
    step = BOOK.steps[route.step]
    assert last.language == ("en" if route.answers_in_english else language)
    if step.then is None:
        conversation = stored(chat)
        assert conversation is not None
        assert f"{conversation.flow}.{conversation.step}" == step.name
    elif step.then == HANDOFF:
        assert CATALOGS.text(language, "handoff.queued", position=1) in chat.text(last)
        assert last.handoff == "queued"
    else:
        opening = step.opening_key()
        assert opening is not None
        assert CATALOGS.text(language, opening) in chat.text(last)
        if step.then == WIPE:
            assert last.exited is True
            assert stored(chat) is None
        else:
            conversation = stored(chat)
            assert conversation is not None
            assert f"{conversation.flow}.{conversation.step}" == BOOK.resolve(step.then).name

    revealing = {
        sms[:LOCK_SCREEN_CHARS]: revealing_words(sms)
        for outcome in chat.outcomes
        for sms in sms_adapter.messages(outcome)
        if revealing_words(sms)
    }
    assert not revealing, f"lock screen shows: {revealing}"
