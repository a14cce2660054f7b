"""What a person wrote that an advocate should see at once: the ILO indicators of forced labour.

The ILO names eleven indicators (abuse of vulnerability, deception, restriction of movement,
isolation, physical and sexual violence, intimidation and threats, retention of identity
documents, withholding of wages, debt bondage, abusive working and living conditions,
excessive overtime). Each is shown in the console as a plain tag ("documents taken",
"can't leave"), and found in the words people text: one file per language in
``flows/handoff/indicators/`` (its README), read like the safety words: after the
project's normalisation (case, accents and punctuation aside), as whole words.

Every language's phrases are tried on every message, as the safety layer does: people
mix languages, and a phrase is specific to its language's script and spelling.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from common.phrases import PhraseIndex
from common.text import normalize
from common.yamlfile import read_yaml

TAGS = {
    "violence": "violence",
    "threats": "threats",
    "movement": "can't leave",
    "documents": "documents taken",
    "debt": "debt",
    "wages": "wages withheld",
    "isolation": "isolated",
    "deception": "deceived",
    "overtime": "excessive hours",
    "conditions": "abusive conditions",
    "vulnerability": "vulnerability exploited",
}
"""Each indicator's id in the data files and its tag for the advocate, in the order shown."""


class IndicatorError(ValueError):
    """An indicators file names an indicator the ILO's list does not have."""


@dataclass(frozen=True)
class Indicators:
    phrases: PhraseIndex[str]

    @classmethod
    def load(cls, directory: Path) -> Indicators:
        return _load(directory)

    def tags(self, texts: Iterable[str]) -> list[str]:
        """The tags of the indicators these messages show, in ``TAGS`` order."""
        found: set[str] = set()
        for text in texts:
            found.update(self.phrases.found(normalize(text)))
        return [tag for indicator, tag in TAGS.items() if indicator in found]


def read_indicators(directory: Path) -> dict[str, dict[str, list[str]]]:
    """Each language's file as written: indicator ids and their phrases."""
    read: dict[str, dict[str, list[str]]] = {}
    for path in sorted(directory.glob("*.yml")):
        spec = read_yaml(path) or {}
        unknown = sorted(set(spec) - set(TAGS))
        if unknown:
            raise IndicatorError(f"{path.name}: no such indicator {unknown}")
        read[path.stem] = {indicator: [str(p) for p in spec[indicator]] for indicator in spec}
    return read


@cache
def _load(directory: Path) -> Indicators:
    """Read once per directory: every engine of a process shares the same files."""
    phrases = [
        (folded, indicator)
        for spec in read_indicators(directory).values()
        for indicator, written in spec.items()
        for phrase in written
        if (folded := normalize(phrase))
    ]
    return Indicators(PhraseIndex(phrases))
