"""The safety layer: fixed words that work in every state and every language.

It runs before any model and never depends on one. Its words live in
``flows/safety/<lang>.yml`` so that they can be reviewed and translated as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from babel import Locale

from common.text import find_words, normalize
from common.yamlfile import read_yaml


class Action(StrEnum):
    EXIT = "exit"
    STOP = "stop"
    DELETE = "delete"
    EMERGENCY = "emergency"
    MENU = "menu"
    LANGUAGE = "language"
    SET_LANGUAGE = "set_language"


# When one message matches several lists, the most protective action wins.
PRIORITY = (
    Action.EXIT,
    Action.STOP,
    Action.DELETE,
    Action.EMERGENCY,
    Action.MENU,
    Action.LANGUAGE,
)


@dataclass(frozen=True)
class Match:
    action: Action
    language: str
    """The language of the word that matched (or, for SET_LANGUAGE, the one chosen)."""


class SafetyLayer:
    def __init__(
        self,
        whole: dict[Action, dict[str, str]],
        phrases: dict[Action, list[tuple[str, str]]],
        language_names: dict[str, str],
    ) -> None:
        self._whole = whole
        self._phrases = phrases
        self._language_names = language_names

    @classmethod
    def load(cls, directory: Path, languages: list[str]) -> SafetyLayer:
        """Every ``<lang>.yml`` in ``directory``; English first, so it wins shared words."""
        whole: dict[Action, dict[str, str]] = {action: {} for action in PRIORITY}
        phrases: dict[Action, list[tuple[str, str]]] = {a: [] for a in PRIORITY}
        for lang, spec in read_safety_words(directory).items():
            for action in PRIORITY:
                entry = spec.get(action.value) or {}
                for word in entry.get("whole", []):
                    whole[action].setdefault(normalize(word), lang)
                phrases[action] += [(normalize(p), lang) for p in entry.get("phrases", [])]
        return cls(whole, phrases, language_names(languages))

    def check(self, text: str) -> Match | None:
        folded = normalize(text)
        if not folded:
            return None
        for action in PRIORITY:
            lang = self._whole[action].get(folded)
            if lang is not None:
                return Match(action, lang)
            for phrase, lang in self._phrases[action]:
                if find_words(folded, phrase) != -1:
                    return Match(action, lang)
        chosen = self._language_names.get(folded)
        if chosen is not None:
            return Match(Action.SET_LANGUAGE, chosen)
        return None


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
