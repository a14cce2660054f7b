"""Typed answers to every choice: an option's label, its number and its words (or, for a
need, the need's words) choose it in every language, no word of an option is a word that
erases, and a clear answer is never sent to the model to be misread as danger."""

from __future__ import annotations

import shutil
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.answers import AnswerWords
from bot.core.catalog import Catalogs
from bot.core.flows import Option, Step, load_flows
from bot.core.interpreter import Turn
from bot.core.safety import Action, read_safety_words
from bot.runtime import Content, Runtime, Understanding, build_runtime
from bot.store.records import Conversation
from common.text import find_words, normalize
from common.yamlfile import read_yaml
from nlu.lookups import need_synonyms
from tests.conftest import Chat
from tests.settings import make_settings
from tests.test_handoff import add_advocate

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
CATALOGS = Catalogs.load(FLOWS / "locales")
BOOK = load_flows(FLOWS / "flows.yml")
ANSWERS = AnswerWords.load(FLOWS / "answers")
LANGUAGES = CATALOGS.languages
NEEDS = {language: need_synonyms(language) for language in LANGUAGES}
CHOICES = [step for step in BOOK.steps.values() if step.options]


def sets_language(option: Option) -> bool:
    """Options named by a language's names, which the safety layer knows."""
    return "language" in option.set


def words_for(option: Option, language: str) -> list[str]:
    """What people type for an option in a language, beside its label and number."""
    if option.set.get("need"):
        return NEEDS[language].get(option.set["need"], [])
    return sorted(ANSWERS.words(language, option.label))


CASES = [
    pytest.param(step, index, language, id=f"{step.name}-{option.id}-{language}")
    for step in CHOICES
    for index, option in enumerate(step.options)
    for language in LANGUAGES
]


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory,
    model_dir: Path,
    encryption_key: str,
    template_database: Path,
    understanding: Understanding,
    content: Content,
) -> Iterator[Runtime]:
    """One runtime for the module, with an advocate who is away: nobody can answer now."""
    folder = tmp_path_factory.mktemp("typed")
    shutil.copyfile(template_database, folder / "haven.db")
    settings = make_settings(folder, model_dir, encryption_key)
    runtime = build_runtime(settings, understanding, content)
    add_advocate(runtime, available=False)
    yield runtime
    runtime.close()


def at(step: Step, language: str) -> Turn:
    """A conversation of a person in the US who asked about wages, standing at ``step``."""
    now = datetime.now(UTC)
    conversation = Conversation(
        key=f"typed-{step.name}-{language}",
        channel="terminal",
        language=language,
        flow=step.flow,
        step=step.id,
        created_at=now,
        last_active=now,
        rate_window_start=now,
        vars={"country": "US", "topic": "wages"},
    )
    return Turn(conversation)


def chooses(runtime: Runtime, step: Step, language: str, text: str) -> str | None:
    """The option ``text`` chooses at ``step``, by the interpreter's own reading.

    Only the choosing: going there would run the directory's queries for every word, and
    where each option goes is the flows' business, tested elsewhere.
    """
    option = runtime.engine.flows._pick(at(step, language), step, None, text)
    return option.id if option else None


# -- every choice, every language -------------------------------------------------------------


@pytest.mark.parametrize(("step", "index", "language"), CASES)
def test_the_label_the_number_and_the_words_of_an_option_choose_it(
    shared: Runtime, step: Step, index: int, language: str
) -> None:
    option = step.options[index]
    typed = [CATALOGS.text(language, option.label), str(index + 1), *words_for(option, language)]
    for text in typed:
        assert chooses(shared, step, language, text) == option.id, text


def test_every_option_has_words_in_every_language() -> None:
    """A new option needs its words in every language, or to mean yes or no."""
    missing = [
        (step.name, option.id, language)
        for step in CHOICES
        for option in step.options
        if not option.means and not sets_language(option)
        for language in LANGUAGES
        if not words_for(option, language)
    ]
    assert not missing


def test_the_words_of_options_are_for_labels_that_options_have() -> None:
    labels = {option.label for step in CHOICES for option in step.options}
    for language in LANGUAGES:
        keys = set(read_yaml(FLOWS / "answers" / f"{language}.yml")["options"])
        assert keys <= labels, (language, keys - labels)


def test_a_need_has_its_words_in_one_place_only() -> None:
    """The words for each need are understanding's synonyms, not a second list here."""
    needs = {option.label for step in CHOICES for option in step.options if option.set.get("need")}
    for language in LANGUAGES:
        assert not needs & set(read_yaml(FLOWS / "answers" / f"{language}.yml")["options"])


def test_language_choices_are_named_by_every_language(content: Content) -> None:
    (step,) = [step for step in CHOICES if step.name == "language.choose"]
    for option in step.options:
        for language in LANGUAGES:
            match = content.safety.check(CATALOGS.text(language, option.label))
            assert match is not None and match.action is Action.SET_LANGUAGE
            assert match.language == option.set["language"]


def names(option: Option) -> dict[str, str]:
    """An option's label in every language and its words, each with where it comes from."""
    found = {normalize(CATALOGS.text(lang, option.label)): f"label {lang}" for lang in LANGUAGES}
    for language in LANGUAGES:
        found.update(dict.fromkeys(map(normalize, words_for(option, language)), language))
    return found


@pytest.mark.parametrize("step", CHOICES, ids=lambda step: step.name)
def test_no_word_names_two_options_of_one_step(step: Step) -> None:
    owner: dict[str, str] = {}
    for option in step.options:
        for word in names(option):
            assert owner.setdefault(word, option.id) == option.id, (word, owner[word], option.id)


def test_no_word_of_an_option_is_a_yes_or_no_word() -> None:
    """Yes and no answer through ``means``; as an option's word they would contradict it."""
    for step in CHOICES:
        for option in step.options:
            for language in LANGUAGES:
                for word in ANSWERS.words(language, option.label):
                    assert ANSWERS.meaning(word) is None, (option.label, language, word)


def test_vietnamese_words_with_d_stroke_are_also_listed_with_d() -> None:
    """People type "d" for "đ" (normalising keeps them apart, as in đừng and dừng)."""
    for key, words in read_yaml(FLOWS / "answers" / "vi.yml")["options"].items():
        folded = {normalize(word) for word in words}
        for word in folded:
            assert word.replace("đ", "d") in folded, (key, word)


# -- nothing typed for an option erases -------------------------------------------------------


def safety_words(*actions: str) -> dict[str, str]:
    safety = FLOWS / "safety"
    every = read_safety_words(safety) | read_safety_words(safety / "unsupported")
    return {
        normalize(word): f"{language} {action}"
        for language, spec in every.items()
        for action in actions
        for word in (spec.get(action) or {}).get("whole", [])
    }


def test_no_label_or_word_of_an_option_collides_with_a_quick_exit_stop_or_delete_word() -> None:
    """Typed whole, such a word would erase or open DELETE where the person meant to answer;
    and no label or word holds a quick-exit or STOP word, which people type alone for it
    ("leave" for "Leave for now") and which erase at once without a word."""
    whole = safety_words("exit", "stop", "delete")
    erasing = safety_words("exit", "stop")
    collisions = []
    for step in CHOICES:
        for option in step.options:
            for word, source in names(option).items():
                if word in whole:
                    collisions.append((option.label, source, word, whole[word]))
                collisions += [
                    (option.label, source, word, erasing[part])
                    for part in erasing
                    if find_words(word, part) != -1
                ]
    assert not collisions


def test_yes_and_no_words_do_not_collide_with_a_quick_exit_stop_or_delete_word() -> None:
    whole = safety_words("exit", "stop", "delete")
    for language in LANGUAGES:
        spec = read_yaml(FLOWS / "answers" / f"{language}.yml")
        for word in spec["yes"] + spec["no"]:
            assert normalize(word) not in whole, (language, word)


# -- the messages that failed -----------------------------------------------------------------


GREETINGS = {
    "en": "hi",
    "es": "hola",
    "fr": "bonjour",
    "pt": "olá",
    "ar": "مرحبا",
    "ru": "привет",
    "uk": "привіт",
    "zh": "你好",
    "vi": "xin chào",
    "tl": "kumusta",
}


def in_the_us(runtime: Runtime, tag: str, language: str) -> Chat:
    """A person of their own (by ``tag``) at the menu, texting from a US number in their
    language."""
    sender = f"+1555{zlib.crc32(tag.encode()) % 10**7:07d}"
    chat = Chat(runtime.engine, sender=sender, language_hint=language)
    chat.to_menu(greeting=GREETINGS[language], yes="1")
    return chat


def waiting_choice(runtime: Runtime, tag: str, language: str) -> Chat:
    """Someone in the US who asked for a person while nobody can answer."""
    chat = in_the_us(runtime, tag, language)
    chat.say(choice="person")
    assert chat.option_ids() == ["wait", "leave"], chat.text()
    return chat


@pytest.mark.parametrize(
    ("language", "answer"),
    [
        ("en", "yes"),
        ("en", "ok"),
        ("en", "sure"),
        ("en", "I'll wait"),
        ("en", "ok i'll wait here then"),
        ("ar", "راح انتظر"),
        ("ar", "سأنتظر"),
        ("uk", "почекаю"),
        ("ru", "подожду"),
        ("es", "sí, espero"),
        ("vi", "em chờ"),
        ("zh", "我等"),
        ("tl", "maghihintay ako"),
    ],
)
def test_yes_or_i_ll_wait_waits(shared: Runtime, language: str, answer: str) -> None:
    chat = waiting_choice(shared, f"waits-{language}-{answer}", language)
    outcome = chat.say(answer)
    assert chat.option_ids(outcome) == ["share", "private"], chat.text(outcome)


@pytest.mark.parametrize("answer", ["راح انتظر", "почекаю"])
def test_i_ll_wait_is_not_read_as_danger(shared: Runtime, answer: str) -> None:
    """The model, never shown a wait, heard danger in "راح" (will) and in "почекаю": a
    clear answer to the question is now read before the model is asked."""
    chat = waiting_choice(shared, f"not-danger-{answer}", "en")
    text = chat.text(chat.say(answer))
    assert "911" not in text
    assert chat.outcomes[-1].flow == "person"


def test_a_wait_with_danger_in_it_still_gets_the_number_first(shared: Runtime) -> None:
    chat = waiting_choice(shared, "waits-scared", "en")
    outcome = chat.say("ok i'll wait, i'm scared")
    assert "911" in chat.text(outcome).splitlines()[0]
    assert chat.option_ids(outcome) == ["share", "private"]


@pytest.mark.parametrize(
    ("language", "answer"),
    [
        ("en", "no thanks"),
        ("en", "Not now"),
        ("en", "maybe later"),
        ("es", "más tarde"),
        ("ru", "потом"),
        ("ar", "بعدين"),
        ("vi", "để sau"),
        ("tl", "mamaya na lang"),
    ],
)
def test_no_thanks_or_later_is_not_now(shared: Runtime, language: str, answer: str) -> None:
    chat = waiting_choice(shared, f"later-{language}-{answer}", language)
    outcome = chat.say(answer)
    assert outcome.flow == "menu"
    assert chat.text(outcome).startswith(CATALOGS.text(outcome.language or "en", "handoff.left"))


def test_i_dont_want_to_wait_does_not_wait(shared: Runtime) -> None:
    chat = waiting_choice(shared, "no-wait", "en")
    outcome = chat.say("I don't want to wait")
    assert chat.option_ids(outcome) != ["share", "private"]


def test_leave_still_erases_at_once_and_no_label_asks_for_it(shared: Runtime) -> None:
    chat = waiting_choice(shared, "leaves", "en")
    offered = [choice.label for reply in chat.outcomes[-1].replies for choice in reply.options]
    assert offered
    assert not [label for label in offered if find_words(normalize(label), "leave") != -1]
    assert chat.say("leave").exited


def need_of(runtime: Runtime, chat: Chat) -> str | None:
    key = runtime.engine.keys.session_key(chat.channel, chat.sender)
    with runtime.store.transaction() as tx:
        conversation = tx.load(key)
    assert conversation is not None
    return conversation.vars.get("need")


@pytest.mark.parametrize(
    ("language", "answer", "need"),
    [
        ("pt", "abrigo", "shelter"),
        ("ar", "سكن", "shelter"),
        ("vi", "bác sĩ", "medical"),
        ("vi", "bac si", "medical"),
        ("zh", "吃的", "food"),
        ("en", "a place to stay", "shelter"),
        ("en", "my wages", "labour"),
        ("es", "necesito un lugar para dormir", "shelter"),
        ("ru", "зарплата", "labour"),
        ("fr", "un médecin", "medical"),
        ("tl", "sweldo", "labour"),
    ],
)
def test_a_need_typed_at_what_do_you_need_is_understood(
    shared: Runtime, language: str, answer: str, need: str
) -> None:
    chat = in_the_us(shared, f"needs-{language}-{answer}", language)
    chat.say(choice="help")
    assert "shelter" in chat.option_ids(), chat.text()
    outcome = chat.say(answer)
    assert need_of(shared, chat) == need
    assert outcome.flow == "find_help"


def test_a_need_named_in_passing_is_not_asked_again(shared: Runtime) -> None:
    chat = in_the_us(shared, "passing", "en")
    outcome = chat.say("I need a place to stay")
    assert need_of(shared, chat) == "shelter"
    assert CATALOGS.text("en", "find_help.ask_need") not in chat.text(outcome)


# -- what a phrase may and may not choose -----------------------------------------------------


def step_named(name: str) -> Step:
    return BOOK.steps[name]


def chosen(step: Step, text: str, language: str = "en") -> str | None:
    typed = ANSWERS.choose(normalize(text), step.options, language, CATALOGS)
    return step.options[typed.index].id if typed else None


def test_the_longest_words_found_win() -> None:
    nobody = step_named("person.nobody")
    assert chosen(nobody, "ya no puedo esperar, vuelvo luego", "es") == "leave"
    assert chosen(nobody, "我不等了", "zh") == "leave"


def test_words_of_two_options_in_one_message_choose_neither() -> None:
    assert chosen(step_named("person.nobody"), "wait or come back later") is None


def test_a_long_message_is_not_an_answer() -> None:
    story = "he says i have to wait until i pay back what i owe him for the trip"
    assert chosen(step_named("person.nobody"), story) is None


def test_a_yes_label_inside_a_sentence_is_not_the_yes_button() -> None:
    assert chosen(step_named("welcome.ask_safe"), "yes but he checks my phone") is None


def test_a_step_that_must_hear_a_clear_answer_takes_no_phrase(shared: Runtime) -> None:
    consent = step_named("person.consent")
    text = f"{CATALOGS.text('en', 'handoff.consent_yes')} but only my country"
    assert chooses(shared, consent, "en", text) == consent.otherwise == "private"
