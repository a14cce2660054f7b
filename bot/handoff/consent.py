"""The words a waiting person sends to take back their consent to the summary.

They live in ``flows/handoff/<lang>.yml`` so that they can be reviewed and translated
as data: ``word`` is the one the queued confirmation names, ``whole`` every message
that means it. Like the safety words' ``whole``, a message matches only when it is
one of them entirely (ignoring case, accents and punctuation): "private" alone takes
the summary back, a sentence with "private" in it goes to the advocate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from common.text import normalize
from common.yamlfile import read_yaml

FALLBACK_LANGUAGE = "en"
"""English words count in every language, as the safety words do."""


@dataclass(frozen=True)
class TakeBack:
    words: dict[str, str]
    """What to tell the person to send, by language."""
    whole: dict[str, frozenset[str]]
    """Every message that takes consent back, normalised, by language."""

    @classmethod
    def load(cls, directory: Path) -> TakeBack:
        return _load(directory)

    def word(self, language: str) -> str:
        return self.words.get(language) or self.words[FALLBACK_LANGUAGE]

    def said(self, text: str, language: str) -> bool:
        folded = normalize(text)
        known = self.whole.get(language, frozenset()) | self.whole[FALLBACK_LANGUAGE]
        return bool(folded) and folded in known


@cache
def _load(directory: Path) -> TakeBack:
    """Read once per directory: every engine of a process shares the same files."""
    words: dict[str, str] = {}
    whole: dict[str, frozenset[str]] = {}
    for path in sorted(directory.glob("*.yml")):
        spec = read_yaml(path)["withdraw"]
        words[path.stem] = str(spec["word"])
        whole[path.stem] = frozenset(
            normalize(str(item)) for item in [spec["word"], *spec["whole"]]
        )
    if FALLBACK_LANGUAGE not in words:
        raise FileNotFoundError(directory / f"{FALLBACK_LANGUAGE}.yml")
    return TakeBack(words, whole)
