"""Reading Rasa ``nlu.yml`` training files (format version "3.1")."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from common.yamlfile import read_yaml

# [surface](entity) or [surface]{"entity": "need", "value": "legal"}
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^)]+)\)|(?P<json>\{[^}]*\}))")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


def strip_annotations(example: str) -> str:
    """``I need a [shelter](need)`` becomes ``I need a shelter``."""
    return ANNOTATION.sub(lambda m: m.group("text"), example)


def read_examples(paths: list[Path]) -> list[Example]:
    examples: list[Example] = []
    for path in paths:
        spec = read_yaml(path) or {}
        for block in spec.get("nlu", []):
            intent = block.get("intent")
            if not intent:
                continue  # synonyms, lookup tables and regexes are not intent examples
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip()
                if text.startswith("- "):
                    examples.append(Example(strip_annotations(text[2:].strip()), intent))
    return examples


def phrases_by_language(paths: list[Path]) -> dict[str, set[str]]:
    """Example texts per language, for files named after their language (``es.yml``)."""
    return {
        path.stem: {example.text for example in read_examples([path])}
        for path in paths
        if len(path.stem) == 2
    }


def training_files(data_dir: Path) -> list[Path]:
    return sorted(data_dir.rglob("*.yml"))


def fingerprint(paths: list[Path]) -> str:
    """A digest of the training files' contents: the model cache's key."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
