"""Minors: an age under 18, in words or digits and in every language, sets the minor flag;
the person hears once that they are not in trouble, with the child line beside the
emergency number, and hears what an advocate may have to report before a person is
involved. Someone else's age flags that a child is involved, and nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.console.auth import PREFIX
from bot.core.catalog import Catalogs
from bot.core.minors import AgeReader
from bot.runtime import Runtime
from bot.store.records import Conversation
from common.text import fold
from tests.conftest import Chat
from tests.console_harness import Console, first_in_queue
from tests.seed_data import lines_with
from tests.test_catalogs import LOCK_SCREEN_CHARS, REVEALING_WORDS
from tests.test_handoff import add_advocate, handoffs, summary

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
READER = AgeReader.load(ROOT / "flows" / "minors")
MINOR_KEYS = ("minors.thanks", "minors.line", "minors.report_duty")
US = "+15550100001"
VIETNAM = "+84912345678"

SAYS_THEY_ARE_A_MINOR = {
    "en": ["im 15 and my uncle makes me work for no money", "i'm fifteen", "I am 16 years old",
           "Im 15yo pls help", "i m only 14", "I'm a minor", "im underage",
           "15 years old, he took my passport", "iam 13 n scared"],
    "es": ["tengo 14 años", "tengo catorce", "Tengo 15 años, en casa me pegan", "soy menor de edad",
           "tengo 16 y no me dejan salir", "tengo dieciséis años", "tngo 15 anos"],
    "fr": ["j'ai 15 ans", "jai quinze ans", "g 16 ans", "je suis mineure",
           "j'ai dix-sept ans et il garde mon passeport"],
    "pt": ["tenho 15 anos", "tenho quinze anos", "sou menor de idade", "sou de menor",
           "tenho 16 anos e não me deixam sair"],
    "ar": ["عمري ١٥", "عمري 15 سنة", "عمري خمستاش", "انا قاصر", "انا عمري ١٤ وما يخلوني اطلع",
           "3omri 15"],
    "zh": ["我15岁", "我今年十五岁", "我未成年", "我才十四岁，他们不让我走", "我今年16歲"],
    "ru": ["мне 15 лет", "мне пятнадцать", "я несовершеннолетняя", "мне всего 14, помогите",
           "mne 15 let"],
    "uk": ["мені 15 років", "мені п'ятнадцять", "я неповнолітня", "мені лише 16"],
    "vi": ["em 15 tuổi", "em 15 tuoi", "em mười lăm tuổi", "em còn nhỏ", "e 15t chủ k cho về"],
    "tl": ["15 taong gulang ako", "labinlimang taon", "labinlimang taon pa lang ako",
           "kinse anyos ako", "menor de edad ako"],
}  # fmt: skip
NOT_AN_AGE_UNDER_18 = {
    "en": ["15 years ago", "I have worked 15 hours", "I'm 15 minutes away", "I'm 25",
           "when I was 15 they took me", "I'm eighteen", "a minor problem with my visa",
           "I earn 15 dollars a day", "I'm 14th in line"],
    "es": ["15 años trabajando", "tengo 15 años trabajando aquí", "llevo 15 años en este país",
           "tengo 12 horas sin comer", "tengo dieciocho", "cuando tenía 15 me trajeron",
           "puedes demandar en un plazo de 10 años"],
    "fr": ["il y a 15 ans", "j'ai 15 euros", "j'ai dix-huit ans", "dans un délai de 10 ans"],
    "pt": ["tenho 15 anos aqui", "há 15 anos", "tenho 15 reais"],
    "ar": ["عمري ما شفت", "عمري ١٨", "عندي 15 سنة في الشغل"],
    "zh": ["我25岁", "我今年十八岁", "我15岁的时候被卖了"],
    "ru": ["дайте мне 15 минут", "мне 25", "мне было 15"],
    "uk": ["мені 15 хвилин", "мені 18 років"],
    "vi": ["em 18 tuổi", "em mười tám tuổi", "lúc 15 tuổi em bị bán"],
    "tl": ["15 taon na akong nagtatrabaho dito", "labing walong taong gulang ako",
           "15 taon sa Saudi"],
}  # fmt: skip
SOMEONE_ELSE_IS_A_MINOR = {
    "en": ["my daughter is 14", "my daughter is 14 years old", "she is 15",
           "there are underage girls in the house"],
    "es": ["mi hija tiene 14 años", "es menor de edad"],
    "fr": ["ma fille a 14 ans", "elle est mineure"],
    "pt": ["minha filha tem 14 anos"],
    "ar": ["بنتي عمرها 14"],
    "zh": ["我女儿15岁"],
    "ru": ["дочери 14 лет"],
    "uk": ["їй 14"],
    "vi": ["em gái em 15 tuổi"],
    "tl": ["ang anak ko ay 14"],
}  # fmt: skip
FIRST_MESSAGES = {
    "en": "im 15 and my uncle makes me work for no money",
    "es": "tengo 14 años y mi tío no me paga",
    "fr": "j'ai 15 ans et mon patron garde mon passeport",
    "pt": "tenho 15 anos e meu patrão não me paga",
    "ar": "عمري ١٥ سنة وصاحب الشغل ما يدفع لي",
    "zh": "我今年十五岁，老板不给我工资",
    "ru": "мне 15 лет, хозяин не платит мне",
    "uk": "мені 15 років, господар не платить мені",
    "vi": "em 15 tuổi, chủ không trả lương cho em",
    "tl": "15 taong gulang ako at hindi ako binabayaran ng amo ko",
}


def cases(examples: dict[str, list[str]]) -> list[Any]:
    return [
        pytest.param(text, id=f"{language}-{text}")
        for language, texts in examples.items()
        for text in texts
    ]


def text(language: str, key: str, **params: object) -> str:
    return CATALOGS.text(language, key, **params)


def paragraphs(chat: Chat) -> list[str]:
    return chat.text().split("\n\n")


def conversation(runtime: Runtime, chat: Chat) -> Conversation:
    with runtime.store.transaction() as tx:
        found = tx.load(runtime.store.keys.session_key(chat.channel, chat.sender))
    assert found is not None
    return found


def known(runtime: Runtime, chat: Chat) -> dict[str, Any]:
    """What the conversation remembers (its flags among it)."""
    return conversation(runtime, chat).vars


def emergency_line(runtime: Runtime, chat: Chat) -> str:
    """The emergency number as the engine says it where the person is."""
    return runtime.engine.flows.emergency_line(conversation(runtime, chat))


# -- the words --------------------------------------------------------------------------------


def test_every_language_has_age_words_and_is_tried_here() -> None:
    assert set(READER.languages) == set(CATALOGS.languages)
    for examples in (SAYS_THEY_ARE_A_MINOR, NOT_AN_AGE_UNDER_18, SOMEONE_ELSE_IS_A_MINOR):
        assert set(examples) == set(CATALOGS.languages)


@pytest.mark.parametrize("message", cases(SAYS_THEY_ARE_A_MINOR))
def test_an_age_under_18_in_words_or_digits_says_the_writer_is_a_minor(message: str) -> None:
    said = READER.read(message)
    assert said.minor and not said.child


@pytest.mark.parametrize("message", cases(NOT_AN_AGE_UNDER_18))
def test_a_number_that_is_not_an_age_under_18_says_nothing(message: str) -> None:
    said = READER.read(message)
    assert not said.minor and not said.child


@pytest.mark.parametrize("message", cases(SOMEONE_ELSE_IS_A_MINOR))
def test_someone_elses_age_says_a_child_is_involved_not_that_the_writer_is_one(
    message: str,
) -> None:
    said = READER.read(message)
    assert said.child and not said.minor


def test_the_writers_age_and_someone_elses_are_both_heard() -> None:
    said = READER.read("I'm 15 and my sister is 12")
    assert said.minor and said.child


@pytest.mark.parametrize(
    ("language", "key"),
    [
        pytest.param(lang, key, id=f"{lang}-{key}")
        for lang in CATALOGS.languages
        for key in MINOR_KEYS
    ],
)
def test_what_a_minor_is_told_does_not_open_with_a_revealing_word(language: str, key: str) -> None:
    head = fold(text(language, key)[:LOCK_SCREEN_CHARS])
    found = [fold(word) for word in REVEALING_WORDS[language] if fold(word) in head]
    assert not found, f"{language} {key}: {found}"


# -- the notice ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", sorted(FIRST_MESSAGES))
def test_a_first_message_saying_the_person_is_under_18_sets_the_flag_and_thanks_them(
    runtime: Runtime, language: str
) -> None:
    chat = Chat(runtime.engine, sender=US)
    outcome = chat.say(FIRST_MESSAGES[language])
    assert known(runtime, chat).get("minor") is True
    assert outcome.language is not None
    assert text(outcome.language, "minors.thanks") in chat.text()


def test_a_vietnamese_fifteen_year_old_gets_the_child_line_111_beside_the_number_113(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=VIETNAM)
    chat.say("em 15 tuổi, chủ không cho em về")
    said = paragraphs(chat)
    emergency = said.index(emergency_line(runtime, chat))
    assert "113" in said[emergency]
    intro, line = said[emergency + 1].split("\n")
    assert intro == text("vi", "minors.line")
    assert line.startswith("111")


def test_the_child_line_is_the_countrys_line_for_children_not_its_trafficking_hotline(
    runtime: Runtime,
) -> None:
    (childhelp,) = [line for line in lines_with("child") if line.country == "US"]
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("i'm 14")
    assert childhelp.phone in chat.text()


def test_after_a_hint_of_danger_the_number_stays_first_and_the_child_line_follows_it(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("im 15 and he hits me")
    first, second, third, *_ = paragraphs(chat)
    assert first == emergency_line(runtime, chat)
    assert second.startswith(text("en", "minors.line"))
    assert third == text("en", "minors.thanks")


def test_the_notice_is_said_once(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("i'm 14")
    assert text("en", "minors.thanks") in chat.text()
    chat.say("i'm 14, really")
    assert text("en", "minors.thanks") not in chat.text()
    assert known(runtime, chat)["minor"] is True


def test_saying_an_age_is_understood_not_answered_with_sorry(runtime: Runtime) -> None:
    chat = Chat(runtime.engine, sender=US, language_hint="es")
    chat.to_menu("hola", "sí")
    outcome = chat.say("tengo 14 años")
    assert text("es", "fallback.sorry") not in chat.text()
    assert outcome.flow == "menu"
    assert chat.text().endswith(text("es", "menu.prompt"))


def test_someone_elses_age_flags_a_child_involved_and_the_reply_stays_the_adults(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("my daughter is 14")
    assert text("en", "minors.thanks") not in chat.text()
    assert known(runtime, chat).get("child_involved") is True
    assert "minor" not in known(runtime, chat)


@pytest.mark.parametrize(
    "message", ["I have worked 15 hours", "15 years ago", "15 años trabajando"]
)
def test_a_number_that_is_no_age_leaves_the_conversation_an_adults(
    runtime: Runtime, message: str
) -> None:
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say(message)
    assert "minor" not in known(runtime, chat)


def test_with_the_controller_there_the_reply_stays_one_line_and_the_flag_is_set(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("im 15 and he's here")
    assert chat.text() == emergency_line(runtime, chat)
    assert known(runtime, chat)["minor"] is True


# -- what an advocate may have to report ------------------------------------------------------


def test_the_report_duty_is_said_right_before_the_consent_question(runtime: Runtime) -> None:
    add_advocate(runtime)
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("i'm 16")
    chat.say("I want to talk to a person")
    said = paragraphs(chat)
    consent = said.index(text("en", "handoff.consent"))
    assert said[consent - 1] == text("en", "minors.report_duty")
    assert not [row for row in handoffs(runtime) if row.consent], "nothing is shared before it"


def test_the_offer_of_a_person_after_an_emergency_says_the_report_duty_first(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("i'm 16")
    chat.say("sos")
    said = paragraphs(chat)
    assert said[-2:] == [text("en", "minors.report_duty"), text("en", "emergency.offer_person")]


def test_the_answer_to_will_you_report_me_says_the_report_duty_to_a_minor(
    runtime: Runtime,
) -> None:
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("i'm 16")
    chat.say("will you report me")
    said = paragraphs(chat)
    answer = said.index(text("en", "about.not_police"))
    assert said[answer + 1] == text("en", "minors.report_duty")


def test_an_adult_asking_for_a_person_hears_no_report_duty(runtime: Runtime) -> None:
    add_advocate(runtime)
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("I want to talk to a person")
    assert text("en", "handoff.consent") in chat.text()
    assert text("en", "minors.report_duty") not in chat.text()


def test_the_handoff_summary_carries_the_minor_flag(runtime: Runtime) -> None:
    add_advocate(runtime)
    chat = Chat(runtime.engine, sender=US)
    chat.to_menu()
    chat.say("i'm 16 and my sister is 12")
    chat.say("I want to talk to a person")
    chat.say(choice="share")
    (row,) = handoffs(runtime)
    assert {"minor", "child_involved"} <= set(summary(runtime, row)["flags"])


def test_the_console_shows_the_minor_flag(console: Console) -> None:
    console.telegram(2001, "hi")
    console.telegram(2001, choice="yes")
    console.telegram(2001, "i'm 15")
    console.telegram(2001, "I want to talk to a person")
    console.telegram(2001, "Mexico")
    console.telegram(2001, choice="share")
    advocate = console.login("ana")
    item = first_in_queue(advocate)
    advocate.post(f"{PREFIX}/conversations/{item['id']}/claim")
    view = advocate.get(f"{PREFIX}/conversations/{item['id']}").json()
    assert "minor" in view["summary"]["flags"]
