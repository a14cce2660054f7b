"""Language detection for short messages, weighed against what is already known.

Two detectors work together. A character n-gram classifier trained on Haven's own
examples (``nlu/data/<lang>.yml``) knows how people write to Haven: SMS spelling,
Vietnamese without diacritics, Arabic in Latin letters. Lingua, a library made for
language detection, restricted to the supported languages and a few others that
people often write, tells when a message is in a language Haven does not speak.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from common.text import fold, normalize
from nlu.model_cache import cached_model
from nlu.training_data import phrases_by_language, training_files

# Below these, one message is not enough to move a conversation to another language.
FIRST_MESSAGE_CONFIDENCE = 0.5
SWITCH_CONFIDENCE = 0.9
SWITCH_MIN_WORDS = 3
# Lingua must be this sure of another language, and Haven's own detector this unsure
# of its languages, before a message counts as written in an unsupported language.
OTHER_LANGUAGE_CONFIDENCE = 0.9
OWN_DOUBT = 0.8

# Languages Haven does not speak but that people who text it often write, so that
# "ich brauche Hilfe" is recognised as unsupported instead of misread as English.
# Those with a script of their own are recognised by the script alone.
OTHER_LANGUAGES = (
    Language.GERMAN,
    Language.ITALIAN,
    Language.DUTCH,
    Language.POLISH,
    Language.ROMANIAN,
    Language.TURKISH,
    Language.INDONESIAN,
    Language.SWAHILI,
    Language.SOMALI,
    Language.PERSIAN,
    Language.URDU,
    Language.ALBANIAN,
)
# Scripts the supported languages are written in (by Unicode character name prefix).
SUPPORTED_SCRIPTS = ("LATIN", "ARABIC", "CJK", "CYRILLIC", "FULLWIDTH", "HALFWIDTH")
UNSUPPORTED_SCRIPT_SHARE = 0.5


@dataclass(frozen=True)
class Guess:
    language: str
    confidence: float


def train_language_model(phrases: dict[str, set[str]]) -> Pipeline:
    texts = [text for language in sorted(phrases) for text in sorted(phrases[language])]
    labels = [language for language in sorted(phrases) for _ in phrases[language]]
    pipeline = make_pipeline(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), preprocessor=fold, sublinear_tf=True
        ),
        LogisticRegression(C=10.0, max_iter=2000),
    )
    pipeline.fit(texts, labels)
    return pipeline


class LanguageGuesser:
    def __init__(self, languages: list[str], phrases: dict[str, set[str]], model: Pipeline) -> None:
        self.languages = languages
        self._model = model
        self._model_languages = [str(label) for label in model.classes_]
        self._phrase_languages: dict[str, set[str]] = {}
        for language, texts in phrases.items():
            for text in texts:
                self._phrase_languages.setdefault(normalize(text), set()).add(language)
        supported = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages
        ]
        self._lingua: LanguageDetector = (
            LanguageDetectorBuilder.from_languages(*supported, *OTHER_LANGUAGES)
            .with_low_accuracy_mode()
            .build()
        )

    @classmethod
    def load(cls, data_dir: Path, cache_dir: Path, languages: list[str]) -> LanguageGuesser:
        """Trained on the example files of the supported languages (``<lang>.yml``)."""
        files = [path for path in training_files(data_dir) if path.stem in languages]
        phrases = phrases_by_language(files)
        model, _ = cached_model("language", files, cache_dir, lambda: train_language_model(phrases))
        return cls(languages, phrases, model)

    def guess(self, text: str) -> Guess | None:
        """The most likely supported language of ``text``, or None without letters."""
        if not any(ch.isalpha() for ch in text):
            return None
        known = self._phrase_languages.get(normalize(text), set())
        if len(known) == 1:
            return Guess(next(iter(known)), 1.0)
        probabilities = self._model.predict_proba([text])[0]
        best = max(range(len(probabilities)), key=lambda i: probabilities[i])
        return Guess(self._model_languages[best], float(probabilities[best]))

    def is_unsupported(self, text: str) -> bool:
        """True when ``text`` is clearly in a language Haven does not speak."""
        letters = [ch for ch in text if ch.isalpha()]
        if not letters:
            return False
        foreign = sum(not unicodedata.name(ch, "").startswith(SUPPORTED_SCRIPTS) for ch in letters)
        if foreign / len(letters) > UNSUPPORTED_SCRIPT_SHARE:
            return True
        if len(text.split()) < SWITCH_MIN_WORDS:
            return False
        own = self.guess(text)
        if own and own.confidence >= OWN_DOUBT:
            return False
        values = self._lingua.compute_language_confidence_values(text)
        return bool(
            values
            and values[0].language in OTHER_LANGUAGES
            and values[0].value >= OTHER_LANGUAGE_CONFIDENCE
        )

    def choose(self, text: str, current: str | None, hint: str | None, default: str) -> str:
        """The language to answer in.

        A new conversation follows the message when the detector is very sure,
        else the channel's hint, else the message when the detector is fairly
        sure, else the default. An ongoing one switches only on a longer message
        the detector is very sure of, so one stray word in another language does
        not flip it.
        """
        hinted = hint if hint in self.languages else None
        guess = self.guess(text)
        if guess and guess.language not in self.languages:
            guess = None
        if current is None:
            if guess and guess.confidence >= SWITCH_CONFIDENCE:
                return guess.language
            if hinted:
                return hinted
            if guess and guess.confidence >= FIRST_MESSAGE_CONFIDENCE:
                return guess.language
            return default
        if (
            guess
            and guess.language != current
            and guess.confidence >= SWITCH_CONFIDENCE
            and len(text.split()) >= SWITCH_MIN_WORDS
        ):
            return guess.language
        return current
