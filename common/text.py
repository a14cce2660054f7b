"""Cleaning and normalising what people type."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}
_KEEP = {"\n", "\t"}
_NON_WORD = re.compile(r"[^\w\u0900-\u0DFF\u0E00-\u0EFF\u1000-\u109F]+")
"""Not part of a word: what is not a letter, digit or one of the kept vowel signs (below)."""
_SPACES = re.compile(r"\s+")


def clean(text: str, limit: int) -> str:
    """Drop control and invisible characters, trim, and cut to ``limit`` characters."""
    kept = "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in _CONTROL)
    return kept.strip()[:limit]


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``¡Salír!`` and ``salir`` fold alike.

    Accents are removed by decomposing and dropping combining marks, which also
    removes Arabic vowel marks; scripts without case are left as they are. In the
    Indic scripts, Thai, Lao and Myanmar the marks are vowels and tones that tell
    words apart ("मारा", hit, and "मेरा", my), so they are kept.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) or _vowel_sign(ch))


def normalize(text: str) -> str:
    """Folded, with punctuation turned into single spaces: the form keywords match."""
    return _SPACES.sub(" ", _NON_WORD.sub(" ", fold(text))).strip()


def on_word_boundary(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is whole words, in scripts written with spaces.

    Chinese, Japanese and Thai do not separate words with spaces, so there any
    position counts.
    """
    right = end == len(text) or not text[end].isalnum() or not _spaced(text[end - 1])
    return starts_word(text, start) and right


def starts_word(text: str, start: int) -> bool:
    """Whether a word can begin at ``text[start]`` (see ``on_word_boundary``)."""
    return start == 0 or not text[start - 1].isalnum() or not _spaced(text[start])


def find_words(text: str, words: str) -> int:
    """Where ``words`` stand as whole words in ``text`` (both already folded), else -1."""
    start = text.find(words)
    while start != -1:
        if on_word_boundary(text, start, start + len(words)):
            return start
        start = text.find(words, start + 1)
    return -1


_VOWEL_SIGN_BLOCKS = ((0x0900, 0x0DFF), (0x0E00, 0x0EFF), (0x1000, 0x109F))
"""Devanagari to Sinhala, Thai and Lao, Myanmar: scripts whose combining marks are letters."""


def _vowel_sign(ch: str) -> bool:
    return any(first <= ord(ch) <= last for first, last in _VOWEL_SIGN_BLOCKS)


def _spaced(ch: str) -> bool:
    return not ("\u3040" <= ch <= "\u9fff" or "\u0e00" <= ch <= "\u0e7f")
