"""Yes and no as people type them, in every language (``flows/answers/<lang>.yml``).

A flow option that ``means: yes`` is picked by a whole message that is a yes word of
any language: a short answer says too little to tell its language reliably, and no
word means yes in one language and no in another (a test keeps it so). Nothing here
guesses: "yes, but he checks my phone" is not a yes, and "đừng" (don't) is never read
as "đúng" (right).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from common.text import normalize
from common.yamlfile import read_yaml

Meaning = Literal["yes", "no"]
MEANINGS: tuple[Meaning, ...] = get_args(Meaning)


class AnswerWords:
    def __init__(self, words: dict[str, dict[str, Meaning]]) -> None:
        self._languages = sorted(words)
        self._meanings = {
            word: meaning for found in words.values() for word, meaning in found.items()
        }

    @classmethod
    def load(cls, directory: Path) -> AnswerWords:
        words: dict[str, dict[str, Meaning]] = {}
        for path in sorted(directory.glob("*.yml")):
            spec = read_yaml(path)
            words[path.stem] = {
                normalize(word): meaning for meaning in MEANINGS for word in spec[meaning]
            }
        return cls(words)

    @property
    def languages(self) -> list[str]:
        return self._languages

    def meaning(self, folded: str) -> Meaning | None:
        """What a normalised whole message answers, if it is a yes or a no."""
        return self._meanings.get(folded)
