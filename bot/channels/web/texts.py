"""The web chat page's own words (labels, hints, buttons), from ``web.po`` in every language.

The page is in the conversation's language, or before there is one, in the first of
the browser's languages Haven speaks; a missing translation falls back to English,
as the engine's texts do.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.core.catalog import RIGHT_TO_LEFT, SOURCE_LANGUAGE, read_catalog

DOMAIN = "web.po"
PREFIX = "web."


@dataclass(frozen=True)
class PageTexts:
    """Every language's page texts, by key without the ``web.`` prefix."""

    by_language: dict[str, dict[str, str]]

    @property
    def languages(self) -> list[str]:
        return sorted(self.by_language, key=lambda lang: (lang != SOURCE_LANGUAGE, lang))

    def of(self, language: str | None) -> dict[str, str]:
        """The texts of ``language``, English where it has none (or is not spoken)."""
        english = self.by_language[SOURCE_LANGUAGE]
        return {**english, **self.by_language.get(language or SOURCE_LANGUAGE, {})}

    def supported(self, language: str | None) -> str:
        return language if language in self.by_language else SOURCE_LANGUAGE

    def negotiate(self, accept_language: str) -> str:
        """The first language of an ``Accept-Language`` header that Haven speaks, by weight."""
        wanted: list[tuple[float, int, str]] = []
        for order, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            weight = 1.0
            if params.strip().startswith("q="):
                try:
                    weight = float(params.strip()[2:])
                except ValueError:
                    continue
            language = tag.strip().split("-")[0].lower()
            if language in self.by_language and weight > 0:
                wanted.append((-weight, order, language))
        return min(wanted)[2] if wanted else SOURCE_LANGUAGE

    @staticmethod
    def is_rtl(language: str) -> bool:
        return language in RIGHT_TO_LEFT


@cache
def load_texts(locales_dir: Path) -> PageTexts:
    """Read every language's ``web.po`` once per process."""
    by_language: dict[str, dict[str, str]] = {}
    for path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}")):
        entries = read_catalog(path)
        by_language[path.parent.parent.name] = {
            key.removeprefix(PREFIX): entry.text or entry.source
            for key, entry in entries.items()
            if key.startswith(PREFIX) and not entry.fuzzy and (entry.text or entry.source)
        }
    if SOURCE_LANGUAGE not in by_language:
        raise FileNotFoundError(f"no English {DOMAIN} under {locales_dir}")
    return PageTexts(by_language)
