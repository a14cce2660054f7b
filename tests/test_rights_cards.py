"""Rights cards as a person gets them by SMS: a short summary first, the law on request.

A card's first reply is its summary with its options, three SMS segments at most in
every language, with no citation or link; "More" (typed in the person's language or
English, or by its number) shows the full text, the legal basis and source as written,
introduced in the person's language, and the disclaimer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.channels.sms.adapter import messages
from bot.core.catalog import Catalogs
from bot.core.flows import load_flows
from bot.core.messages import Outcome
from bot.core.rights import LAW_KEY, RightsCard, RightsCards
from bot.core.safety import read_safety_words
from bot.core.segments import segments
from common.text import find_words, fold
from tests.conftest import Chat

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
RIGHTS = RightsCards.load(ROOT / "flows" / "rights" / "cards.yml")
BOOK = load_flows(ROOT / "flows" / "flows.yml")
LANGUAGES = CATALOGS.languages
TOPICS = [option.id for option in BOOK.resolve("rights.topic").options]
COUNTRIES = {"us": "US", "gb": "GB", "ca": "CA", "eu": "FR", "au": "AU", "international": "MX"}
"""A country of each jurisdiction, typed as its ISO code."""

MAX_SEGMENTS = 3
CARD_OPTIONS = ["more", "other", "person", "menu"]
DETAILS_OPTIONS = ["other", "person", "menu"]
LOCK_SCREEN_CHARS = 40
REVEALING = tuple(
    fold(word)
    for words in read_safety_words(ROOT / "flows" / "safety").values()
    for word in words.get("lock_screen_words", ())
)
LINK = re.compile(r"https?://|www\.|\.(gov|org|int|eu|ca|uk|au)\b", re.IGNORECASE)
CITATION = re.compile(r"§|U\.S\.C|C\.F\.R|\b(ss?|arts?)\.\s*\d|\b(19|20)\d\d\b|\bCETS\b")

JURISDICTION_PARAMS = [
    pytest.param(language, jurisdiction, id=f"{language}-{jurisdiction}")
    for language in LANGUAGES
    for jurisdiction in COUNTRIES
]


def card_of(jurisdiction: str, topic: str) -> RightsCard:
    return RIGHTS.cards[(jurisdiction, topic)]


def at_topics(new_chat: Callable[..., Chat], language: str, jurisdiction: str) -> Chat:
    """A person of ``language`` at "what would you like to know about?" in the jurisdiction."""
    chat = new_chat(f"web-visitor-rights-{language}-{jurisdiction}", language_hint=language)
    chat.say()  # the channel's language hint opens the conversation in the language
    chat.say(choice="yes")
    chat.say(choice="rights")
    chat.say(COUNTRIES[jurisdiction])
    assert chat.option_ids() == TOPICS
    return chat


def every_card(chat: Chat, then: str | None = None) -> dict[str, Outcome]:
    """Each topic's card as the person gets it, or what ``then`` (an option id) shows next."""
    shown: dict[str, Outcome] = {}
    for topic in TOPICS:
        shown[topic] = chat.say(choice=topic)
        if then:
            shown[topic] = chat.say(choice=then)
        chat.say(choice="other")
    return shown


def sms_segments(outcome: Outcome) -> int:
    return sum(segments(message) for message in messages(outcome))


def revealing(message: str) -> list[str]:
    head = fold(message[:LOCK_SCREEN_CHARS])
    return [word for word in REVEALING if word in head]


# -- the summary, the first reply ---------------------------------------------------------------


@pytest.mark.parametrize(("language", "jurisdiction"), JURISDICTION_PARAMS)
def test_every_summary_fits_three_sms_segments_with_its_options(
    new_chat: Callable[..., Chat], language: str, jurisdiction: str
) -> None:
    chat = at_topics(new_chat, language, jurisdiction)
    cards = every_card(chat)
    options = {topic: chat.option_ids(outcome) for topic, outcome in cards.items()}
    assert options == dict.fromkeys(TOPICS, CARD_OPTIONS)
    long = {
        topic: messages(outcome)
        for topic, outcome in cards.items()
        if sms_segments(outcome) > MAX_SEGMENTS
    }
    assert not long, f"summaries over {MAX_SEGMENTS} segments: {long}"


@pytest.mark.parametrize(("language", "jurisdiction"), JURISDICTION_PARAMS)
def test_a_summary_is_the_cards_summary_with_no_link_or_citation(
    new_chat: Callable[..., Chat], language: str, jurisdiction: str
) -> None:
    chat = at_topics(new_chat, language, jurisdiction)
    for topic, outcome in every_card(chat).items():
        card = card_of(jurisdiction, topic)
        text = chat.text(outcome)
        assert text == CATALOGS.text(language, card.summary_key)
        assert not LINK.search(text), (topic, text)
        assert not CITATION.search(text), (topic, text)
        assert card.source not in text and card.basis not in text


LAW_NAMES = sorted(
    {
        re.split(r"[,(:]", citation)[0].strip()
        for card in RIGHTS.cards.values()
        for citation in card.basis.split(";")
    }
)
"""What each citation of every basis starts with: "Modern Slavery Act 2015", "8 U.S.C."."""


@pytest.mark.parametrize("language", LANGUAGES)
def test_summaries_name_no_law(language: str) -> None:
    """Not even an act's or a treaty's name: "Modern Slavery Act", "UN Palermo Protocol"."""
    named = {
        card.summary_key: name
        for card in RIGHTS.cards.values()
        for name in LAW_NAMES
        if find_words(fold(CATALOGS.text(language, card.summary_key)), fold(name)) != -1
    }
    assert "UN Palermo Protocol" in LAW_NAMES
    assert not named, f"{language} summaries name laws: {named}"


# -- "More": the law and its source on request --------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_more_typed_in_the_language_shows_the_full_text_basis_source_and_disclaimer(
    new_chat: Callable[..., Chat], language: str
) -> None:
    chat = at_topics(new_chat, language, "gb")
    chat.say(choice="police")
    outcome = chat.say(CATALOGS.text(language, "rights.option_more"))
    card = card_of("gb", "police")
    text = chat.text(outcome)
    assert (outcome.flow, outcome.language) == ("rights", language)
    assert text.startswith(CATALOGS.text(language, card.text_key))
    assert card.basis in text
    assert card.source in text and card.last_reviewed.isoformat() in text
    assert text.endswith(CATALOGS.text(language, "rights.disclaimer"))
    assert chat.option_ids(outcome) == DETAILS_OPTIONS


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "MORE"),
        ("es", "mas"),
        ("pt", "mais"),
        ("fr", "plus"),
        ("vi", "them"),
        ("tl", "higit pa"),
    ],
)
def test_more_is_understood_without_accents_or_case(
    new_chat: Callable[..., Chat], language: str, typed: str
) -> None:
    chat = at_topics(new_chat, language, "us")
    chat.say(choice="wages")
    chat.say(typed)
    assert card_of("us", "wages").basis in chat.text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_more_in_english_or_by_its_number_shows_the_basis_in_every_language(
    new_chat: Callable[..., Chat], language: str
) -> None:
    chat = at_topics(new_chat, language, "au")
    card = card_of("au", "interpreter")
    for typed in ("more", "1"):
        chat.say(choice="interpreter")
        chat.say(typed)
        assert card.basis in chat.text(), typed
        assert card.source in chat.text(), typed
        chat.say(choice="other")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_law_is_introduced_in_the_language_before_its_citation(language: str) -> None:
    """The citation stays as written, after a plain line that a lock screen may show."""
    card = card_of("gb", "police")
    line = next(
        line
        for line in CATALOGS.text(
            language, LAW_KEY, basis="{basis}", url="{url}", date="{date}"
        ).split("\n")
        if "{basis}" in line
    )
    introduction = line.split("{basis}")[0]
    assert len(introduction) >= LOCK_SCREEN_CHARS
    assert not revealing(introduction)
    law = CATALOGS.text(language, LAW_KEY, basis=card.basis, url=card.source, date="2026-11-26")
    assert law.startswith(introduction + card.basis)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_disclaimer_is_one_short_sms_segment(language: str) -> None:
    assert segments(CATALOGS.text(language, "rights.disclaimer")) == 1


@pytest.mark.parametrize(("language", "jurisdiction"), JURISDICTION_PARAMS)
def test_no_sms_of_a_summary_or_of_its_details_opens_with_a_lock_screen_word(
    new_chat: Callable[..., Chat], language: str, jurisdiction: str
) -> None:
    chat = at_topics(new_chat, language, jurisdiction)
    shown = [*every_card(chat).values(), *every_card(chat, then="more").values()]
    found = {
        message[:LOCK_SCREEN_CHARS]: revealing(message)
        for outcome in shown
        for message in messages(outcome)
        if revealing(message)
    }
    assert not found, f"lock screen shows: {found}"


# -- the other options ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "flow", "options"),
    [
        ("2", "rights", TOPICS),
        ("3", "person", None),
        ("4", "menu", ["help", "rights", "signs", "person", "language"]),
    ],
)
def test_the_cards_other_options_still_answer_by_number(
    new_chat: Callable[..., Chat], typed: str, flow: str, options: list[str] | None
) -> None:
    chat = at_topics(new_chat, "en", "ca")
    chat.say(choice="wages")
    outcome = chat.say(typed)
    assert outcome.flow == flow
    if options is not None:
        assert chat.option_ids(outcome) == options


@pytest.mark.parametrize(
    ("choice", "flow"), [("other", "rights"), ("person", "person"), ("menu", "menu")]
)
def test_after_the_details_the_person_can_go_on(
    new_chat: Callable[..., Chat], choice: str, flow: str
) -> None:
    chat = at_topics(new_chat, "es", "eu")
    chat.say(choice="immigration")
    chat.say(choice="more")
    assert chat.say(choice=choice).flow == flow


def test_another_topic_after_the_details_shows_that_topics_summary(
    new_chat: Callable[..., Chat],
) -> None:
    chat = at_topics(new_chat, "ru", "us")
    chat.say(choice="immigration")
    chat.say(choice="more")
    chat.say(choice="other")
    chat.say(choice="not_punished")
    assert chat.text() == CATALOGS.text("ru", card_of("us", "not_punished").summary_key)
