"""Entities by lookup: the lookup tables and synonyms of the training data.

The embedded engine uses this; Rasa reads the same tables with its
RegexEntityExtractor and EntitySynonymMapper, so both engines find the same
needs, countries and languages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.text import fold
from nlu.training_data import ANNOTATION

_LIST_ITEM = re.compile(r"^\s*-\s+(.*\S)\s*$")


class LookupEntities:
    def __init__(self, tables: dict[str, set[str]], synonyms: dict[str, str]) -> None:
        # Longest names first, so "south africa" wins over "africa".
        self._entries = sorted(
            ((fold(name), entity) for entity, names in tables.items() for name in names if name),
            key=lambda item: -len(item[0]),
        )
        self._synonyms = {fold(surface): value for surface, value in synonyms.items()}

    @classmethod
    def load(cls, paths: list[Path]) -> LookupEntities:
        tables: dict[str, set[str]] = {}
        synonyms: dict[str, str] = {}
        for path in paths:
            spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in spec.get("nlu", []):
                items = _items(block.get("examples", ""))
                if "lookup" in block:
                    tables.setdefault(block["lookup"], set()).update(items)
                elif "synonym" in block:
                    synonyms.update(dict.fromkeys(items, str(block["synonym"])))
                elif "intent" in block:
                    for item in items:
                        for match in ANNOTATION.finditer(item):
                            entity, value = _annotation(match)
                            tables.setdefault(entity, set()).add(match.group("text"))
                            if value:
                                synonyms[match.group("text")] = value
        return cls(tables, synonyms)

    def extract(self, text: str) -> list[dict[str, Any]]:
        folded = fold(text)
        taken = [False] * len(folded)
        found: list[dict[str, Any]] = []
        for name, entity in self._entries:
            for match in re.finditer(re.escape(name), folded):
                start, end = match.span()
                if any(taken[start:end]) or not _on_word_boundary(folded, start, end):
                    continue
                taken[start:end] = [True] * (end - start)
                found.append(
                    {
                        "entity": entity,
                        "value": self._synonyms.get(name, name),
                        "start": start,
                        "end": end,
                        "extractor": "LookupEntities",
                    }
                )
        return sorted(found, key=lambda item: item["start"])


def _items(examples: str) -> list[str]:
    return [m.group(1) for line in str(examples).splitlines() if (m := _LIST_ITEM.match(line))]


def _annotation(match: re.Match[str]) -> tuple[str, str | None]:
    if match.group("entity"):
        return match.group("entity"), None
    spec = yaml.safe_load(match.group("json"))
    return str(spec["entity"]), spec.get("value")


def _on_word_boundary(text: str, start: int, end: int) -> bool:
    """Whole words in spaced scripts; any position in scripts written without spaces."""
    left = start == 0 or not text[start - 1].isalnum() or not _spaced(text[start])
    right = end == len(text) or not text[end].isalnum() or not _spaced(text[end - 1])
    return left and right


def _spaced(ch: str) -> bool:
    """Scripts that separate words with spaces (not Chinese, Japanese or Thai)."""
    return not ("\u3040" <= ch <= "\u9fff" or "\u0e00" <= ch <= "\u0e7f")
