"""The danger and present word lists in flows/safety/ (see flows/safety/README.md).

``danger`` holds hints of danger, which put the emergency number first while the
conversation goes on; ``present`` holds "he is here" and the like, which get one short
line with the number and nothing else. Languages Haven does not speak yet have their own
files in flows/safety/unsupported/, with explicit cries for help beside the two lists.
``police_question`` holds "are you police?", "will you report me?" and the like, which get
Haven's fixed, honest answer about the police and immigration.

Every list is read from the files themselves, so a phrase or a language added there is
checked here without anyone touching this file. Phrases are compared as the safety layer
compares them: normalised with ``common.text.normalize``, on whole words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from common.text import find_words, normalize
from common.yamlfile import read_yaml

SAFETY_DIR = Path(__file__).resolve().parent.parent / "flows" / "safety"
UNSUPPORTED_DIR = SAFETY_DIR / "unsupported"

SUPPORTED: dict[str, dict[str, Any]] = {
    path.stem: read_yaml(path) for path in sorted(SAFETY_DIR.glob("*.yml"))
}
UNSUPPORTED: dict[str, dict[str, Any]] = {
    path.stem: read_yaml(path) for path in sorted(UNSUPPORTED_DIR.glob("*.yml"))
}

HINTS = ("danger", "present")
"""The hints of danger, in every language file."""
POLICE_QUESTION = "police_question"
"""Is Haven the police or immigration, will it call them, will it report me: the fixed answer."""
PHRASE_SECTIONS = (*HINTS, POLICE_QUESTION)
"""Every section of phrases checked here in a supported language's file."""
UNSUPPORTED_SECTIONS = ("emergency", *HINTS)
"""All that a file for a language Haven does not speak yet holds."""
ACTING = ("exit", "stop", "delete")
"""Whole-message words that change what a message does: wipe, opt out, delete."""


def every_list() -> list[object]:
    """Every list of words this file checks: the hints, and all of an unsupported file."""
    supported = [
        pytest.param(phrases_of(SUPPORTED[language], section), id=f"{language}-{section}-phrases")
        for language in SUPPORTED
        for section in PHRASE_SECTIONS
    ]
    unsupported = [
        pytest.param(words, id=f"unsupported-{language}-{section}-{kind}")
        for language, spec in UNSUPPORTED.items()
        for section in UNSUPPORTED_SECTIONS
        for kind, words in (spec.get(section) or {}).items()
    ]
    return supported + unsupported


def phrases_of(spec: dict[str, Any], section: str) -> list[str]:
    """A section's phrases, or none when the section is missing (tested on its own)."""
    return (spec.get(section) or {}).get("phrases") or []


def acting_words(spec: dict[str, Any]) -> dict[str, str]:
    """Each normalised exit, stop and delete whole word of a language, with its action."""
    return {
        normalize(word): action
        for action in ACTING
        for word in (spec.get(action) or {}).get("whole", [])
    }


# -- every language has the lists ------------------------------------------------------------


def test_there_are_supported_and_unsupported_language_files() -> None:
    assert SUPPORTED
    assert UNSUPPORTED


@pytest.mark.parametrize("language", sorted(SUPPORTED))
def test_every_supported_language_has_danger_and_present_phrases(language: str) -> None:
    for section in HINTS:
        phrases = phrases_of(SUPPORTED[language], section)
        assert isinstance(phrases, list) and phrases, f"{language}.yml: no {section} phrases"
        assert all(isinstance(phrase, str) for phrase in phrases)


@pytest.mark.parametrize("language", sorted(SUPPORTED))
def test_every_supported_language_has_police_question_phrases(language: str) -> None:
    phrases = phrases_of(SUPPORTED[language], POLICE_QUESTION)
    assert isinstance(phrases, list) and phrases, f"{language}.yml: no {POLICE_QUESTION} phrases"
    assert all(isinstance(phrase, str) for phrase in phrases)


@pytest.mark.parametrize("language", sorted(UNSUPPORTED))
def test_every_unsupported_language_has_cries_for_help_danger_and_present(language: str) -> None:
    spec = UNSUPPORTED[language]
    assert spec["emergency"]["whole"], f"unsupported/{language}.yml: no emergency words"
    assert spec["emergency"]["phrases"], f"unsupported/{language}.yml: no emergency phrases"
    for section in HINTS:
        assert spec[section]["phrases"], f"unsupported/{language}.yml: no {section} phrases"


@pytest.mark.parametrize("language", sorted(UNSUPPORTED))
def test_an_unsupported_language_file_holds_only_emergency_danger_and_present(
    language: str,
) -> None:
    assert set(UNSUPPORTED[language]) == set(UNSUPPORTED_SECTIONS)


def test_no_language_is_both_supported_and_unsupported() -> None:
    assert not set(SUPPORTED) & set(UNSUPPORTED)


# -- no phrase changes what a message does ---------------------------------------------------


@pytest.mark.parametrize(
    ("language", "section"),
    [(language, section) for language in sorted(SUPPORTED) for section in PHRASE_SECTIONS],
)
def test_no_danger_present_or_police_phrase_holds_an_exit_stop_or_delete_word(
    language: str, section: str
) -> None:
    acting = acting_words(SUPPORTED[language])
    clashes = [
        f"{phrase!r} holds {action} word {word!r}"
        for phrase in phrases_of(SUPPORTED[language], section)
        for word, action in acting.items()
        if word and find_words(normalize(phrase), word) != -1
    ]
    assert clashes == [], f"{language}.yml {section}: " + "; ".join(clashes)


# -- every phrase is a distinct, non-empty phrase once normalised ----------------------------


@pytest.mark.parametrize("words", every_list())
def test_no_phrase_normalises_to_nothing(words: list[str]) -> None:
    assert [word for word in words if not normalize(word)] == []


@pytest.mark.parametrize("words", every_list())
def test_no_list_repeats_a_phrase_once_normalised(words: list[str]) -> None:
    seen: dict[str, str] = {}
    repeated = []
    for word in words:
        key = normalize(word)
        if key in seen:
            repeated.append(f"{word!r} repeats {seen[key]!r}")
        seen.setdefault(key, word)
    assert repeated == []
