"""Cleaning and normalising what people type."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}
_KEEP = {"\n", "\t"}
_PUNCTUATION_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_NON_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")


def clean(text: str, limit: int) -> str:
    """Drop control and invisible characters, trim, and cut to ``limit`` characters."""
    kept = "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in _CONTROL)
    return kept.strip()[:limit]


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``¡Salír!`` and ``salir`` fold alike.

    Accents are removed by decomposing and dropping combining marks, which also
    removes Arabic vowel marks; scripts without case are left as they are.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Folded, with punctuation turned into single spaces: the form keywords match."""
    return _SPACES.sub(" ", _NON_WORD.sub(" ", fold(text))).strip()


def has_letters_or_digits(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
