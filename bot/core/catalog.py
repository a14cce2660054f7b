"""Flow texts from gettext catalogs (``flows/locales/<lang>/LC_MESSAGES/*.po``).

``haven.po`` holds the flows' texts and ``rights.po`` the rights cards, so a legal
team can review its own file.

Each entry's ``msgctxt`` is the key that flows refer to, its ``msgid`` is the
English source text and its ``msgstr`` the translation, so translators work in
Poedit or Weblate with the English beside every string. English is the source:
its catalog defines which keys exist.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

SOURCE_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


class CatalogError(RuntimeError):
    """A catalog is missing, or a key is unknown."""


@dataclass(frozen=True)
class Entry:
    key: str
    source: str
    text: str
    fuzzy: bool


def read_catalog(path: Path) -> dict[str, Entry]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    entries: dict[str, Entry] = {}
    for message in catalog:
        if not message.id or not message.context:
            continue
        source = str(message.id)
        text = str(message.string or "")
        entries[message.context] = Entry(message.context, source, text, message.fuzzy)
    return entries


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalogs:
    """Every language's texts; a missing translation falls back to the English source."""

    def __init__(self, entries: dict[str, dict[str, Entry]]) -> None:
        if SOURCE_LANGUAGE not in entries:
            raise CatalogError("the English catalog is missing")
        self.entries = entries

    @classmethod
    def load(cls, locales_dir: Path) -> Catalogs:
        entries: dict[str, dict[str, Entry]] = {}
        for path in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
            language = entries.setdefault(path.parent.parent.name, {})
            domain = read_catalog(path)
            repeated = sorted(set(language) & set(domain))
            if repeated:
                raise CatalogError(f"{path} repeats keys of another catalog: {repeated}")
            language.update(domain)
        return cls(entries)

    @property
    def languages(self) -> list[str]:
        """English first, then the others in alphabetical order."""
        return sorted(self.entries, key=lambda lang: (lang != SOURCE_LANGUAGE, lang))

    def text(self, language: str, key: str, **params: object) -> str:
        source = self.entries[SOURCE_LANGUAGE].get(key)
        if source is None:
            raise CatalogError(f"unknown message key {key!r}")
        entry = self.entries.get(language, {}).get(key)
        template = entry.text if entry and entry.text and not entry.fuzzy else source.text
        return (template or source.source).format(**params)

    def parameters(self, key: str) -> set[str]:
        """The names a key's text is filled with (``{idle}``), from its English source."""
        source = self.entries[SOURCE_LANGUAGE].get(key)
        return placeholders(source.source) if source else set()

    def is_rtl(self, language: str) -> bool:
        return language in RIGHT_TO_LEFT
