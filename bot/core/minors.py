"""Minors: a message that says its writer is under 18, and what changes when one does.

The words are data, one file per language in ``flows/minors/`` (format in its README):
patterns around an age ("tengo {age} años", "我{age}岁"), ages written as words, and
statements without a number ("I'm a minor"). The reader is compiled once and runs on
every message of every language, so a message without a number or an age word costs
little more than a few substring tests.

Someone else's age ("my daughter is 14") marks that a child is involved, not that the
writer is one. When the writer is a minor, the conversation says so once, warmly, with
the child line beside the emergency number, and from then on says what an advocate may
have to report wherever a person is offered (``flows/minors/wording.yml``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.core.catalog import SOURCE_LANGUAGE
from bot.core.interpreter import FlowInterpreter, Turn
from bot.core.listing import render
from bot.core.safety import Action, Match
from bot.store.records import Conversation
from common.text import find_words, normalize
from common.yamlfile import read_yaml
from resources_db.lookup import Query

log = logging.getLogger(__name__)

ADULT = 18
YOUNGEST = 8
"""Younger ages are not read: "I'm 5 minutes away" is likelier than a five-year-old texting."""
MINOR = "minor"
CHILD_INVOLVED = "child_involved"
"""Conversation flags; the handoff summary shows them (``bot.handoff.queue``)."""
CHILD_NEED = "child"
SEARCHED = 2
"""The directory adds the national hotline last where it is not a child line itself: of two
results, the first is the child line where the country has one, else that hotline."""
QUIET = frozenset({Action.PRESENT, Action.DELETE})
"""Replies the notice would spoil: one short line while someone watches, a confirmation."""
WORDING = "wording.yml"

_CLAUSE_END = re.compile(r"(?<!\d)[.,](?!\d)|[;:!?¿¡…\n،؛؟。，、！？；：]")
"""Where a clause ends: "tengo 15 años, en casa" is an age; "tengo 15 años en casa" is not."""
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
"""SMS writes "15yo", "im15", "我15岁": a digit and a letter are two words."""
_PIECE = re.compile(r"(\{age\}|\[[^\]]+\])")
MARK = "\ue000"
"""Around an age's value in a marked clause: a private-use character no one types."""
AGE = f"{MARK}(\\d+){MARK}"


def prepare(text: str) -> str:
    """The form patterns match: normalised, with digits and letters apart."""
    return _DIGIT_LETTER.sub(" ", normalize(text)).strip()


def clauses(text: str) -> list[str]:
    return [prepared for part in _CLAUSE_END.split(text) if (prepared := prepare(part))]


def _joined(ch: str) -> bool:
    """Scripts written without spaces between words (Chinese, Japanese, Thai)."""
    return "\u3040" <= ch <= "\u9fff" or "\u0e00" <= ch <= "\u0e7f"


def _words(words: str) -> str:
    return r"\s+".join(re.escape(word) for word in words.split())


def _either(words: list[str]) -> str:
    return "|".join(_words(word) for word in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class Said:
    """What one message says about age."""

    minor: bool = False
    """The writer is under 18."""
    child: bool = False
    """Someone else under 18 is involved ("my daughter is 14", "she is a minor")."""


class Language:
    """One language's age patterns and phrases, compiled.

    An age in a clause is first marked as a token holding its value (``quince`` and ``15``
    alike), so that each kind's patterns compile into one small expression.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.ages = {prepare(str(word)): int(age) for word, age in (spec.get("ages") or {}).items()}
        self._age = re.compile(self._age_pattern())
        self.patterns = {
            kind: re.compile("|".join(f"(?:{self._compile(p)})" for p in spec.get(kind) or ()))
            for kind in ("self", "others", "ignore")
            if spec.get(kind)
        }
        self.phrases = {
            kind: [(prepare(phrase), phrase.startswith("^")) for phrase in spec.get(kind) or ()]
            for kind in ("minor", "child")
        }

    def _age_pattern(self) -> str:
        """Digits in any script, or an age word not followed by another ("dix" of "dix-huit")."""
        spaced = [word for word in self.ages if not _joined(word[0])]
        joined = [word for word in self.ages if _joined(word[0])]
        forms = [r"(?<!\d)\d+(?!\d)"]
        if spaced:
            forms.append(rf"(?<!\w)(?:{_either(spaced)})(?!\w)(?!\s+(?:{_either(spaced)})(?!\w))")
        if joined:
            forms.append(rf"(?:{_either(joined)})(?!\s*(?:{_either(joined)}))")
        return "|".join(forms)

    @staticmethod
    def _compile(pattern: str) -> str:
        """One pattern as an expression: ``{age}`` the age, ``[words]`` words that may be left
        out, a leading ``^`` the start of the clause."""
        units: list[tuple[str, bool, str, str]] = []  # regex, optional, first and last character
        for piece in _PIECE.split(pattern.removeprefix("^")):
            if piece == "{age}":
                units.append((AGE, False, MARK, MARK))
            elif words := prepare(piece.strip("[]")):
                units.append((_words(words), piece.startswith("["), words[0], words[-1]))
        if [unit[0] for unit in units].count(AGE) != 1 or units[0][1]:
            raise ValueError(f"one {{age}}, and words before any [optional] ones: {pattern!r}")
        first, last = units[0][2], units[-1][3]
        regex = "^" if pattern.startswith("^") else ("" if _joined(first) else r"(?<!\w)")
        for index, (unit, optional, start, _end) in enumerate(units):
            before = units[index - 1][3] if index else ""
            space = "" if not index else (r"\s*" if _joined(before) or _joined(start) else r"\s+")
            regex += f"(?:{space}{unit})?" if optional else f"{space}{unit}"
        return regex if _joined(last) else regex + r"(?!\w)"

    def mark(self, clause: str) -> str | None:
        """The clause with each age a token of its value; None when it holds no age."""
        if not self._age.search(clause):
            return None
        return self._age.sub(lambda found: f"{MARK}{self._value(found[0])}{MARK}", clause)

    def _value(self, said: str) -> int:
        return int(said) if said.isdigit() else self.ages[" ".join(said.split())]

    def age_spans(self, marked: str, kind: str) -> list[tuple[int, int]]:
        """Where ``kind``'s patterns find an age under 18 in a marked clause."""
        pattern = self.patterns.get(kind)
        if pattern is None:
            return []
        return [
            match.span(match.lastindex or 0)
            for match in pattern.finditer(marked)
            if YOUNGEST <= int(match[match.lastindex or 0]) < ADULT
        ]

    def phrase_spans(self, clause: str, kind: str) -> list[tuple[int, int]]:
        spans = []
        for phrase, anchored in self.phrases[kind]:
            start = find_words(clause, phrase) if phrase in clause else -1
            if start != -1 and (start == 0 or not anchored):
                spans.append((start, start + len(phrase)))
        return spans


def _overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


class AgeReader:
    """Whether a message says its writer, or someone else, is under 18, in any language."""

    def __init__(self, languages: dict[str, Language]) -> None:
        self.languages = languages

    @classmethod
    def load(cls, directory: Path) -> AgeReader:
        paths = sorted(path for path in directory.glob("*.yml") if path.name != WORDING)
        return cls({path.stem: Language(read_yaml(path) or {}) for path in paths})

    def read(self, text: str) -> Said:
        """Someone else's age wins over the writer's for the same number, and a number that
        is not an age ("15 hours", "when I was 15") over both."""
        minor = child = False
        for clause in clauses(text):
            for language in self.languages.values():
                if (marked := language.mark(clause)) is not None:
                    ignored = language.age_spans(marked, "ignore")
                    others = [
                        s for s in language.age_spans(marked, "others") if not _overlaps(s, ignored)
                    ]
                    own = language.age_spans(marked, "self")
                    minor = minor or any(not _overlaps(s, ignored + others) for s in own)
                    child = child or bool(others)
                stated = language.phrase_spans(clause, "minor")
                minor = minor or bool(stated)
                child = child or any(
                    not _overlaps(s, stated) for s in language.phrase_spans(clause, "child")
                )
        return Said(minor=minor, child=child)


@dataclass(frozen=True)
class Wording:
    """Catalog keys said beside others while the person is a minor (``wording.yml``)."""

    before: dict[str, str]
    after: dict[str, str]
    notice_replaces: tuple[str, ...]

    @classmethod
    def load(cls, path: Path) -> Wording:
        spec = read_yaml(path) or {}
        return cls(
            before=dict(spec.get("before") or {}),
            after=dict(spec.get("after") or {}),
            notice_replaces=tuple(spec.get("notice_replaces") or ()),
        )

    def keys(self) -> set[str]:
        beside = {**self.before, **self.after}
        return {*beside, *beside.values(), *self.notice_replaces}


@cache
def _read(directory: Path) -> tuple[AgeReader, Wording]:
    """Compiled once per process: every runtime built from the same flows shares them."""
    return AgeReader.load(directory), Wording.load(directory / WORDING)


class Minors:
    """Sets the minor flag, says the notice once, and puts the report duty beside offers."""

    def __init__(self, reader: AgeReader, wording: Wording, flows: FlowInterpreter) -> None:
        self.reader = reader
        self.wording = wording
        self.flows = flows
        for key in wording.keys() | {"minors.thanks", "minors.line"}:
            flows.catalogs.text(SOURCE_LANGUAGE, key)  # an unknown key fails at start

    @classmethod
    def load(cls, directory: Path, flows: FlowInterpreter) -> Minors:
        return cls(*_read(directory), flows)

    def notice(self, conversation: Conversation, text: str) -> bool:
        """Read the message into the flags; True when it first says the person is a minor."""
        said = self.reader.read(text) if text else Said()
        if said.child:
            conversation.vars[CHILD_INVOLVED] = True
        if not said.minor or conversation.vars.get(MINOR):
            return False
        conversation.vars[MINOR] = True
        log.info("event=minor_flag_set session=%s", conversation.key[:12])
        return True

    def answer(self, turn: Turn, first: bool, match: Match | None) -> None:
        """The notice when the person first says they are under 18; the report duty beside
        every offer of a person while they are.

        Where the reply opens with the emergency number (danger), the child line follows
        it at once and the thanks come after; otherwise the thanks open the reply.
        """
        conversation = turn.conversation
        if not conversation.vars.get(MINOR) or turn.wipe:
            return
        if first and not (match and match.action in QUIET):
            self._notice(turn)
        for key, duty in self.wording.before.items():
            self._beside(turn, key, duty, 0)
        for key, duty in self.wording.after.items():
            self._beside(turn, key, duty, 1)

    def _notice(self, turn: Turn) -> None:
        turn.conversation.misses = 0  # a message that says an age was understood
        parts = turn.parts
        for key in self.wording.notice_replaces:
            if (said := self.flows.text(turn, key)) in parts:
                parts.remove(said)
        thanks = self.flows.text(turn, "minors.thanks")
        emergency = self.flows.emergency_line(turn.conversation)
        line = self.child_line(turn)
        lines = [line] if line else []
        if emergency in parts:
            at = parts.index(emergency) + 1
            parts[at:at] = [*lines, thanks]
        else:
            parts[0:0] = [thanks, emergency, *lines]

    def _beside(self, turn: Turn, key: str, duty: str, offset: int) -> None:
        said, text = self.flows.text(turn, key), self.flows.text(turn, duty)
        if said in turn.parts:
            at = turn.parts.index(said) + offset
            if text not in turn.parts[max(0, at - 1) : at + 1]:
                turn.parts.insert(at, text)

    def child_line(self, turn: Turn) -> str | None:
        """The national child line where the person is (or, where the directory has none, the
        national hotline, which answers young people too), as the directory lists it."""
        conversation = turn.conversation
        country = conversation.vars.get("country")
        if not country:
            return None
        actions = self.flows.actions
        query = Query(str(country), CHILD_NEED, language=conversation.language)
        try:
            found = actions.directory.search(query, limit=SEARCHED)
        except Exception as exc:  # the notice goes out without it; the number is in it
            log.warning("event=child_line_failed error=%s", type(exc).__name__)
            return None
        if not found:
            return None
        listed = render(found[0], conversation.language, actions.catalogs)
        return f"{self.flows.text(turn, 'minors.line')}\n{listed}"
