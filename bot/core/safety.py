"""The safety policy, whole: fixed words that work in every state and every language,
and what they do around handoffs, the rate limit and the models.

The words run before any model and never depend on one; they live in
``flows/safety/<lang>.yml`` so that they can be reviewed and translated as data, and
in ``flows/safety/unsupported/<lang>.yml`` for languages Haven cannot answer in yet
(a cry for help in Hindi still gets the number). A model may add to the words (a
quick exit or a hint of danger they missed), never take away.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from babel import Locale

from common.phrases import PhraseIndex
from common.text import normalize, on_word_boundary
from common.yamlfile import read_yaml


class Action(StrEnum):
    EXIT = "exit"
    STOP = "stop"
    DELETE = "delete"
    EMERGENCY = "emergency"
    """An explicit cry for help: the emergency flow, the number first."""
    DANGER = "danger"
    """A hint of danger: the number goes first in the reply, the conversation goes on."""
    PRESENT = "present"
    """The person who controls them is here or coming: one short line with the number."""
    POLICE_QUESTION = "police_question"
    """"Are you the police? Will you report me?": the same honest answer, every time."""
    PRIVACY_QUESTION = "privacy_question"
    """"Do you keep my number? Who can see this?": what Haven keeps, and for how long."""
    MENU = "menu"
    LANGUAGE = "language"
    SET_LANGUAGE = "set_language"


# When one message matches several lists, the most protective action wins.
PRIORITY = (
    Action.EXIT,
    Action.STOP,
    Action.DELETE,
    Action.PRESENT,
    Action.EMERGENCY,
    Action.DANGER,
    Action.POLICE_QUESTION,
    Action.PRIVACY_QUESTION,
    Action.MENU,
    Action.LANGUAGE,
)


WIPING = frozenset({Action.EXIT, Action.STOP})
"""Erase the conversation at once and say nothing (STOP is the carriers' opt-out word)."""
ALWAYS_ANSWERED = frozenset({Action.DELETE, Action.EMERGENCY, Action.PRESENT})
"""Answered in every state: while a person holds the conversation, past the rate limit."""
NAMES_THE_LANGUAGE = ALWAYS_ANSWERED | {Action.SET_LANGUAGE}
"""A first message that is one of these is answered in the language of its word."""
ANSWERED_IN_ITS_LANGUAGE = ALWAYS_ANSWERED | {Action.DANGER}
"""Mid-conversation, these are answered in the language of their words (when the message
is written in it): someone in danger may fall back to their first language."""

INTENTS = {
    Action.EXIT: "quick_exit",
    Action.DELETE: "delete_data",
    Action.EMERGENCY: "emergency",
    Action.PRESENT: "emergency",
    Action.POLICE_QUESTION: "police_question",
    Action.PRIVACY_QUESTION: "privacy_question",
    Action.MENU: "menu",
    Action.LANGUAGE: "change_language",
    Action.SET_LANGUAGE: "change_language",
}
"""What a match reports as the message's intent (STOP reports none; a hint of danger
leaves the intent to understanding, as the conversation goes on)."""

# The flows the safety layer opens.
DELETE_FLOW = "delete"
EMERGENCY_FLOW = "emergency"
UNSUPPORTED_LANGUAGE_FLOW = "unsupported_language"
LEAVE_FLOW = "leave"
"""Asks "Leave now?" when a model thinks, but is not sure, that the person must go."""

# Intents a model may add to the words.
MODEL_EXIT = "quick_exit"
MODEL_EXIT_CONFIDENCE = 0.95
"""Wiping on a mistaken guess would lose the person's place: more than an ordinary intent."""
MODEL_DELETE = "delete_data"
MODEL_DELETE_CONFIDENCE = 0.9
"""A model's guess at "delete" only opens DELETE's confirmation when it is this sure: the
words catch the request itself, and a question about privacy is not one."""
MODEL_EMERGENCY = "emergency"
MODEL_EXIT_ASK_CONFIDENCE = 0.6
"""From here up to ``MODEL_EXIT_CONFIDENCE`` a model's quick exit is asked about ("Leave now?")."""
MODEL_DANGER_CONFIDENCE = 0.4
"""Recall first: danger among the model's guesses at this score puts the number first, even
where another intent wins or understanding gives up."""
FIXED_ANSWERS = {
    Action.POLICE_QUESTION: "about.not_police",
    Action.PRIVACY_QUESTION: "about.privacy",
}
"""Questions of trust answered the same way every time, in the words they were asked in;
then the question the conversation was at is asked again."""
RAISES_PRIORITY = frozenset({Action.EMERGENCY, Action.DANGER, Action.PRESENT})
"""Someone waiting for a person who says one of these goes first in line."""


@dataclass(frozen=True)
class Match:
    action: Action
    language: str
    """The language of the word that matched (or, for SET_LANGUAGE, the one chosen)."""


def wipes(match: Match | None) -> bool:
    return match is not None and match.action in WIPING


def always_answered(match: Match | None) -> bool:
    return match is not None and match.action in ALWAYS_ANSWERED


def passes_handoff(match: Match | None, flow: str) -> bool:
    """Whether the bot answers although a person is on the way or holds the conversation.

    DELETE and the emergency number, and the answer to DELETE's confirmation; every
    other message is the advocate's (quick exit and STOP were handled before).
    """
    return always_answered(match) or flow == DELETE_FLOW


def passes_rate_limit(match: Match | None, flow: str) -> bool:
    """Deleting and getting the emergency number always work, answers included."""
    hint = match is not None and match.action is Action.DANGER
    return always_answered(match) or hint or flow in (DELETE_FLOW, EMERGENCY_FLOW)


def model_says_exit(intent: str, confidence: float) -> bool:
    """A quick exit the words missed ("he's coming, gtg"), when the model is sure."""
    return intent == MODEL_EXIT and confidence >= MODEL_EXIT_CONFIDENCE


def model_says_delete(intent: str, confidence: float) -> bool:
    """A request to delete the words missed, when the model is sure of it."""
    return intent == MODEL_DELETE and confidence >= MODEL_DELETE_CONFIDENCE


def model_asks_exit(intent: str, confidence: float) -> bool:
    """A quick exit the model half-believes: the person is asked rather than erased."""
    return intent == MODEL_EXIT and MODEL_EXIT_ASK_CONFIDENCE <= confidence < MODEL_EXIT_CONFIDENCE


def model_hints_danger(ranking: tuple[tuple[str, float], ...]) -> bool:
    """Whether the model sees danger among its likelier guesses, not only as the first."""
    return any(
        intent == MODEL_EMERGENCY and score >= MODEL_DANGER_CONFIDENCE for intent, score in ranking
    )


class SafetyLayer:
    def __init__(
        self,
        whole: dict[Action, dict[str, str]],
        phrases: dict[Action, list[tuple[str, str]]],
        language_names: dict[str, str],
        courtesy: frozenset[str] = frozenset(),
    ) -> None:
        self._whole = whole
        self._phrases = PhraseIndex(
            [(phrase, (action, lang)) for action in PRIORITY for phrase, lang in phrases[action]]
        )
        self._language_names = language_names
        self._opening: dict[str, list[str]] = {}
        """The courtesies by their first character, longest first; ``_closing`` by their last."""
        self._closing: dict[str, list[str]] = {}
        for word in sorted(courtesy, key=len, reverse=True):
            self._opening.setdefault(word[0], []).append(word)
            self._closing.setdefault(word[-1], []).append(word)

    @classmethod
    def load(cls, directory: Path, languages: list[str]) -> SafetyLayer:
        """Every ``<lang>.yml`` in ``directory`` (English first, so it wins shared words),
        then the cries for help of languages Haven does not speak, in ``unsupported/``."""
        whole: dict[Action, dict[str, str]] = {action: {} for action in PRIORITY}
        phrases: dict[Action, list[tuple[str, str]]] = {a: [] for a in PRIORITY}
        every = read_safety_words(directory) | read_safety_words(directory / UNSUPPORTED)
        courtesy = frozenset(
            normalize(word) for spec in every.values() for word in spec.get("courtesy", [])
        )
        for lang, spec in every.items():
            for action in PRIORITY:
                entry = spec.get(action.value) or {}
                for word in entry.get("whole", []):
                    whole[action].setdefault(normalize(word), lang)
                phrases[action] += [(normalize(p), lang) for p in entry.get("phrases", [])]
        return cls(whole, phrases, language_names(languages), courtesy)

    def check(self, text: str) -> Match | None:
        """The most protective action the message's words ask for, if any."""
        folded = normalize(text)
        if not folded:
            return None
        bare = self._bare(folded)
        phrased: dict[Action, str] = {}
        for action, lang in self._phrases.found(folded):
            phrased.setdefault(action, lang)
        for action in PRIORITY:
            found = self._whole_word(folded, bare, action) or phrased.get(action)
            if found is not None:
                return Match(action, found)
        chosen = self._language_names.get(folded)
        if chosen is not None:
            return Match(Action.SET_LANGUAGE, chosen)
        return None

    def finds(self, text: str, action: Action) -> bool:
        """Whether the message also holds ``action``'s words (where another action won)."""
        folded = normalize(text)
        bare = self._bare(folded)
        if self._whole_word(folded, bare, action) is not None:
            return True
        return any(found is action for found, _lang in self._phrases.found(folded))

    def _whole_word(self, folded: str, bare: str, action: Action) -> str | None:
        """The language in which the whole message, courtesies aside, is one of ``action``'s."""
        return self._whole[action].get(folded) or self._whole[action].get(bare)

    def _bare(self, folded: str) -> str:
        """The message without the courtesies around it: "exit please" is "exit"."""
        stripped = True
        while stripped and folded:
            stripped = False
            for word in self._opening.get(folded[0], ()):
                if folded.startswith(word) and on_word_boundary(folded, 0, len(word)):
                    folded, stripped = folded[len(word) :].strip(), True
                    break
            end = len(folded)
            for word in self._closing.get(folded[-1], ()) if folded else ():
                if folded.endswith(word) and on_word_boundary(folded, end - len(word), end):
                    folded, stripped = folded[: -len(word)].strip(), True
                    break
        return folded


UNSUPPORTED = "unsupported"
"""The folder of safety words in languages Haven cannot answer in yet."""


def read_safety_words(directory: Path) -> dict[str, dict[str, Any]]:
    """Each language's safety file, English first."""
    paths = sorted(directory.glob("*.yml"), key=lambda p: (p.stem != "en", p.stem))
    return {path.stem: read_yaml(path) for path in paths}


def language_names(languages: list[str]) -> dict[str, str]:
    """Each supported language's name, in itself and in every other supported language."""
    names: dict[str, str] = {}
    for target in languages:
        for speaker in languages:
            name = Locale.parse(speaker).languages.get(target)
            if name:
                names.setdefault(normalize(name), target)
    return names
