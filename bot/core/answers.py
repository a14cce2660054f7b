"""Typed answers to a choice, in every language (``flows/answers/<lang>.yml``).

Yes and no: a flow option that ``means: yes`` is picked by a whole message that is a yes
word of any language: a short answer says too little to tell its language reliably, and
no word means yes in one language and no in another (a test keeps it so). "yes, but he
checks my phone" is not a yes, and "đừng" (don't) is never read as "đúng" (right).

The words for an option (``options:``, by the catalog key of its label): "ill wait",
"a place to stay". A whole message picks the option whose words or label (in any language)
it is. A short message picks an option whose words, or label in the person's language or
English, it holds as a phrase, when that is clear: no other option's words apart from it,
and no "no" word around it ("I don't want to wait" waits for nothing). Options that mean
yes or no are picked by their labels only as whole messages, and a step that must hear a
clear answer (``otherwise``) takes no phrase at all.

Nothing here comes before the safety layer: the engine checks its words first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from bot.core.catalog import SOURCE_LANGUAGE, Catalogs
from bot.core.flows import Option
from bot.core.phone import PhoneWords
from common.text import find_words, normalize
from common.yamlfile import read_yaml

Meaning = Literal["yes", "no"]
MEANINGS: tuple[Meaning, ...] = get_args(Meaning)
OPTIONS_KEY = "options"
"""The top-level key of ``flows/answers/<lang>.yml`` that holds the words for options."""

SHORT_WORDS = 8
SHORT_CHARACTERS = 60
"""A message this short that holds an option's words is an answer, not a story to read."""


@dataclass(frozen=True)
class Typed:
    """The option a message picked, and how."""

    index: int
    """Its place among the step's options."""
    whole: bool
    """The whole message was its words or label; else a phrase inside a short message."""


class AnswerWords:
    def __init__(
        self,
        words: dict[str, dict[str, Meaning]],
        phone: PhoneWords,
        options: dict[str, dict[str, frozenset[str]]] | None = None,
    ) -> None:
        """``words``: per language, each yes or no word (normalised) and its meaning;
        ``phone``: "yes, but he checks my phone" (``but:``, see ``bot.core.phone``);
        ``options``: per language, each label key's words (normalised)."""
        self.phone = phone
        self._languages = sorted(words)
        self._meanings = {
            word: meaning for found in words.values() for word, meaning in found.items()
        }
        self._no = {
            language: frozenset(word for word, meaning in found.items() if meaning == "no")
            for language, found in words.items()
        }
        self._options = options or {}

    @classmethod
    def load(cls, directory: Path) -> AnswerWords:
        words: dict[str, dict[str, Meaning]] = {}
        options: dict[str, dict[str, frozenset[str]]] = {}
        for path in sorted(directory.glob("*.yml")):
            spec = read_yaml(path)
            words[path.stem] = {
                normalize(word): meaning for meaning in MEANINGS for word in spec[meaning]
            }
            options[path.stem] = {
                key: frozenset(normalize(word) for word in found)
                for key, found in (spec.get(OPTIONS_KEY) or {}).items()
            }
        return cls(words, PhoneWords.load(directory), options)

    @property
    def languages(self) -> list[str]:
        return self._languages

    def meaning(self, folded: str) -> Meaning | None:
        """What a normalised whole message answers, if it is a yes or a no."""
        return self._meanings.get(folded)

    def words(self, language: str, key: str) -> frozenset[str]:
        """The words (normalised) that choose the option labelled ``key``, in ``language``."""
        return self._options.get(language, {}).get(key, frozenset())

    def choose(
        self,
        folded: str,
        options: Sequence[Option],
        language: str,
        catalogs: Catalogs,
        phrases: bool = True,
    ) -> Typed | None:
        """The option a normalised message picks by its words or label, if clearly one.

        ``phrases``: whether a phrase inside a short message may pick (not where a step
        must hear a clear answer).
        """
        if not folded:
            return None
        every = catalogs.languages
        whole = {
            index
            for index, option in enumerate(options)
            if folded in self._names(option.label, every, catalogs)
        }
        if len(whole) == 1:
            return Typed(whole.pop(), whole=True)
        if whole or not phrases or not short(folded):
            return None
        near = tuple(dict.fromkeys((language, SOURCE_LANGUAGE)))
        found = [
            (start, start + len(name), index)
            for index, option in enumerate(options)
            for name in self._phrases(option, near, catalogs)
            if (start := find_words(folded, name)) != -1
        ]
        if not found:
            return None
        start, end, index = max(found, key=lambda spot: spot[1] - spot[0])
        if any(other != index and (e <= start or s >= end) for s, e, other in found):
            return None  # the words of two options: not clear
        if self._negated(f"{folded[:start]} {folded[end:]}", near):
            return None
        return Typed(index, whole=False)

    def named(
        self,
        folded: str,
        options: Sequence[Option],
        entities: Sequence[Mapping[str, Any]],
    ) -> int | None:
        """The one option whose values a short message names ("abrigo" names the need
        ``shelter``), by the entities understanding found in it.

        Its no words are not looked for: "chưa" (not yet) folds as "chữa" (treat) does,
        and "no me pagan" names wages; a need is taken as named, as it is in passing.
        """
        if not short(folded):
            return None
        named = {(str(entity.get("entity")), str(entity.get("value"))) for entity in entities}
        chosen = [
            index
            for index, option in enumerate(options)
            if option.set and all(pair in named for pair in option.set.items())
        ]
        return chosen[0] if len(chosen) == 1 else None

    def _names(self, key: str, languages: Sequence[str], catalogs: Catalogs) -> set[str]:
        """An option's words and label in ``languages``, normalised."""
        names = {normalize(catalogs.text(language, key)) for language in languages}
        for language in languages:
            names |= self.words(language, key)
        return names

    def _phrases(self, option: Option, languages: Sequence[str], catalogs: Catalogs) -> set[str]:
        """What may pick ``option`` inside a message: its words, and its label unless the
        option means yes or no ("yes, but..." is not the "Yes" button)."""
        if option.means:
            return {word for language in languages for word in self.words(language, option.label)}
        return self._names(option.label, languages, catalogs)

    def _negated(self, folded: str, languages: Sequence[str]) -> bool:
        """Whether a no word of ``languages`` stands in the normalised text."""
        return any(
            find_words(folded, word) != -1
            for language in languages
            for word in self._no.get(language, ())
        )


def short(folded: str) -> bool:
    return len(folded) <= SHORT_CHARACTERS and len(folded.split()) <= SHORT_WORDS
