"""SMS that reads well: every step and every directory answer, as the SMS channel sends it.

One reply goes out as several SMS (``bot.channels.sms.adapter.messages``), and a phone shows
the first words of each on its lock screen, where someone else may read them. So the rules
are checked on each SMS, never on a reply as a whole: no SMS opens with a lock-screen word;
an option's number and its label, and a phone number and the line it belongs to, are never
in two SMS; the first reply to a first message, to each menu choice and to an emergency
costs at most three segments.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from babel.dates import format_timedelta
from sqlalchemy import Engine, delete

from bot.channels.sms import adapter
from bot.core.catalog import Catalogs
from bot.core.flows import HANDOFF, WIPE, Step, load_flows
from bot.core.interpreter import Turn
from bot.core.messages import Choice, Outcome, Reply
from bot.core.replies import compose
from bot.core.safety import EMERGENCY_FLOW, read_safety_words
from bot.core.segments import segments
from bot.runtime import Content, Runtime, Understanding, build_runtime
from bot.store.models import AdvocateRow
from bot.store.records import Conversation
from common.clock import utcnow
from common.text import fold
from resources_db.lookup import MAX_RESULTS, Directory, Query, Resource
from tests.seed_data import seeded_lines
from tests.settings import make_settings

ROOT = Path(__file__).resolve().parent.parent
BOOK = load_flows(ROOT / "flows" / "flows.yml")
CATALOGS = Catalogs.load(ROOT / "flows" / "locales")
LANGUAGES = CATALOGS.languages
UCS2_LANGUAGES = ("vi", "ar", "uk", "ru", "zh")
"""Written in characters outside GSM-7: 70 to a segment, so their SMS are cut the most."""
COUNTRIES = sorted({line.country for line in seeded_lines()})

LOCK_SCREEN_CHARS = 40
"""About what a phone's lock screen shows of a new message."""
LOCK_SCREEN_WORDS = tuple(
    sorted(
        {
            fold(word)
            for words in read_safety_words(ROOT / "flows" / "safety").values()
            for word in words.get("lock_screen_words", ())
        }
    )
)
"""Every language's words, whatever the person's language: a directory line names its
service in the country's language ("Policía Nacional", "Modern Slavery Helpline")."""
BY_LANGUAGE = [
    pytest.param(language, marks=pytest.mark.xdist_group(f"sms-reading-{language}"))
    for language in LANGUAGES
]
"""One worker walks a language's steps once (``Walker.said``) for every test that reads them."""
MAX_FIRST_REPLY_SEGMENTS = 3
MAX_LABEL_CHARS = 30
"""As long as a label may be (tests/test_catalogs.py: buttons cut longer ones)."""
WALKED_AT = datetime.now(UTC)
"""When the walks look lines up: one moment, so that each lookup is made once."""
PEOPLE = (None, False, True)
"""Nobody to hand over to; an advocate who is away; one who is available."""
BARE_NUMBER = re.compile(r"(?:^|\n)\d+\.?$")
"""An SMS that ends on an option's number without its label."""
PHONE_NUMBER = re.compile(r"\d(?:[\s().\-–]{0,2}\d){2,}")
"""Three digits or more as numbers are written: "112", "(888) 373-7888", "900 105 090"."""
SAFETY_WORDS = read_safety_words(ROOT / "flows" / "safety")


def lock_screen_shows(sms: str) -> list[str]:
    """The lock-screen words in what a phone shows of ``sms``."""
    head = fold(sms[:LOCK_SCREEN_CHARS])
    return [word for word in LOCK_SCREEN_WORDS if word in head]


@dataclass
class Walker:
    """Enters flow steps as a conversation would, and sends what they say as SMS."""

    runtime: Runtime
    said: dict[tuple[str, str, str, bool | None], Outcome] = field(default_factory=dict)
    """What each walk said, for the tests that look at it again."""

    def sms(
        self, language: str, target: str, known: Mapping[str, object], people: bool | None = None
    ) -> list[str]:
        """What entering ``target`` says, knowing ``known``, cut into the SMS the channel sends."""
        return adapter.messages(self.say(language, target, known, people))

    def say(
        self, language: str, target: str, known: Mapping[str, object], people: bool | None = None
    ) -> Outcome:
        """What entering ``target`` says, knowing ``known``, as the engine hands it to a channel."""
        key = (language, target, repr(sorted(known.items())), people)
        if key not in self.said:
            with self.people(people):
                self.said[key] = self._enter(language, target, known)
        return self.said[key]

    def _enter(self, language: str, target: str, known: Mapping[str, object]) -> Outcome:
        now = utcnow()
        conversation = Conversation(
            key="sms-reading",
            channel=adapter.NAME,
            language=language,
            flow="",
            step="",
            created_at=now,
            last_active=now,
            rate_window_start=now,
            vars=dict(known),
        )
        turn = Turn(conversation)
        self.runtime.engine.flows.go(turn, target)
        replies = compose(turn.parts, turn.options, CATALOGS.is_rtl(language))
        return Outcome(replies, language, conversation.flow)

    @contextmanager
    def people(self, available: bool | None) -> Iterator[None]:
        """No advocate accounts (None), or one that is away (False) or available (True)."""
        if available is None:
            yield
            return
        with self.runtime.store.transaction() as tx:
            tx.db.add(
                AdvocateRow(
                    username="on-duty",
                    password_hash="-",
                    role="advocate",
                    available=available,
                    live_at=utcnow(),  # their console is open
                    failed_logins=0,
                    created_at=utcnow(),
                )
            )
        try:
            yield
        finally:
            with self.runtime.store.transaction() as tx:
                tx.db.execute(delete(AdvocateRow))


class RememberingDirectory(Directory):
    """The seeded directory, each lookup made once: a walk asks for the same national lines
    at every step and need of a country (an action asks twice in one reply)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._searched: dict[tuple[Query, int], list[Resource]] = {}
        self._hotlines: dict[tuple[str, str | None], Resource | None] = {}

    def search(self, query: Query, limit: int = MAX_RESULTS) -> list[Resource]:
        key = (replace(query, at=WALKED_AT), limit)
        if key not in self._searched:
            self._searched[key] = super().search(query, limit)
        return self._searched[key]

    def national_hotline(
        self, country: str, language: str | None = None, at: datetime | None = None
    ) -> Resource | None:
        if (country, language) not in self._hotlines:
            self._hotlines[country, language] = super().national_hotline(country, language, at)
        return self._hotlines[country, language]


@pytest.fixture(scope="module")
def walker(
    tmp_path_factory: pytest.TempPathFactory,
    template_database: Path,
    model_dir: Path,
    encryption_key: str,
    understanding: Understanding,
    content: Content,
) -> Iterator[Walker]:
    """One runtime on a copy of the seeded directory, for every walk of this module."""
    folder = tmp_path_factory.mktemp("sms-reading")
    shutil.copyfile(template_database, folder / "haven.db")
    runtime = build_runtime(
        make_settings(folder, model_dir, encryption_key), understanding, content
    )
    runtime.engine.actions.directory = RememberingDirectory(runtime.store.engine)
    yield Walker(runtime)
    runtime.close()


# -- the ways into each step ----------------------------------------------------------------------


def says_directory(step: Step) -> bool:
    """Whether the step says something the directory gives (numbers, lines, places, cards)."""
    return any(part.action for part in step.say)


def moves(step: Step) -> Iterator[tuple[Step, dict[str, str]]]:
    """Where ``step`` leads, with what each way sets."""
    for option in step.options:
        yield BOOK.resolve(option.go), dict(option.set)
    for target in (step.go, step.then):
        if target and target not in (WIPE, HANDOFF):
            yield BOOK.resolve(target), {}


def choices() -> frozenset[str]:
    """What a person picks among several options (a need, a topic, consent), as flows set it."""
    values: dict[str, set[str]] = {}
    for step in BOOK.steps.values():
        for option in step.options:
            for key, value in option.set.items():
                values.setdefault(key, set()).update([value] if value else [])
    return frozenset(key for key, picked in values.items() if len(picked) > 1)


@cache
def ways_in() -> dict[str, list[dict[str, str]]]:
    """For each step, what the person picked in its flow on each way into it (a topic, for a
    rights card).

    A flow is entered at its first step, from an intent, or from another flow's step, with
    nothing picked in it yet; from there every option, input and skip inside the flow is taken.
    """
    picks = choices()
    steps = BOOK.steps.values()
    entries = {BOOK.resolve(step.flow).name for step in steps}
    entries |= {BOOK.resolve(target).name for target in BOOK.intents.values()}
    entries |= {to.name for step in steps for to, _ in moves(step) if to.flow != step.flow}
    found: dict[str, list[dict[str, str]]] = {}
    queue: list[tuple[str, dict[str, str]]] = [(name, {}) for name in sorted(entries)]
    while queue:
        name, picked = queue.pop()
        if picked in found.setdefault(name, []):
            continue
        found[name].append(picked)
        for to, sets in moves(BOOK.steps[name]):
            if to.flow == BOOK.steps[name].flow:
                chosen = {key: value for key, value in sets.items() if key in picks and value}
                queue.append((to.name, {**picked, **chosen}))
    return found


def knowing(step: Step) -> Iterator[dict[str, object]]:
    """What a conversation may know on entering ``step``: what the person picked in its flow,
    and where they are (every seeded country where the step says what the directory gives)."""
    countries = (None, *COUNTRIES) if says_directory(step) else (None, "US")
    for picked in ways_in()[step.name]:
        for country in countries:
            yield {**picked, "country": country} if country else dict(picked)


def walks(step: Step) -> Iterator[tuple[bool | None, dict[str, object]]]:
    for people in PEOPLE if step.flow == "person" else (None,):
        for known in knowing(step):
            yield people, known


def everything_said(walker: Walker, language: str) -> Iterator[tuple[str, str, Outcome]]:
    """What every step says, entered every way, with the step and what the conversation knew."""
    for step in BOOK.steps.values():
        for people, known in walks(step):
            said = walker.say(language, step.name, known, people)
            yield step.name, f"{known} people={people}", said


# -- lock screen ---------------------------------------------------------------------------------


def test_a_lock_screen_word_is_found_in_the_first_words_of_an_sms() -> None:
    assert lock_screen_shows("National Human Trafficking Hotline: call 1-888-373-7888")
    assert lock_screen_shows("900 105 090: Policía Nacional, línea contra la trata")
    assert not lock_screen_shows("Hi, I'm Haven, a free and private chat, not the police.")


@pytest.mark.parametrize("language", BY_LANGUAGE)
def test_no_sms_of_any_step_opens_with_a_lock_screen_word(walker: Walker, language: str) -> None:
    """Every step, entered in every way the flows allow, with the directory's numbers, lines,
    places and cards for every seeded country and need, cut as the SMS channel cuts it."""
    shown: dict[str, tuple[str, str, list[str]]] = {}
    for step, known, said in everything_said(walker, language):
        for sms in adapter.messages(said):
            head = sms[:LOCK_SCREEN_CHARS]
            if head not in shown and (words := lock_screen_shows(sms)):
                shown[head] = (step, known, words)
    assert not shown, "\n".join(
        f"{step} {known}: {head!r} shows {words}" for head, (step, known, words) in shown.items()
    )


# -- numbers stay with what they belong to ---------------------------------------------------------


def stretched(label: str) -> str:
    """``label`` made as long as a label may be, with a full stop inside."""
    return f"{label}. {label} {label} {label}"[:MAX_LABEL_CHARS].strip()


@pytest.mark.parametrize("language", UCS2_LANGUAGES)
@pytest.mark.parametrize("stretch", [False, True], ids=["labels", "long labels"])
def test_an_options_number_and_its_label_are_in_one_sms(language: str, stretch: bool) -> None:
    for step in BOOK.steps.values():
        if not step.options:
            continue
        filled = dict.fromkeys(CATALOGS.parameters(step.ask), "Mexico") if step.ask else {}
        question = CATALOGS.text(language, step.ask, **filled) if step.ask else ""
        labels = [CATALOGS.text(language, option.label) for option in step.options]
        options = tuple(
            Choice(option.id, stretched(label) if stretch else label)
            for option, label in zip(step.options, labels, strict=True)
        )
        sent = adapter.messages(Outcome((Reply(question, options),), language, step.flow))
        for line in adapter.numbered(options):
            assert sum(line in sms.split("\n") for sms in sent) == 1, (step.name, line, sent)
        assert not [sms for sms in sent if BARE_NUMBER.search(sms)], (step.name, sent)


def test_the_options_arrive_in_the_sms_of_their_question() -> None:
    notice = "Guardo apenas esta conversa, cifrada, e apago o meu registro depois de 24 horas."
    sent = adapter.split(f"{notice}\nÉ seguro conversar agora?", ["1. Sim", "2. Não"])
    assert sent == [f"{notice}\nÉ seguro conversar agora?\n1. Sim\n2. Não"]


def test_a_line_with_a_phone_number_is_not_cut_at_a_full_stop() -> None:
    text = (
        "Si estás en peligro ahora, llama a emergencias: 911 (EE. UU., Canadá, México), "
        "112 (Europa y muchos países) o 999 (Reino Unido).\n"
        "St. Mary's Shelter. Open to all: call 0800 123 4567 (open 24/7)"
    )
    sent = adapter.split(text)
    for line in text.split("\n"):
        assert sum(line in sms for sms in sent) == 1, sent


def test_a_no_break_space_does_not_cost_a_segment() -> None:
    """Babel writes French durations with one ("24\u00a0heures"); GSM-7 has none."""
    sentence = "Je ne garde que ce chat, chiffré, et j'efface ma copie après 24\u00a0heures."
    assert segments(sentence) == 2
    assert [segments(sms) for sms in adapter.split(sentence)] == [1]


@pytest.mark.parametrize("language", BY_LANGUAGE)
def test_every_line_with_a_phone_number_is_whole_in_one_sms(walker: Walker, language: str) -> None:
    cut: dict[str, tuple[str, str, list[str]]] = {}
    for step, known, said in everything_said(walker, language):
        sent = adapter.messages(said)
        for line in (line for reply in said.replies for line in reply.text.split("\n")):
            whole = line.strip().translate(adapter.NO_BREAK_SPACES)
            if PHONE_NUMBER.search(line) and not any(whole in sms for sms in sent):
                cut.setdefault(line, (step, known, sent))
    assert not cut, "\n".join(f"{step} {known}: {sent}" for step, known, sent in cut.values())


# -- first replies -------------------------------------------------------------------------------

LONGER_BY_DESIGN = frozenset({"person"})
""""Talk to a person" answers with the lines to call, when someone is next here and what the
retention does before then (tests/test_queue_honest.py): honesty that does not fit three
segments in the UCS-2 languages, and that a "more" would hide."""
FIRST_REPLIES = {
    "welcome": BOOK.start,
    "menu": BOOK.menu,
    "emergency": EMERGENCY_FLOW,
    **{
        f"menu: {option.id}": option.go
        for option in BOOK.resolve(BOOK.menu).options
        if option.id not in LONGER_BY_DESIGN
    },
}
"""The first reply to a first message, the menu it leads to, each menu choice's, an emergency's."""


@pytest.mark.parametrize("language", BY_LANGUAGE)
@pytest.mark.parametrize("name", FIRST_REPLIES)
def test_a_first_reply_costs_at_most_three_segments(
    walker: Walker, language: str, name: str
) -> None:
    """Options included, for every seeded country, as the channel packs it into SMS."""
    target = BOOK.resolve(FIRST_REPLIES[name])
    long: dict[str, list[str]] = {}
    for people in PEOPLE if target.flow == "person" else (None,):
        for country in (None, *COUNTRIES):
            known = {"country": country} if country else {}
            sent = walker.sms(language, target.name, known, people)
            if sum(segments(sms) for sms in sent) > MAX_FIRST_REPLY_SEGMENTS:
                long.setdefault(str(sent), []).append(f"{country} people={people}")
    assert not long, "\n".join(f"{where[:4]}: {sent}" for sent, where in long.items())


@pytest.mark.parametrize("language", BY_LANGUAGE)
def test_the_welcome_says_how_long_the_chat_is_kept_how_to_leave_and_who_haven_is_not(
    walker: Walker, language: str
) -> None:
    said = "\n".join(reply.text for reply in walker.say(language, BOOK.start, {}).replies)
    kept = timedelta(seconds=walker.runtime.settings.retention)
    assert format_timedelta(kept, locale=language, threshold=1.1) in said
    exits = SAFETY_WORDS[language]["exit"]["whole"]
    assert any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", said, re.I) for word in exits)
    named = {
        word for word in SAFETY_WORDS[language]["lock_screen_words"] if fold(word) in fold(said)
    }
    assert len(named) >= 2, f"the police and immigration, named past the lock screen: {named}"
    assert said.endswith(CATALOGS.text(language, "welcome.safe_now"))


def test_the_welcome_promises_to_erase_only_havens_own_copy(walker: Walker) -> None:
    """On SMS the thread stays on the phone: Haven erases what it keeps, nothing more."""
    welcome = "\n".join(reply.text for reply in walker.say("en", BOOK.start, {}).replies)
    assert "erase my copy" in welcome
    assert "everything" not in welcome.lower()
