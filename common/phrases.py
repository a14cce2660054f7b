"""Finding which of thousands of phrases a message holds, without trying each one.

The safety words hold thousands of phrases in twenty languages; trying each against
every message costs more than the rest of a turn. Each phrase is filed under its first
three characters, and only the phrases filed under three characters the message holds
are tried, in their original order, as whole words (``common.text.find_words``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

from common.text import find_words

T = TypeVar("T")
PREFIX = 3
"""Characters a phrase is filed under; shorter phrases are always tried."""


class PhraseIndex(Generic[T]):
    """Phrases (already folded), each with a value, in the order they were given."""

    def __init__(self, phrases: Sequence[tuple[str, T]]) -> None:
        self._phrases = list(phrases)
        self._short: list[int] = []
        self._filed: dict[str, list[int]] = {}
        for index, (phrase, _value) in enumerate(self._phrases):
            if len(phrase) < PREFIX:
                self._short.append(index)
            else:
                self._filed.setdefault(phrase[:PREFIX], []).append(index)

    def found(self, text: str) -> Iterable[T]:
        """The values of the phrases ``text`` holds as whole words, in the phrases' order."""
        candidates = set(self._short)
        for start in {text[i : i + PREFIX] for i in range(len(text) - PREFIX + 1)}:
            candidates.update(self._filed.get(start, ()))
        for index in sorted(candidates):
            phrase, value = self._phrases[index]
            if find_words(text, phrase) != -1:
                yield value

    def first(self, text: str) -> T | None:
        """The value of the first phrase ``text`` holds, if any."""
        return next(iter(self.found(text)), None)
