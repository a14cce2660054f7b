"""Entities by lookup: the lookup tables and synonyms of the training data.

The embedded engine uses this; Rasa reads the same tables with its
RegexEntityExtractor and EntitySynonymMapper, so both engines find the same
needs, countries and languages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from common.text import fold, on_word_boundary, starts_word
from common.yamlfile import parse_yaml, read_yaml
from nlu.training_data import ANNOTATION

_LIST_ITEM = re.compile(r"^\s*-\s+(.*\S)\s*$")


class LookupEntities:
    def __init__(self, tables: dict[str, set[str]], synonyms: dict[str, str]) -> None:
        self._names = {fold(name): entity for entity, names in tables.items() for name in names}
        self._names.pop("", None)
        self._longest = max((len(name) for name in self._names), default=0)
        self._synonyms = {fold(surface): value for surface, value in synonyms.items()}

    @classmethod
    def load(cls, paths: list[Path]) -> LookupEntities:
        tables: dict[str, set[str]] = {}
        synonyms: dict[str, str] = {}
        for path in paths:
            spec = read_yaml(path) or {}
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
        """Known names in ``text``, longest first at each word, left to right."""
        folded = fold(text)
        found: list[dict[str, Any]] = []
        start = 0
        while start < len(folded):
            end = self._longest_name_at(folded, start)
            if end is None:
                start += 1
                continue
            name = folded[start:end]
            found.append(
                {
                    "entity": self._names[name],
                    "value": self._synonyms.get(name, name),
                    "start": start,
                    "end": end,
                    "extractor": "LookupEntities",
                }
            )
            start = end
        return found

    def _longest_name_at(self, folded: str, start: int) -> int | None:
        if not starts_word(folded, start):
            return None
        for end in range(min(len(folded), start + self._longest), start, -1):
            if folded[start:end] in self._names and on_word_boundary(folded, start, end):
                return end
        return None


def _items(examples: str) -> list[str]:
    return [m.group(1) for line in str(examples).splitlines() if (m := _LIST_ITEM.match(line))]


def _annotation(match: re.Match[str]) -> tuple[str, str | None]:
    if match.group("entity"):
        return match.group("entity"), None
    spec = parse_yaml(match.group("json"))
    return str(spec["entity"]), spec.get("value")
