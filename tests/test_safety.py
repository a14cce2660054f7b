"""The deterministic safety layer (bot/core/safety.py, flows/safety/), and the real engine.

Every word is read from the flows/safety/<lang>.yml files themselves, so a word or a
language added there is tested here without anyone touching this file.

The engine acts on what ``SafetyLayer.check`` finds before anything else, so every word
and phrase of every language is checked at the layer; the engine itself is driven with
each language's first word of each action, in every state a conversation can be in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.engine import Engine
from bot.core.messages import Outcome
from bot.core.safety import Action, read_safety_words
from bot.core.states import Handoff
from bot.runtime import Content, Runtime, Understanding, build_runtime
from bot.store.models import AdvocateRow, HandoffRow
from bot.store.records import Conversation
from common.clock import utcnow
from common.text import normalize
from nlu.training_data import read_examples
from tests.conftest import Chat, make_settings

SAFETY_DIR = Path(__file__).resolve().parent.parent / "flows" / "safety"
# action -> kind ("whole" or "phrases") -> language -> words
SAFETY: dict[str, dict[str, dict[str, list[str]]]] = {}
for _language, _spec in read_safety_words(SAFETY_DIR).items():
    for _action in Action:
        for _kind, _words in ((_spec or {}).get(_action.value) or {}).items():
            SAFETY.setdefault(_action.value, {}).setdefault(_kind, {})[_language] = _words

SENDER = "web-visitor-safety"
"""Not a phone number, so no country is known and find_help asks for one."""

WIPING = (Action.EXIT, Action.STOP)
ROUTING = {
    Action.DELETE: "delete.confirm",
    Action.EMERGENCY: "emergency.numbers",
    Action.MENU: "menu.choose",
    Action.LANGUAGE: "language.choose",
}
PHRASED = (Action.EMERGENCY, Action.DELETE)
"""The actions whose phrases fire inside a sentence."""


# -- the words, from the YAML file ----------------------------------------------------------


def whole_words(action: Action) -> list[tuple[str, str]]:
    """Every (language, word) of ``action``'s whole-message list."""
    return [
        (language, word)
        for language, words in SAFETY[action.value].get("whole", {}).items()
        for word in words
    ]


def phrases(action: Action) -> list[tuple[str, str]]:
    return [
        (language, phrase)
        for language, items in SAFETY[action.value].get("phrases", {}).items()
        for phrase in items
    ]


def phrase_params(actions: tuple[Action, ...]) -> list[object]:
    return [
        pytest.param(action, language, phrase, id=f"{action.value}-{language}-{phrase}")
        for action in actions
        for language, phrase in phrases(action)
    ]


def first_phrase_params(actions: tuple[Action, ...]) -> list[object]:
    """The first phrase of each language, for each action."""
    return [
        pytest.param(action, language, items[0], id=f"{action.value}-{language}-{items[0]}")
        for action in actions
        for language, items in SAFETY[action.value]["phrases"].items()
    ]


def word_params(actions: tuple[Action, ...]) -> list[object]:
    return [
        pytest.param(action, language, word, id=f"{action.value}-{language}-{word}")
        for action in actions
        for language, word in whole_words(action)
    ]


def languages_listing(action: Action, word: str) -> set[str]:
    """The languages whose list for ``action`` holds ``word`` (as the layer compares words)."""
    return {
        language
        for language, words in SAFETY[action.value].get("whole", {}).items()
        if normalize(word) in {normalize(listed) for listed in words}
    }


def first_word_params(actions: tuple[Action, ...] | dict[Action, str]) -> list[object]:
    """The first whole-message word of each language, for each action."""
    return [
        pytest.param(action, language, words[0], id=f"{action.value}-{language}-{words[0]}")
        for action in actions
        for language, words in SAFETY[action.value]["whole"].items()
    ]


# -- talking to the engine --------------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    """A button press: the option id a channel hands the engine."""

    id: str


def send(chat: Chat, message: str | Tap) -> Outcome:
    if isinstance(message, Tap):
        return chat.say(choice=message.id)
    return chat.say(message)


def stored(chat: Chat) -> Conversation | None:
    """The conversation as the store holds it now, or None when there is none."""
    key = chat.engine.keys.session_key(chat.channel, chat.sender)
    with chat.engine.store.transaction() as tx:
        return tx.load(key)


def transcript(chat: Chat) -> list[tuple[str, str]]:
    key = chat.engine.keys.session_key(chat.channel, chat.sender)
    with chat.engine.store.transaction() as tx:
        return tx.transcript(key)


def position(chat: Chat) -> str | None:
    """``flow.step`` where the stored conversation waits, or None when there is none."""
    conversation = stored(chat)
    return f"{conversation.flow}.{conversation.step}" if conversation else None


STATES: dict[str, tuple[str, tuple[str | Tap, ...]]] = {
    "welcome question": ("welcome.ask_safe", ("hi",)),
    "main menu": ("menu.choose", ("hi", Tap("yes"))),
    "signs flow": ("signs.indicators", ("hi", Tap("yes"), Tap("signs"))),
    "find_help country question": ("find_help.country", ("hi", Tap("yes"), Tap("help"))),
    "delete confirmation": ("delete.confirm", ("hi", Tap("yes"), "delete")),
    "rights country question": ("rights.country", ("hi", Tap("yes"), Tap("rights"))),
    "rights topic question": ("rights.topic", ("hi", Tap("yes"), Tap("rights"), "MX")),
}
COUNTRY_KNOWN = {"rights topic question"}
"""States in which the conversation knows the person's country (Mexico, emergency 911)."""


def reach(chat: Chat, state: str) -> None:
    step, messages = STATES[state]
    for message in messages:
        send(chat, message)
    assert position(chat) == step, f"could not reach the {state}"


@pytest.fixture
def person(new_chat: Callable[..., Chat]) -> Chat:
    return new_chat(SENDER)


@pytest.fixture
def configured(
    tmp_path: Path,
    model_dir: Path,
    encryption_key: str,
    understanding: Understanding,
    content: Content,
) -> Iterator[Callable[..., Engine]]:
    """Builds an engine from settings with some values changed."""
    built: list[Runtime] = []

    def make(**overrides: object) -> Engine:
        settings = make_settings(tmp_path, model_dir, encryption_key, **overrides)
        runtime = build_runtime(settings, understanding, content)
        built.append(runtime)
        return runtime.engine

    yield make
    for runtime in built:
        runtime.close()


# -- the file itself ----------------------------------------------------------------------------


def test_every_action_has_whole_message_words() -> None:
    for action in (*WIPING, *ROUTING):
        assert whole_words(action), f"{action.value} has no words"


def test_every_language_has_words_for_every_action() -> None:
    languages = {language for action in (*WIPING, *ROUTING) for language, _ in whole_words(action)}
    for action in (*WIPING, *ROUTING):
        missing = languages - {language for language, _ in whole_words(action)}
        assert not missing, f"{action.value} has no words in {sorted(missing)}"


# -- each word and phrase, at the safety layer --------------------------------------------------


@pytest.mark.parametrize(("action", "language", "word"), word_params((*WIPING, *ROUTING)))
def test_every_word_is_found_as_its_action(
    content: Content, understanding: Understanding, action: Action, language: str, word: str
) -> None:
    match = content.safety.check(word)
    assert match is not None
    assert match.action == action
    assert match.language in languages_listing(action, word)
    if action in (Action.MENU, Action.LANGUAGE):
        # Before opening the menu or the language choice, the engine asks one more thing:
        # whether the message is in a language Haven does not speak.
        assert not understanding.guesser.is_unsupported(word)


@pytest.mark.parametrize(("action", "language", "phrase"), phrase_params(PHRASED))
def test_every_phrase_is_found_inside_a_sentence(
    content: Content, action: Action, language: str, phrase: str
) -> None:
    match = content.safety.check(f"listen, {phrase}, now!")
    assert match is not None
    assert match.action == action


# -- each action in every state, through the engine -------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(("action", "language", "word"), first_word_params((Action.EXIT,)))
def test_exit_word_wipes_silently_in_every_state_and_the_next_message_starts_afresh(
    person: Chat, state: str, action: Action, language: str, word: str
) -> None:
    reach(person, state)
    outcome = person.say(word)
    assert outcome.exited is True
    assert outcome.replies == ()
    assert outcome.intent == "quick_exit"
    assert stored(person) is None
    assert transcript(person) == []
    assert person.say("hi").flow == "welcome"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(("action", "language", "word"), first_word_params((Action.STOP,)))
def test_stop_word_wipes_and_sends_nothing_in_every_state(
    person: Chat, state: str, action: Action, language: str, word: str
) -> None:
    reach(person, state)
    outcome = person.say(word)
    assert outcome.exited is True
    assert outcome.replies == ()
    assert stored(person) is None
    assert transcript(person) == []
    assert person.say("hi").flow == "welcome"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(("action", "language", "word"), first_word_params((Action.DELETE,)))
def test_delete_word_asks_for_confirmation_in_every_state_and_yes_wipes(
    person: Chat, state: str, action: Action, language: str, word: str
) -> None:
    reach(person, state)
    outcome = person.say(word)
    assert outcome.exited is False
    assert outcome.flow == "delete"
    assert position(person) == "delete.confirm"
    assert person.text() == person.engine.catalogs.text(outcome.language, "delete.confirm")
    assert person.option_ids() == ["yes", "no"]

    outcome = person.say(choice="yes")
    assert outcome.exited is True
    assert person.text() == person.engine.catalogs.text(outcome.language, "delete.done")
    assert stored(person) is None
    assert transcript(person) == []


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(("action", "language", "word"), first_word_params((Action.EMERGENCY,)))
def test_emergency_word_opens_the_emergency_flow_in_every_state(
    person: Chat, state: str, action: Action, language: str, word: str
) -> None:
    reach(person, state)
    outcome = person.say(word)
    assert outcome.exited is False
    assert outcome.flow == "emergency"
    assert outcome.intent == "emergency"
    assert position(person) == "emergency.numbers"
    if state in COUNTRY_KNOWN:
        assert "911" in person.text()
    else:
        assert person.text().startswith(
            person.engine.catalogs.text(outcome.language, "emergency.call_general")
        )


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(("action", "language", "word"), first_word_params((Action.MENU,)))
def test_menu_word_opens_the_main_menu_in_every_state(
    person: Chat, state: str, action: Action, language: str, word: str
) -> None:
    reach(person, state)
    outcome = person.say(word)
    assert outcome.exited is False
    assert outcome.flow == "menu"
    assert position(person) == "menu.choose"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(("action", "language", "word"), first_word_params((Action.LANGUAGE,)))
def test_language_word_opens_the_language_choice_in_every_state(
    person: Chat, state: str, action: Action, language: str, word: str
) -> None:
    reach(person, state)
    outcome = person.say(word)
    assert outcome.exited is False
    assert outcome.flow == "language"
    assert position(person) == "language.choose"


# -- with a person on the way or there --------------------------------------------------------

HANDED_OVER = ("hi", Tap("yes"), Tap("person"), "Mexico", Tap("share"))
WITH_A_PERSON = (Handoff.QUEUED, Handoff.ASSIGNED)
KEPT_FOR_THE_ADVOCATE = {Action.MENU: "menu", Action.LANGUAGE: "language"}


@pytest.fixture(params=WITH_A_PERSON)
def handed_over(request: pytest.FixtureRequest, runtime: Runtime, person: Chat) -> Chat:
    """A person in the queue, or held by an advocate: the bot is silent but for safety."""
    with runtime.store.transaction() as tx:
        tx.db.add(
            AdvocateRow(
                username="ana",
                password_hash="not used here",
                role="advocate",
                available=True,
                live_at=utcnow(),  # their console is open
                failed_logins=0,
                created_at=utcnow(),
            )
        )
    for message in HANDED_OVER:
        send(person, message)
    if request.param == Handoff.ASSIGNED:
        with runtime.store.transaction() as tx:
            row = tx.db.scalars(select(HandoffRow)).one()
            row.state, row.assigned_to = Handoff.ASSIGNED, 1
            conversation = tx.load(row.session_key)
            assert conversation is not None
            conversation.handoff = Handoff.ASSIGNED
            tx.save(conversation)
    conversation = stored(person)
    assert conversation is not None and conversation.handoff == request.param
    return person


@pytest.mark.parametrize(("action", "language", "word"), first_word_params(WIPING))
def test_exit_and_stop_words_wipe_with_a_person_on_the_way_or_there(
    handed_over: Chat, action: Action, language: str, word: str
) -> None:
    outcome = handed_over.say(word)
    assert outcome.exited is True and outcome.replies == ()
    assert stored(handed_over) is None


@pytest.mark.parametrize(("action", "language", "word"), first_word_params((Action.DELETE,)))
def test_delete_words_ask_and_erase_with_a_person_on_the_way_or_there(
    handed_over: Chat, action: Action, language: str, word: str
) -> None:
    handed_over.say(word)
    assert position(handed_over) == ROUTING[Action.DELETE]
    handed_over.say(choice="yes")
    assert stored(handed_over) is None


@pytest.mark.parametrize(("action", "language", "word"), first_word_params((Action.EMERGENCY,)))
def test_emergency_words_give_the_number_with_a_person_on_the_way_or_there(
    handed_over: Chat, action: Action, language: str, word: str
) -> None:
    outcome = handed_over.say(word)
    assert "911" in " ".join(reply.text for reply in outcome.replies)  # Mexico's number
    conversation = stored(handed_over)
    assert conversation is not None and conversation.handoff in WITH_A_PERSON


@pytest.mark.parametrize(("action", "language", "word"), first_word_params(KEPT_FOR_THE_ADVOCATE))
def test_other_words_go_to_the_advocate_with_a_person_on_the_way_or_there(
    handed_over: Chat, action: Action, language: str, word: str
) -> None:
    outcome = handed_over.say(word)
    acknowledged = handed_over.engine.catalogs.text(outcome.language or "en", "queue.ack")
    assert [reply.text for reply in outcome.replies] in ([], [acknowledged])  # at most once
    assert ("in", word) in transcript(handed_over)[-2:]


@pytest.mark.parametrize(("action", "language", "word"), first_word_params(WIPING))
def test_exit_and_stop_words_as_a_first_message_leave_nothing_stored(
    person: Chat, action: Action, language: str, word: str
) -> None:
    outcome = person.say(word)
    assert outcome.exited is True
    assert outcome.replies == ()
    assert stored(person) is None


@pytest.mark.parametrize(
    ("action", "language", "word"),
    first_word_params((Action.DELETE, Action.EMERGENCY)),
)
def test_delete_and_emergency_words_as_a_first_message_skip_the_welcome(
    person: Chat, action: Action, language: str, word: str
) -> None:
    person.say(word)
    assert position(person) == ROUTING[action]


# -- how words are written ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["SaLiR", "sálir", " exit! ", "¡¡SALIR!!", "...Exit...", "\n\tQuick-Exit\n", "«salir»"],
)
def test_quick_exit_ignores_case_accents_punctuation_and_spaces(person: Chat, text: str) -> None:
    reach(person, "main menu")
    outcome = person.say(text)
    assert outcome.exited is True
    assert outcome.replies == ()
    assert outcome.intent == "quick_exit"
    assert stored(person) is None


@pytest.mark.parametrize("text", ["STOP", "Stop.", " stop!!! ", "“stop”", "PARAR"])
def test_stop_ignores_case_punctuation_and_spaces(person: Chat, text: str) -> None:
    reach(person, "main menu")
    outcome = person.say(text)
    assert outcome.exited is True
    assert outcome.replies == ()
    assert stored(person) is None


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("BORRAR", "delete.confirm"),
        ("¡Borrár!", "delete.confirm"),
        ("  Delete.  ", "delete.confirm"),
        ("¡AUXILIO!", "emergency.numbers"),
        ("SOS!!", "emergency.numbers"),
        ("Emergéncia", "emergency.numbers"),
        ("MENÚ", "menu.choose"),
        ("\n menu \n", "menu.choose"),
        ("¿Idioma?", "language.choose"),
        ("LANGUAGE.", "language.choose"),
    ],
)
def test_routing_words_ignore_case_accents_punctuation_and_spaces(
    person: Chat, text: str, step: str
) -> None:
    reach(person, "rights country question")
    person.say(text)
    assert position(person) == step


# -- words inside sentences ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I want to exit the building",
        "don't stop",
        "I don't want to leave yet",
        "please don't cancel",
        "no quiero salir todavía",
    ],
)
def test_whole_message_words_do_not_fire_inside_a_sentence(person: Chat, text: str) -> None:
    reach(person, "rights country question")
    assert person.engine.safety.check(text) is None
    outcome = person.say(text)
    assert outcome.exited is False
    assert outcome.replies != ()
    assert stored(person) is not None


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("please help, he is going to kill me", "emergency.numbers"),
        ("Ayúdenme, me va a matar!", "emergency.numbers"),
        ("I am locked in the basement", "emergency.numbers"),
        ("can you delete my data please", "delete.confirm"),
        ("quiero borrar mis datos ya", "delete.confirm"),
    ],
)
def test_emergency_and_delete_phrases_fire_inside_a_sentence(
    person: Chat, text: str, step: str
) -> None:
    reach(person, "rights country question")
    person.say(text)
    assert position(person) == step


@pytest.mark.parametrize(("action", "language", "phrase"), first_phrase_params(PHRASED))
def test_a_phrase_inside_a_sentence_opens_its_flow(
    person: Chat, action: Action, language: str, phrase: str
) -> None:
    reach(person, "rights country question")
    outcome = person.say(f"listen, {phrase}, now!")
    assert outcome.flow == action.value
    assert position(person) == ROUTING[action]


# -- language names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "language"),
    [("español", "es"), ("Spanish", "es"), ("inglés", "en"), ("English", "en")],
)
def test_a_language_name_switches_the_conversation_language(
    new_chat: Callable[..., Chat], name: str, language: str
) -> None:
    other = "en" if language == "es" else "es"
    chat = new_chat(SENDER, language_hint=other)
    chat.say({"en": "hi", "es": "hola"}[other])
    chat.say(choice="yes")
    before = stored(chat)
    assert before is not None
    assert before.language == other

    outcome = chat.say(name)

    assert outcome.language == language
    assert outcome.flow == "menu"
    assert chat.text() == chat.engine.catalogs.text(language, "menu.prompt")
    after = stored(chat)
    assert after is not None
    assert after.language == language


def test_a_language_name_as_a_first_message_welcomes_in_that_language(person: Chat) -> None:
    outcome = person.say("Español")
    assert outcome.flow == "welcome"
    assert outcome.language == "es"
    assert person.text().startswith(person.engine.catalogs.text("es", "welcome.greeting"))


# -- rate limits and the decoy reply ------------------------------------------------------------


def exhaust_rate_limit(chat: Chat) -> None:
    """Three messages fill a 3/60 limit; the fourth is refused with a request to slow down."""
    chat.say("hi")
    chat.say(choice="yes")
    chat.say(choice="rights")
    refused = chat.say("hello?")
    assert chat.text(refused) == chat.engine.catalogs.text("en", "rate.slow_down")


def test_a_sender_over_the_rate_limit_is_asked_to_slow_down(
    configured: Callable[..., Engine],
) -> None:
    chat = Chat(configured(rate_limit="3/60"), sender=SENDER)
    exhaust_rate_limit(chat)
    assert chat.say("hello again?").replies == ()  # told once, then silence


def test_quick_exit_works_while_rate_limited(configured: Callable[..., Engine]) -> None:
    chat = Chat(configured(rate_limit="3/60"), sender=SENDER)
    exhaust_rate_limit(chat)
    outcome = chat.say("exit")
    assert outcome.exited is True
    assert outcome.replies == ()
    assert stored(chat) is None


def test_emergency_works_while_rate_limited(configured: Callable[..., Engine]) -> None:
    chat = Chat(configured(rate_limit="3/60"), sender=SENDER)
    exhaust_rate_limit(chat)
    outcome = chat.say("sos")
    assert outcome.flow == "emergency"
    assert chat.text().startswith(chat.engine.catalogs.text("en", "emergency.call_general"))


def test_delete_works_while_rate_limited(configured: Callable[..., Engine]) -> None:
    chat = Chat(configured(rate_limit="3/60"), sender=SENDER)
    exhaust_rate_limit(chat)
    outcome = chat.say("delete")
    assert outcome.flow == "delete"
    assert chat.text() == chat.engine.catalogs.text("en", "delete.confirm")


def test_delete_can_be_confirmed_while_rate_limited(configured: Callable[..., Engine]) -> None:
    chat = Chat(configured(rate_limit="3/60"), sender=SENDER)
    exhaust_rate_limit(chat)
    chat.say("delete")
    outcome = chat.say(choice="yes")
    assert outcome.exited is True
    assert chat.text() == chat.engine.catalogs.text("en", "delete.done")
    assert stored(chat) is None


DECOY = "Thanks! Your order #2231 is confirmed."


def test_quick_exit_replies_with_exactly_the_configured_decoy(
    configured: Callable[..., Engine],
) -> None:
    chat = Chat(configured(exit_reply=DECOY), sender=SENDER)
    chat.to_menu()
    outcome = chat.say("exit")
    assert outcome.exited is True
    assert [reply.text for reply in outcome.replies] == [DECOY]
    assert chat.option_ids() == []
    assert stored(chat) is None


def test_quick_exit_while_rate_limited_replies_with_the_decoy(
    configured: Callable[..., Engine],
) -> None:
    chat = Chat(configured(rate_limit="3/60", exit_reply=DECOY), sender=SENDER)
    exhaust_rate_limit(chat)
    outcome = chat.say("salir")
    assert outcome.exited is True
    assert [reply.text for reply in outcome.replies] == [DECOY]


def test_stop_sends_nothing_even_when_a_decoy_is_configured(
    configured: Callable[..., Engine],
) -> None:
    chat = Chat(configured(exit_reply=DECOY), sender=SENDER)
    chat.to_menu()
    outcome = chat.say("stop")
    assert outcome.exited is True
    assert outcome.replies == ()
    assert stored(chat) is None


def test_no_whole_message_word_wipes_in_one_language_what_greets_in_another() -> None:
    """'huy' is "hey" in Tagalog: a stop word elsewhere must not wipe a greeting."""
    wiping = {
        word
        for action in ("exit", "stop")
        for words in SAFETY[action].get("whole", {}).values()
        for word in words
    }
    greetings = {
        normalize(example.text)
        for path in sorted((SAFETY_DIR.parent.parent / "nlu" / "data").glob("??.yml"))
        for example in read_examples([path])
        if example.intent in {"greet", "affirm", "deny"}
    }
    assert not {normalize(word) for word in wiping} & greetings


def test_phrases_match_inside_chinese_text_written_without_spaces(chat: Chat) -> None:
    outcome = chat.say("他说他要杀我")  # "he said he is going to kill me"
    assert outcome.flow == "emergency"
