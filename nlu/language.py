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
KNOWN_WORDS_SHARE = 0.7
"""A message most of whose words appear in Haven's own examples is not in another language,
whatever Lingua says: its fast mode reads "he monitors my phone gotta go" as Italian."""

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
# The language a script most likely means, to name it to the person; a script shared by
# several languages names them all (Ethiopic: Amharic and Tigrinya).
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "DEVANAGARI": ("hi",),
    "BENGALI": ("bn",),
    "GURMUKHI": ("pa",),
    "GUJARATI": ("gu",),
    "TAMIL": ("ta",),
    "TELUGU": ("te",),
    "KANNADA": ("kn",),
    "MALAYALAM": ("ml",),
    "SINHALA": ("si",),
    "THAI": ("th",),
    "LAO": ("lo",),
    "KHMER": ("km",),
    "MYANMAR": ("my",),
    "ETHIOPIC": ("am", "ti"),
    "HANGUL": ("ko",),
    "HIRAGANA": ("ja",),
    "KATAKANA": ("ja",),
    "HEBREW": ("he",),
    "GREEK": ("el",),
    "GEORGIAN": ("ka",),
    "ARMENIAN": ("hy",),
    "TIBETAN": ("bo",),
}


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
        self._known_words = {word for text in self._phrase_languages for word in text.split()}
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
        return self.unsupported(text) is not None

    def unsupported(self, text: str) -> tuple[str, ...] | None:
        """The language(s) Haven does not speak that ``text`` is clearly written in, or None.

        ISO 639-1 codes, so that the person can be told which language Haven cannot
        answer in yet; a script several languages share gives each of them.
        """
        letters = [ch for ch in text if ch.isalpha()]
        if not letters:
            return None
        foreign = [ch for ch in letters if not _name(ch).startswith(SUPPORTED_SCRIPTS)]
        if len(foreign) / len(letters) > UNSUPPORTED_SCRIPT_SHARE:
            return _script_languages(foreign)
        if len(text.split()) < SWITCH_MIN_WORDS:
            return None
        own = self.guess(text)
        if own and own.confidence >= OWN_DOUBT:
            return None
        words = normalize(text).split()
        if sum(word in self._known_words for word in words) >= KNOWN_WORDS_SHARE * len(words):
            return None
        values = self._lingua.compute_language_confidence_values(text)
        if (
            values
            and values[0].language in OTHER_LANGUAGES
            and values[0].value >= OTHER_LANGUAGE_CONFIDENCE
        ):
            return (values[0].language.iso_code_639_1.name.lower(),)
        return None

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


def _script_languages(letters: list[str]) -> tuple[str, ...]:
    """The languages the most frequent script among ``letters`` stands for; () if unknown."""
    scripts: dict[str, int] = {}
    for ch in letters:
        script = _name(ch).split(" ")[0]
        scripts[script] = scripts.get(script, 0) + 1
    script = max(scripts, key=lambda name: scripts[name])
    return SCRIPT_LANGUAGES.get(script, ())


def _name(ch: str) -> str:
    return unicodedata.name(ch, "")
