"""Conversations as people write them, in every language Haven speaks: the safety promises
hold on real messages (issue 12).

Each file ``tests/conversations/<lang>.yml`` holds conversations as data: who writes (a
phone number, a channel), whether a person can answer (``staff``), and turns, each a
message and what its reply must show. The format and the check kinds are described in
``tests/conversations/README.md``. Every conversation is one test, named after it.

Whatever a turn checks, every reply of every turn is also sent through the SMS channel's
splitter (``bot.channels.sms.adapter.messages``) and each SMS is checked: none opens with
a lock-screen word of its language in the first characters a phone shows, none ends on an
option's bare number, and none starts with a label whose number is in the SMS before.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.sms import adapter
from bot.core.catalog import Catalogs
from bot.core.messages import Outcome
from bot.core.safety import read_safety_words
from bot.runtime import Content, Runtime, Understanding, build_runtime
from bot.store.models import HandoffRow
from bot.store.records import Conversation
from common.text import fold
from common.yamlfile import read_yaml
from tests.conftest import Chat
from tests.settings import make_settings
from tests.test_handoff import add_advocate

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "conversations"
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
LANGUAGES = CATALOGS.languages
LOCK_SCREEN_WORDS = {
    language: tuple(fold(word) for word in words.get("lock_screen_words", ()))
    for language, words in read_safety_words(ROOT / "flows" / "safety").items()
}
LOCK_SCREEN_CHARS = 40
"""About what a phone's lock screen shows of a new SMS."""
BARE_NUMBER = re.compile(r"(?:^|\n)\d+\.?$")
"""An SMS that ends on an option's number without its label."""
NUMBER = re.compile(r"\d(?:[ \-–]?\d)*")
"""A number as a reply writes it: "999", "1-888-373-7888", "900 105 090"."""

STAFF = {
    "none": None,  # no advocate at all: the lines, and no queue
    "available": True,  # someone can answer now: consent, then the queue
    "away": False,  # an advocate who is away: wait or leave, then consent
}
CHANNELS = ("sms", "telegram", "web", "terminal")
CONSENT_QUESTIONS = ("person.consent", "person.consent_to_wait")
"""A ``consent`` check follows a turn that checked it was at one of these: without the
question, no consent would pass for the wrong reason."""
CONVERSATION_KEYS = {"name", "from", "channel", "staff", "language", "hint", "turns"}
TURN_KEYS = {"say", "press"}


@dataclass(frozen=True)
class Spoken:
    """One conversation of a file, as written there."""

    file_language: str
    name: str
    sender: str
    channel: str
    staff: str
    language: str
    hint: str | None
    turns: tuple[dict[str, Any], ...]

    @property
    def id(self) -> str:
        return f"{self.file_language}-{self.name}"


def read_conversations() -> list[Spoken]:
    """Every conversation of every file; a key the runner does not know fails collection,
    so that a misspelt check can never pass by being ignored."""
    found = []
    for path in sorted(FOLDER.glob("*.yml")):
        data = read_yaml(path)
        language = data["language"]
        assert language == path.stem, f"{path.name}: language {language!r}"
        for entry in data["conversations"]:
            unknown = set(entry) - CONVERSATION_KEYS
            assert not unknown, f"{path.name} {entry.get('name')}: unknown keys {unknown}"
            for turn in entry["turns"]:
                strange = set(turn) - TURN_KEYS - set(CHECKS)
                assert not strange, f"{path.name} {entry['name']}: unknown checks {strange}"
                assert ("say" in turn) != ("press" in turn), f"{entry['name']}: say or press"
            at_question = False
            for turn in entry["turns"]:
                if "consent" in turn:
                    assert at_question, f"{entry['name']}: check the consent question first"
                at_question = str(turn.get("flow", "")).startswith(CONSENT_QUESTIONS)
            spoken = Spoken(
                file_language=language,
                name=entry["name"],
                sender=str(entry["from"]),
                channel=entry.get("channel", "sms"),
                staff=entry.get("staff", "none"),
                language=entry.get("language", language),
                hint=entry.get("hint"),
                turns=tuple(entry["turns"]),
            )
            assert spoken.channel in CHANNELS, spoken.id
            assert spoken.staff in STAFF, spoken.id
            assert spoken.language in LANGUAGES, spoken.id
            found.append(spoken)
    return found


# -- the runtimes: one per kind of staffing, shared by the module -------------------------------


RuntimeFor = Callable[[str], Runtime]
"""The shared runtime of a staffing (a key of ``STAFF``)."""


@pytest.fixture(scope="module")
def runtime_for(
    tmp_path_factory: pytest.TempPathFactory,
    model_dir: Path,
    encryption_key: str,
    template_database: Path,
    understanding: Understanding,
    content: Content,
) -> Iterator[RuntimeFor]:
    """A runtime for each staffing, built when first asked for and shared by the module:
    building one per conversation would take most of the suite's time. Each conversation
    erases its own sender's conversation before it starts, so they never see each other."""
    built: dict[str, Runtime] = {}

    def runtime(staff: str) -> Runtime:
        if staff not in built:
            folder = tmp_path_factory.mktemp(f"conversations-{staff}")
            shutil.copyfile(template_database, folder / "haven.db")
            settings = make_settings(folder, model_dir, encryption_key)
            built[staff] = build_runtime(settings, understanding, content)
            if STAFF[staff] is not None:
                add_advocate(built[staff], available=bool(STAFF[staff]))
        return built[staff]

    yield runtime
    for each in built.values():
        each.close()


# -- reading what happened ----------------------------------------------------------------------


def forget(runtime: Runtime, chat: Chat) -> None:
    """What an earlier conversation from the same number left in a shared runtime."""
    key = runtime.store.keys.session_key(chat.channel, chat.sender)
    with runtime.store.transaction() as tx:
        tx.wipe(key)


def catalog_text(language: str, key: str) -> str:
    assert not CATALOGS.parameters(key), f"{key} has placeholders: check it another way"
    return CATALOGS.text(language, key)


def as_list(value: object) -> list[str]:
    """A key or a list of keys, as written in a turn."""
    if isinstance(value, str):
        return [value]
    assert isinstance(value, list), value
    return [str(item) for item in value]


# -- the checks on every SMS --------------------------------------------------------------------


def sms_problems(outcome: Outcome, spoken: Spoken) -> list[str]:
    """What is wrong with the SMS the channel would send for ``outcome``."""
    words = LOCK_SCREEN_WORDS[outcome.language or spoken.language]
    labels = [option.label for reply in outcome.replies for option in reply.options]
    problems = []
    texts = adapter.messages(outcome)
    for n, sms in enumerate(texts):
        head = fold(sms[:LOCK_SCREEN_CHARS])
        shown = [word for word in words if word in head]
        if shown:
            problems.append(f"SMS {n + 1} shows {shown} on a lock screen: {sms[:60]!r}")
        if BARE_NUMBER.search(sms.rstrip()):
            problems.append(f"SMS {n + 1} ends on an option's number: {sms[-40:]!r}")
        if n and any(sms.startswith(label) for label in labels):
            problems.append(f"SMS {n + 1} starts with a label without its number: {sms[:40]!r}")
    return problems


# -- the checks a turn asks for -----------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """A turn's reply, and where to read what it left behind."""

    runtime: Runtime
    spoken: Spoken
    chat: Chat
    outcome: Outcome

    @property
    def text(self) -> str:
        return "\n\n".join(reply.text for reply in self.outcome.replies)

    def stored(self) -> Conversation | None:
        """The conversation as the store holds it after the turn; None once erased."""
        key = self.runtime.store.keys.session_key(self.chat.channel, self.chat.sender)
        with self.runtime.store.transaction() as tx:
            return tx.load(key)

    def queued_with_consent(self) -> bool | None:
        """The consent on the person's place in the queue; None without a place."""
        key = self.runtime.store.keys.session_key(self.chat.channel, self.chat.sender)
        with self.runtime.store.transaction() as tx:
            query = select(HandoffRow).where(HandoffRow.session_key == key)
            row = tx.db.scalars(query).first()
            return None if row is None else bool(row.consent)


def check_number_first(said: Said, expected: object) -> None:
    """The first number of the reply, on its first line, is the emergency number."""
    first_line = said.text.strip().split("\n", 1)[0]
    numbers = NUMBER.findall(first_line)
    assert numbers and re.sub(r"\D", "", numbers[0]) == str(expected), f"expected {expected} first"


def check_police_answer(said: Said, asked: object) -> None:
    """The fixed answer, in the language asked; only an emergency line may come before it."""
    language = said.spoken.language if asked is True else str(asked)
    answer = catalog_text(language, "about.not_police")
    at = said.text.find(answer)
    assert at != -1, f"no {language} about.not_police"
    before = [part for part in said.text[:at].split("\n\n") if part.strip()]
    assert all(NUMBER.search(part) for part in before), f"before the answer: {before}"


def check_consent(said: Said, expected: object) -> None:
    """Consent is stored only for a clear yes, on the conversation and on its place in line."""
    conversation = said.stored()
    consent = conversation.vars.get("consent") if conversation else None
    queued = said.queued_with_consent()
    if expected == "yes":
        assert consent == "yes", f"consent {consent!r}"
        assert queued is True, f"the place in line has consent {queued}"
    else:
        assert expected == "not_yes", expected
        assert conversation is not None, "the conversation was erased, not answered"
        assert consent != "yes", "consent stored"
        assert queued is not True, "the place in line has consent"


def check_flow(said: Said, expected: object) -> None:
    conversation = said.stored()
    assert conversation is not None, "the conversation was erased"
    at = f"{conversation.flow}.{conversation.step}"
    assert (at if "." in str(expected) else conversation.flow) == expected, f"at {at}"


def check_vars(said: Said, expected: object) -> None:
    assert isinstance(expected, dict), expected
    conversation = said.stored()
    assert conversation is not None, "the conversation was erased"
    wrong = {
        name: conversation.vars.get(name)
        for name, value in expected.items()
        if conversation.vars.get(name) != value
    }
    assert not wrong, f"remembered {wrong}"


def check_options(said: Said, expected: object) -> None:
    offered = said.chat.option_ids(said.outcome)
    assert offered == expected, f"options {offered}"


def check_contains_key(said: Said, keys: object) -> None:
    for key in as_list(keys):
        assert catalog_text(said.spoken.language, key) in said.text, f"no {key}"


def check_lacks_key(said: Said, keys: object) -> None:
    for key in as_list(keys):
        assert catalog_text(said.spoken.language, key) not in said.text, f"says {key}"


def check_handoff(said: Said, expected: object) -> None:
    assert said.outcome.handoff == expected, f"handoff {said.outcome.handoff}"


def check_exited(said: Said, expected: object) -> None:
    assert said.outcome.exited is expected, f"exited {said.outcome.exited}"


def check_language(said: Said, expected: object) -> None:
    assert said.outcome.language == expected, f"language {said.outcome.language}"


CHECKS: dict[str, Callable[[Said, object], None]] = {
    "number_first": check_number_first,
    "police_answer": check_police_answer,
    "consent": check_consent,
    "flow": check_flow,
    "vars": check_vars,
    "options": check_options,
    "contains_key": check_contains_key,
    "lacks_key": check_lacks_key,
    "handoff": check_handoff,
    "exited": check_exited,
    "language": check_language,
}


def failed_checks(said: Said, turn: dict[str, Any]) -> list[str]:
    """What each check of a turn found wrong, every check run."""
    failures = []
    for name, check in CHECKS.items():
        if name in turn:
            try:
                check(said, turn[name])
            except AssertionError as error:
                failures.append(f"{name}: {error}")
    return failures


# -- the tests ----------------------------------------------------------------------------------

CONVERSATIONS = read_conversations()


@pytest.mark.parametrize("spoken", CONVERSATIONS, ids=lambda spoken: spoken.id)
def test_conversation(runtime_for: RuntimeFor, spoken: Spoken) -> None:
    """Every turn is said and checked; what failed is reported together at the end, so
    that an SMS problem early on does not hide what a later turn shows."""
    runtime = runtime_for(spoken.staff)
    chat = Chat(
        runtime.engine, sender=spoken.sender, channel=spoken.channel, language_hint=spoken.hint
    )
    forget(runtime, chat)
    failures = []
    for number, turn in enumerate(spoken.turns, 1):
        if "press" in turn:
            message, outcome = f"[{turn['press']}]", chat.say(choice=str(turn["press"]))
        else:
            message, outcome = repr(turn["say"]), chat.say(str(turn["say"]))
        where = f"turn {number} {message} -> {chat.text(outcome)[:300]!r}"
        found = sms_problems(outcome, spoken)
        found += failed_checks(Said(runtime, spoken, chat, outcome), turn)
        failures += [f"{where}: {problem}" for problem in found]
    assert not failures, "\n".join(failures)


PROMISES = {
    "number first": lambda turn: "number_first" in turn,
    "no consent without a clear yes": lambda turn: turn.get("consent") == "not_yes",
    "consent on a clear yes": lambda turn: turn.get("consent") == "yes",
    "the police answer": lambda turn: "police_answer" in turn,
    "a need typed": lambda turn: "need" in turn.get("vars", {}),
    "a rights topic typed": lambda turn: "topic" in turn.get("vars", {}),
    "waiting typed": lambda turn: turn.get("flow") == "person.consent_to_wait",
}
"""What every language's file checks at least once (the SMS checks run on every turn)."""


def test_every_language_checks_every_promise() -> None:
    for language in LANGUAGES:
        turns = [
            turn
            for spoken in CONVERSATIONS
            if spoken.file_language == language
            for turn in spoken.turns
        ]
        missing = [name for name, kept in PROMISES.items() if not any(map(kept, turns))]
        assert not missing, (language, missing)


def test_conversation_names_are_unique_in_each_language() -> None:
    ids = [spoken.id for spoken in CONVERSATIONS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
