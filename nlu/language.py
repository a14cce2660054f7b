"""Language detection for short messages, weighed against what is already known."""

from __future__ import annotations

from dataclasses import dataclass

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from bot.text import normalize

# Below these, one message is not enough to move a conversation to another language.
FIRST_MESSAGE_CONFIDENCE = 0.5
SWITCH_CONFIDENCE = 0.9
SWITCH_MIN_WORDS = 3


@dataclass(frozen=True)
class Guess:
    language: str
    confidence: float


class LanguageGuesser:
    """Lingua for the supported languages, helped by the NLU examples of each language.

    Statistical detection is weak on one or two words ("hello" looks Spanish to
    it), so a message that is exactly an example of one language's training data
    is taken as that language.
    """

    def __init__(self, languages: list[str], known_phrases: dict[str, set[str]]) -> None:
        self.languages = languages
        self._phrase_languages: dict[str, set[str]] = {}
        for language, phrases in known_phrases.items():
            if language in languages:
                for phrase in phrases:
                    self._phrase_languages.setdefault(normalize(phrase), set()).add(language)
        lingua_languages = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages
        ]
        self._detector: LanguageDetector | None = (
            LanguageDetectorBuilder.from_languages(*lingua_languages).build()
            if len(lingua_languages) > 1
            else None
        )

    def guess(self, text: str) -> Guess | None:
        if self._detector is None or not any(ch.isalpha() for ch in text):
            return None
        known = self._phrase_languages.get(normalize(text), set())
        if len(known) == 1:
            return Guess(next(iter(known)), 1.0)
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return None
        top = values[0]
        return Guess(top.language.iso_code_639_1.name.lower(), float(top.value))

    def choose(self, text: str, current: str | None, hint: str | None, default: str) -> str:
        """The language to answer in.

        A new conversation follows the message when the detector is very sure,
        else the channel's hint, else the message when the detector is fairly
        sure, else the default. An ongoing one switches only on
        a longer message the detector is very sure of, so one stray word in
        another language does not flip it.
        """
        hinted = hint if hint in self.languages else None
        guess = self.guess(text)
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
