"""The embedded classifier, its cache, the training data reader and language detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from nlu import model_cache
from nlu.embedded import EmbeddedClassifier
from nlu.language import LanguageGuesser
from nlu.result import FALLBACK_INTENT
from nlu.training_data import read_examples, strip_annotations, training_files

DATA = Path(__file__).resolve().parent.parent / "nlu" / "data"
INTENTS = {
    "greet", "affirm", "deny", "menu", "change_language", "ask_rights", "find_help",
    "trafficking_signs", "report_concern", "disclose_situation", "talk_to_person", "emergency",
    "delete_data", "quick_exit", "goodbye", "out_of_scope",
}  # fmt: skip

THRESHOLD = Settings.model_fields["nlu_threshold"].default
SMALL_DATA = """\
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
- intent: goodbye
  examples: |
    - bye
    - see you later
"""
"""Enough to train on: the cache's behaviour does not depend on how much data there is."""


@pytest.fixture(scope="module")
def classifier(model_dir: Path) -> EmbeddedClassifier:
    return EmbeddedClassifier.load(DATA, model_dir, threshold=THRESHOLD)


def test_entity_annotations_are_stripped_from_examples() -> None:
    assert strip_annotations("need a [lawyer](need) now") == "need a lawyer now"
    assert strip_annotations('un [abogado]{"entity": "need", "value": "legal"}') == "un abogado"


def test_every_language_file_has_every_intent() -> None:
    for path in training_files(DATA):
        if path.stem == "lookups":
            continue  # lookup tables only
        intents = {example.intent for example in read_examples([path])}
        assert intents == INTENTS, path.name


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("where can I sleep tonight", "find_help"),
        ("necesito un abogado", "find_help"),
        ("my boss took my passport", "disclose_situation"),
        ("can I talk to a real person", "talk_to_person"),
        ("quiero hablar con alguien de verdad", "talk_to_person"),
        ("what are the signs of trafficking", "trafficking_signs"),
    ],
)
def test_unseen_phrasings_are_understood(
    classifier: EmbeddedClassifier, text: str, intent: str
) -> None:
    parse = classifier.parse(text)
    assert parse.intent == intent
    assert parse.ranking[0][0] == intent
    assert 0 < parse.confidence <= 1


def test_text_without_letters_is_a_fallback(classifier: EmbeddedClassifier) -> None:
    parse = classifier.parse("🙂🙂🙂")
    assert parse.intent == FALLBACK_INTENT
    assert parse.confidence == 0.0


def test_below_the_threshold_the_answer_is_a_fallback_with_the_ranking_kept(
    model_dir: Path,
) -> None:
    strict = EmbeddedClassifier.load(DATA, model_dir, threshold=0.999)
    parse = strict.parse("I am not sure what I want")
    assert parse.intent == FALLBACK_INTENT
    assert parse.confidence < 0.999
    assert parse.ranking[0][1] == parse.confidence


def test_nonsense_is_not_understood(classifier: EmbeddedClassifier) -> None:
    for text in ["purple elephants dancing", "xyzzy", "qwerty plugh"]:
        assert classifier.parse(text).intent == FALLBACK_INTENT, text


def test_the_model_is_cached_and_retrained_when_the_data_changes(tmp_path: Path) -> None:
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    (data / "en.yml").write_text(SMALL_DATA, encoding="utf-8")
    EmbeddedClassifier.load(data, cache, THRESHOLD)
    first = sorted(cache.glob("*.joblib"))
    EmbeddedClassifier.load(data, cache, THRESHOLD)
    assert sorted(cache.glob("*.joblib")) == first
    with (data / "en.yml").open("a") as handle:
        handle.write("- intent: greet\n  examples: |\n    - good evening friend\n")
    EmbeddedClassifier.load(data, cache, THRESHOLD)
    assert len(list(cache.glob("*.joblib"))) == 2


def test_the_model_is_retrained_when_the_training_code_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests' cache outlives a change to the trainer: it must not serve the old model."""
    data, cache, trainer = tmp_path / "data", tmp_path / "cache", tmp_path / "trainer.py"
    data.mkdir()
    (data / "en.yml").write_text(SMALL_DATA, encoding="utf-8")
    trainer.write_text("C = 100.0\n", encoding="utf-8")
    monkeypatch.setattr(model_cache, "TRAINING_CODE", (trainer,))
    EmbeddedClassifier.load(data, cache, THRESHOLD)
    EmbeddedClassifier.load(data, cache, THRESHOLD)
    assert len(list(cache.glob("*.joblib"))) == 1
    trainer.write_text("C = 10.0\n", encoding="utf-8")
    EmbeddedClassifier.load(data, cache, THRESHOLD)
    assert len(list(cache.glob("*.joblib"))) == 2


@pytest.fixture(scope="module")
def guesser(model_dir: Path) -> LanguageGuesser:
    return LanguageGuesser.load(DATA, model_dir, ["en", "es"])


@pytest.mark.parametrize(
    ("text", "language"),
    [("hello", "en"), ("hola", "es"), ("I need a place to stay", "en"), ("necesito ayuda", "es")],
)
def test_a_new_conversation_follows_the_message(
    guesser: LanguageGuesser, text: str, language: str
) -> None:
    assert guesser.choose(text, None, None, "en") == language


def test_a_new_conversation_without_letters_follows_the_hint(guesser: LanguageGuesser) -> None:
    assert guesser.choose("1", None, "es", "en") == "es"
    assert guesser.choose("1", None, None, "en") == "en"
    assert guesser.choose("1", None, "xx", "en") == "en"


def test_a_stray_word_does_not_switch_an_ongoing_conversation(guesser: LanguageGuesser) -> None:
    assert guesser.choose("ok", "es", None, "en") == "es"
    assert guesser.choose("thanks", "es", None, "en") == "es"


def test_a_clear_sentence_switches_an_ongoing_conversation(guesser: LanguageGuesser) -> None:
    assert guesser.choose("necesito hablar con una persona", "en", None, "en") == "es"
